package io.ssmsidecar.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@link Metrics} recorded in a Micrometer Prometheus registry and exposed by {@link #scrape()} in the
 * Prometheus text format. The constants are the exposed names (Micrometer adds {@code _total} to counters
 * and {@code _seconds} to timers). No JVM binders: they cost start-up time and say nothing about secrets.
 * Label values come from the callers' small vocabularies; each label keeps at most
 * {@value BoundedLabel#MAX_VALUES} distinct values and folds the rest into {@code other}.
 */
public final class PrometheusMetrics implements Metrics {

    /** Counter {@code ssm_sidecar_ssm_calls_total{operation,outcome}}: SSM API calls. */
    public static final String SSM_CALLS = "ssm_sidecar_ssm_calls_total";
    /** Timer {@code ssm_sidecar_ssm_call_seconds{operation}}: SSM call latency. */
    public static final String SSM_CALL_SECONDS = "ssm_sidecar_ssm_call_seconds";
    /** Counter {@code ssm_sidecar_ssm_throttled_total}: SSM calls answered with throttling. */
    public static final String SSM_THROTTLED = "ssm_sidecar_ssm_throttled_total";
    /** Gauge {@code ssm_sidecar_secrets_loaded}: secrets in the current snapshot. */
    public static final String SECRETS_LOADED = "ssm_sidecar_secrets_loaded";
    /** Gauge {@code ssm_sidecar_secrets_stale}: declared secrets served from their last good value after failed refreshes. */
    public static final String SECRETS_STALE = "ssm_sidecar_secrets_stale";
    /** Gauge {@code ssm_sidecar_oldest_value_age_seconds}: age of the least recently refreshed value. */
    public static final String OLDEST_VALUE_AGE = "ssm_sidecar_oldest_value_age_seconds";
    /** Gauge {@code ssm_sidecar_refresh_interval_seconds}: the interval in effect, stretched while SSM throttles. */
    public static final String REFRESH_INTERVAL = "ssm_sidecar_refresh_interval_seconds";
    /** Gauge {@code ssm_sidecar_throttle_backoff_seconds}: the wait before retrying throttled calls, 0 when none. */
    public static final String THROTTLE_BACKOFF = "ssm_sidecar_throttle_backoff_seconds";
    /** Gauge {@code ssm_sidecar_last_refresh_success_timestamp_seconds}: epoch seconds, 0 before the first. */
    public static final String LAST_REFRESH_SUCCESS = "ssm_sidecar_last_refresh_success_timestamp_seconds";
    /** Gauge {@code ssm_sidecar_ready}: 1 while {@code /readyz} would answer 200, else 0. */
    public static final String READY = "ssm_sidecar_ready";
    /** Counter {@code ssm_sidecar_refreshes_total{result}}: refresh cycles, result success or failure. */
    public static final String REFRESHES = "ssm_sidecar_refreshes_total";
    /** Counter {@code ssm_sidecar_file_writes_total{result}}: file writes, result success or failure. */
    public static final String FILE_WRITES = "ssm_sidecar_file_writes_total";
    /** Counter {@code ssm_sidecar_http_requests_total{route,status}}: HTTP requests by route template. */
    public static final String HTTP_REQUESTS = "ssm_sidecar_http_requests_total";
    /** Timer {@code ssm_sidecar_http_request_seconds{route}}: HTTP request duration. */
    public static final String HTTP_REQUEST_SECONDS = "ssm_sidecar_http_request_seconds";
    /** Counter {@code ssm_sidecar_notifications_total{channel,result}}: change notifications sent. */
    public static final String NOTIFICATIONS = "ssm_sidecar_notifications_total";

    /** Gauge {@code ssm_sidecar_on_demand_in_flight}: SSM calls made on behalf of HTTP requests, running now. */
    public static final String ON_DEMAND_IN_FLIGHT = "ssm_sidecar_on_demand_in_flight";
    /** Counter {@code ssm_sidecar_on_demand_rejected_total}: on-demand fetches refused with 429 (capacity full). */
    public static final String ON_DEMAND_REJECTED = "ssm_sidecar_on_demand_rejected_total";

    /**
     * Counter {@code ssm_sidecar_region_calls_total{region,served}}: calls answered, by the region that answered and
     * whether it was the call's own ({@code primary}) or a failover region ({@code failover}).
     */
    public static final String REGION_CALLS = "ssm_sidecar_region_calls_total";
    /** Gauge {@code ssm_sidecar_failover_active}: 1 while the latest call was answered by a failover region, else 0. */
    public static final String FAILOVER_ACTIVE = "ssm_sidecar_failover_active";

    /** The {@code Content-Type} of {@link #scrape()}'s text. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final String SUCCESS = "success";
    private static final String FAILURE = "failure";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger secretsLoaded = new AtomicInteger();
    private final AtomicInteger secretsStale = new AtomicInteger();
    private final AtomicLong lastRefreshSuccessMillis = new AtomicLong();
    private final AtomicReference<Supplier<Duration>> oldestAge = new AtomicReference<>();
    private final AtomicReference<Supplier<Duration>> refreshInterval = new AtomicReference<>();
    private final AtomicReference<Supplier<Duration>> throttleBackoff = new AtomicReference<>();
    private final AtomicReference<BooleanSupplier> ready = new AtomicReference<>(() -> false);
    private final Counter throttled;
    private final Counter onDemandRejected;
    private final AtomicReference<IntSupplier> onDemandInFlight = new AtomicReference<>(() -> 0);
    private final BoundedLabel operations = new BoundedLabel();
    private final BoundedLabel regions = new BoundedLabel();
    private final AtomicInteger failoverActive = new AtomicInteger();
    private final BoundedLabel outcomes = new BoundedLabel();
    private final BoundedLabel routes = new BoundedLabel();
    private final BoundedLabel statuses = new BoundedLabel();
    private final BoundedLabel channels = new BoundedLabel();

    private PrometheusMetrics() {
        Gauge.builder(meterName(SECRETS_LOADED), secretsLoaded, AtomicInteger::get)
                .description("Secrets in the current snapshot").register(registry);
        Gauge.builder(meterName(FAILOVER_ACTIVE), failoverActive, AtomicInteger::get)
                .description("1 while the latest call was answered by a failover region").register(registry);
        Gauge.builder(meterName(SECRETS_STALE), secretsStale, AtomicInteger::get)
                .description("Declared secrets served from their last good value because their refresh failed")
                .register(registry);
        Gauge.builder(meterName(OLDEST_VALUE_AGE), this, PrometheusMetrics::oldestAgeSeconds)
                .description("Seconds since the least recently refreshed value was last refreshed successfully")
                .register(registry);
        Gauge.builder(meterName(READY), this, PrometheusMetrics::readyValue)
                .description("1 while GET /readyz would answer 200 (every required secret loaded, fresh and written), else 0")
                .register(registry);
        Gauge.builder(meterName(LAST_REFRESH_SUCCESS), lastRefreshSuccessMillis, m -> m.get() / 1000.0)
                .description("When the last fully successful refresh finished, in epoch seconds; 0 before the first")
                .register(registry);
        Gauge.builder(meterName(REFRESH_INTERVAL), refreshInterval, PrometheusMetrics::seconds)
                .description("Seconds between refresh cycles now: the configured interval, stretched while SSM throttles")
                .register(registry);
        Gauge.builder(meterName(THROTTLE_BACKOFF), throttleBackoff, PrometheusMetrics::seconds)
                .description("Seconds the pending retry of throttled SSM calls waits; 0 when SSM is not throttling")
                .register(registry);
        throttled = Counter.builder(meterName(SSM_THROTTLED))
                .description("SSM calls answered with a throttling error").register(registry);
        Gauge.builder(meterName(ON_DEMAND_IN_FLIGHT), onDemandInFlight, s -> s.get().getAsInt())
                .description("SSM calls made on behalf of HTTP requests (on-demand, refreshNow), running now")
                .register(registry);
        onDemandRejected = Counter.builder(meterName(ON_DEMAND_REJECTED))
                .description("On-demand fetches refused with 429 because every on-demand SSM call slot stayed busy")
                .register(registry);
        // Counters a dashboard alerts on exist from the start, so a rate() over them is 0 rather than absent.
        for (String result : new String[] {SUCCESS, FAILURE}) {
            counter(FILE_WRITES, "File writes", "result", result);
            counter(REFRESHES, "Refresh cycles", "result", result);
        }
    }

    /** A registry with every gauge and the alerting counters registered at zero. */
    public static PrometheusMetrics create() {
        return new PrometheusMetrics();
    }

    /** Every metric in the Prometheus text format (version 0.0.4, {@link #CONTENT_TYPE}). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void ssmCall(String operation, String outcome, Duration latency) {
        String op = operations.value(operation);
        String out = outcomes.value(outcome);
        counter(SSM_CALLS, "SSM API calls", "operation", op, "outcome", out).increment();
        Timer.builder(meterName(SSM_CALL_SECONDS)).description("SSM API call latency").tags("operation", op)
                .register(registry).record(nonNegative(latency));
        if ("throttled".equals(out)) {
            throttled.increment();
        }
    }

    @Override
    public void sourceRegion(String region, boolean failover) {
        counter(REGION_CALLS, "Calls answered, by region and whether a failover region answered", "region",
                regions.value(region), "served", failover ? "failover" : "primary").increment();
        failoverActive.set(failover ? 1 : 0);
    }

    @Override
    public void secretsLoaded(int count) {
        secretsLoaded.set(count);
    }

    @Override
    public void secretsStale(int count) {
        secretsStale.set(count);
    }

    @Override
    public void refreshCompleted(boolean success, Instant at) {
        counter(REFRESHES, "Refresh cycles", "result", success ? SUCCESS : FAILURE).increment();
        if (success) {
            lastRefreshSuccessMillis.accumulateAndGet(at.toEpochMilli(), Math::max);
        }
    }

    @Override
    public void oldestValueAge(Supplier<Duration> age) {
        oldestAge.set(Objects.requireNonNull(age, "age"));
    }

    @Override
    public void refreshInterval(Supplier<Duration> interval) {
        refreshInterval.set(Objects.requireNonNull(interval, "interval"));
    }

    @Override
    public void throttleBackoff(Supplier<Duration> backoff) {
        throttleBackoff.set(Objects.requireNonNull(backoff, "backoff"));
    }

    @Override
    public void readiness(BooleanSupplier supplier) {
        ready.set(Objects.requireNonNull(supplier, "supplier"));
    }

    @Override
    public void fileWrite(boolean success) {
        counter(FILE_WRITES, "File writes", "result", success ? SUCCESS : FAILURE).increment();
    }

    @Override
    public void httpRequest(String route, int status, Duration duration) {
        String r = routes.value(route);
        counter(HTTP_REQUESTS, "HTTP requests", "route", r, "status", statuses.value(Integer.toString(status)))
                .increment();
        Timer.builder(meterName(HTTP_REQUEST_SECONDS)).description("HTTP request duration").tags("route", r)
                .register(registry).record(nonNegative(duration));
    }

    @Override
    public void notification(String channel, boolean success) {
        counter(NOTIFICATIONS, "Change notifications", "channel", channels.value(channel),
                "result", success ? SUCCESS : FAILURE).increment();
    }

    @Override
    public void onDemandInFlight(IntSupplier calls) {
        onDemandInFlight.set(Objects.requireNonNull(calls, "calls"));
    }

    @Override
    public void onDemandRejected() {
        onDemandRejected.increment();
    }

    private Counter counter(String name, String description, String... tags) {
        return Counter.builder(meterName(name)).description(description).tags(tags).register(registry);
    }

    private double oldestAgeSeconds() {
        return seconds(oldestAge);
    }

    /** What a duration gauge's supplier says, in seconds: 0 before it is set, NaN when it fails. */
    private static double seconds(AtomicReference<Supplier<Duration>> source) {
        Supplier<Duration> supplier = source.get();
        if (supplier == null) {
            return 0;
        }
        try {
            Duration age = supplier.get();
            return age == null ? 0 : age.toMillis() / 1000.0;
        } catch (RuntimeException e) {
            // A scrape must not fail because the store is between states; report "unknown".
            return Double.NaN;
        }
    }

    private double readyValue() {
        try {
            return ready.get().getAsBoolean() ? 1 : 0;
        } catch (RuntimeException e) {
            // As for the age: a scrape must not fail; "unknown" is not "ready".
            return 0;
        }
    }

    private static Duration nonNegative(Duration d) {
        return d == null || d.isNegative() ? Duration.ZERO : d;
    }

    /**
     * The Micrometer name that renders as {@code exposed}: Micrometer appends {@code _total} to counters and
     * the base unit to timers, so those suffixes are left off; gauges keep their full name.
     */
    static String meterName(String exposed) {
        String base = exposed;
        if (base.endsWith("_total")) {
            base = base.substring(0, base.length() - "_total".length());
        } else if (base.equals(SSM_CALL_SECONDS) || base.equals(HTTP_REQUEST_SECONDS)) {
            base = base.substring(0, base.length() - "_seconds".length());
        }
        return base.replace('_', '.');
    }
}
