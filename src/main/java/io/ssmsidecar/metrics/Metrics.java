package io.ssmsidecar.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * What the sidecar counts. A small interface so no package but this one imports Micrometer; the
 * Prometheus implementation lives beside it; every method defaults to doing nothing, so {@link #noop()} serves tests and commands that do not serve HTTP.
 * No method takes a secret value, and every label has bounded cardinality (no keys or parameter names as labels).
 */
public interface Metrics {

    /** One SSM API call: operation (e.g. GetParameters), outcome (success, throttled, error code class), latency. */
    default void ssmCall(String operation, String outcome, Duration latency) {
    }

    /**
     * A call was served by {@code region}: its own region ({@code failover} false) or a {@code SIDECAR_FAILOVER_REGIONS}
     * one after its own failed with a transient error.
     */
    default void sourceRegion(String region, boolean failover) {
    }

    /** How many secrets the current snapshot holds. */
    default void secretsLoaded(int count) {
    }

    /** How many declared secrets are stale: loaded, but their last refresh failed (the last good value is served). */
    default void secretsStale(int count) {
    }

    /** A refresh cycle finished: whether all secrets refreshed, and when. */
    default void refreshCompleted(boolean success, Instant at) {
    }

    /** Supplies the age of the oldest value since its last successful refresh (read at scrape time). */
    default void oldestValueAge(Supplier<Duration> age) {
    }

    /** Supplies the refresh interval in effect (the configured one, stretched while SSM throttles; read at scrape time). */
    default void refreshInterval(Supplier<Duration> interval) {
    }

    /** Supplies the wait before the pending retry of throttled calls, zero when not throttled (read at scrape time). */
    default void throttleBackoff(Supplier<Duration> backoff) {
    }

    /** Supplies whether {@code /readyz} would answer 200 now (read at scrape time). */
    default void readiness(BooleanSupplier ready) {
    }

    /** A file (per-key, bundle, template or the whole set) was written, or failed to be. */
    default void fileWrite(boolean success) {
    }

    /** An HTTP request finished: route template (e.g. /v1/secrets/{key}), status, duration. */
    default void httpRequest(String route, int status, Duration duration) {
    }

    /** A change notification was sent: channel (url, command, signal) and whether it succeeded. */
    default void notification(String channel, boolean success) {
    }

    /** Supplies how many SSM calls made on behalf of HTTP requests (on-demand, refreshNow) run now (read at scrape time). */
    default void onDemandInFlight(IntSupplier calls) {
    }

    /** An on-demand fetch was refused because every on-demand SSM call slot stayed busy (answered 429). */
    default void onDemandRejected() {
    }

    /** Metrics that record nothing. */
    static Metrics noop() {
        return NOOP;
    }

    /** The shared no-op instance. */
    Metrics NOOP = new Metrics() { };
}
