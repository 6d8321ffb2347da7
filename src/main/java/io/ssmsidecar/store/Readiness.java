package io.ssmsidecar.store;

import io.ssmsidecar.reference.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the sidecar can be relied on yet, and if not why: the one answer behind {@code GET /readyz} (and so the
 * {@code healthcheck} command, which asks it), {@code Sidecar.awaitReady} and the demo. Only {@link #of} decides it;
 * the {@link RefreshEngine} calls it with what it alone knows ({@link RefreshEngine#readiness()}).
 *
 * @param ready  true once the first load has run, every required secret is loaded and fresh enough, and a complete
 *               set has been delivered (the output files written)
 * @param reason {@code ready}, or why not; shown to operators in the 503 body of {@code /readyz}, so it names keys,
 *               error codes and durations, never values
 */
public record Readiness(boolean ready, String reason) {
    /** The answer when nothing is missing. */
    public static final Readiness READY = new Readiness(true, "ready");

    /** As {@link #of(List, Map, boolean, boolean, Optional, Instant, Duration)} when SSM is not throttling. */
    static Readiness of(List<Reference> references, Map<String, KeyStatus> status, boolean firstLoadDone,
                        boolean delivered, Optional<Duration> maxStaleness, Instant now) {
        return of(references, status, firstLoadDone, delivered, maxStaleness, now, null);
    }

    /**
     * The rule, checked in this order: the first load has run; every required reference is loaded and, when
     * {@code maxStaleness} is set, refreshed within it; a snapshot with every required secret loaded was delivered.
     *
     * @param status        status of every declared reference, by key
     * @param firstLoadDone whether the initial load pass has finished (applied included)
     * @param delivered     whether the engine's listener has accepted a snapshot with every required secret loaded
     * @param throttledFor  when SSM throttled the last pass, the time until the retry; null otherwise
     */
    static Readiness of(List<Reference> references, Map<String, KeyStatus> status, boolean firstLoadDone,
                        boolean delivered, Optional<Duration> maxStaleness, Instant now, Duration throttledFor) {
        if (!firstLoadDone) {
            return new Readiness(false, "initial load in progress");
        }
        List<String> problems = new ArrayList<>();
        for (Reference r : references) {
            KeyStatus s = status.get(r.key());
            if (r.optional() || s == null) {
                continue;
            }
            if (!s.loaded()) {
                problems.add(r.key() + " not loaded: " + (s.lastErrorCode() == null ? "pending" : s.lastErrorCode()));
            } else if (maxStaleness.isPresent() && s.lastSuccess() != null
                    && Duration.between(s.lastSuccess(), now).compareTo(maxStaleness.get()) > 0) {
                problems.add(r.key() + " stale for longer than " + maxStaleness.get().toSeconds() + "s: "
                        + s.lastErrorCode());
            }
        }
        if (!problems.isEmpty()) {
            if (throttledFor != null) {
                // Rounded up: "retrying in 0 s" would read as stuck.
                problems.add("throttled, retrying in " + (throttledFor.toMillis() + 999) / 1000 + " s");
            }
            return new Readiness(false, String.join("; ", problems));
        }
        return delivered ? READY : new Readiness(false, "secrets loaded but the output files are not written yet");
    }

    /**
     * True when every required reference has a value (stale or not): the engine tells its listener, which must not
     * deliver a partial set before that.
     */
    static boolean allRequiredLoaded(List<Reference> references, Map<String, KeyStatus> status) {
        for (Reference r : references) {
            KeyStatus s = status.get(r.key());
            if (!r.optional() && (s == null || !s.loaded())) {
                return false;
            }
        }
        return true;
    }
}
