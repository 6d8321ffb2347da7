package io.ssmsidecar.schedule;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: attempt n waits a uniform random time in [0, min(ceiling, base * 2^n)].
 * Full jitter spreads a fleet that failed together (AWS Architecture Blog, "Exponential Backoff and Jitter").
 */
public record Backoff(Duration base, Duration ceiling) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    /** The capped, un-jittered delay of attempt {@code attempt} (0-based). */
    public Duration cap(int attempt) {
        long baseMs = base.toMillis();
        long ceilMs = ceiling.toMillis();
        long ms = attempt >= 40 ? ceilMs : Math.min(ceilMs, baseMs << Math.min(attempt, 40));
        return Duration.ofMillis(Math.max(ms, 1));
    }

    /** A full-jitter delay for {@code attempt}: uniform in [cap/10, cap], never 0 so retries cannot spin. */
    public Duration delay(int attempt, RandomGenerator random) {
        long capMs = cap(attempt).toMillis();
        long floor = Math.max(1, capMs / 10);
        return Duration.ofMillis(floor + (long) (random.nextDouble() * (capMs - floor)));
    }

    /** {@code interval} jittered by ±{@code fraction} (e.g. 0.1 for ±10%). */
    public static Duration jitter(Duration interval, double fraction, RandomGenerator random) {
        double factor = 1 + fraction * (2 * random.nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(interval.toMillis() * factor)));
    }
}
