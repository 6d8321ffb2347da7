package io.ssmsidecar.store;

import io.ssmsidecar.schedule.Backoff;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * How one engine shares SSM's account-wide quota with every other caller without talking to them: additive increase,
 * multiplicative decrease on its refresh rate, as TCP shares a link.
 *
 * <ul>
 *   <li>A full cycle that SSM throttles halves the engine's rate (doubles the effective interval), up to
 *       {@code maxStretch} × the configured interval; the next cycle then lands anywhere in [0.5, 1.5] × the new
 *       interval, so engines throttled together do not come back together.</li>
 *   <li>A full cycle without throttling adds back {@link #RECOVERY} of the configured rate: the interval shrinks
 *       gradually to the configured one and never below it. A fleet that fits its quota never changes.</li>
 *   <li>The references of a throttled pass retry together after a full-jitter delay. Before they have loaded, the
 *       window starts at {@link #FIRST_WINDOW} (half the interval when shorter) and grows {@link #GROWTH}× per
 *       consecutive throttled pass up to 1.5 intervals: N tasks started together spread their retries over
 *       windows that reach N × calls ÷ quota in a few steps, whatever N is. Once loaded, a retry waits up to half
 *       the effective interval: the values are still served, and a quick retry would only meet the same crowd.</li>
 *   <li>The initial load's first pass does not move the interval: tasks started in one instant collide whatever
 *       their steady demand, and that collision says nothing about it.</li>
 * </ul>
 *
 * Why these numbers: docs/rotation.md ("A fleet under one quota") and the fleet simulation in the reliability suite
 * (FleetTest), which measured them. Engine-thread only, except {@link #interval()} and {@link #backoff()}, which any
 * thread may read (metrics).
 */
final class AdaptiveInterval {
    /** The rate is divided by this on a throttled cycle. */
    static final double STRETCH = 2;
    /** The share of the configured rate regained per clean full cycle. */
    static final double RECOVERY = 0.02;
    /** The first retry window after a throttled load (half the interval when that is shorter). */
    static final Duration FIRST_WINDOW = Duration.ofSeconds(30);
    /** The load retry window grows by this per consecutive throttled pass. */
    static final double GROWTH = 3;
    /** The load retry window stays within this many configured intervals. */
    static final double LOAD_WINDOW_LIMIT = 1.5;

    private final Duration configured;
    private final double minRate;
    private final Duration cap;
    private final Duration firstWindow;

    /** The share of the configured rate the engine runs at, in [1 / maxStretch, 1]. */
    private volatile double rate = 1;
    /** The delay of the throttled retry last scheduled; zero once a pass goes through unthrottled. */
    private volatile Duration backoff = Duration.ZERO;
    private int throttledPasses;

    /**
     * @param configured the refresh interval the user set
     * @param maxStretch how far throttling may stretch it (at least 1)
     * @param cap        the longest retry delay after throttling
     */
    AdaptiveInterval(Duration configured, double maxStretch, Duration cap) {
        if (!(maxStretch >= 1)) {
            throw new IllegalArgumentException("the maximum interval stretch must be at least 1, got " + maxStretch);
        }
        this.configured = configured;
        this.minRate = 1 / maxStretch;
        this.cap = cap;
        Duration half = configured.dividedBy(2);
        this.firstWindow = half.compareTo(FIRST_WINDOW) < 0 ? half : FIRST_WINDOW;
    }

    /** The interval between full cycles now: the configured one, stretched while SSM throttles. */
    Duration interval() {
        return Duration.ofMillis(Math.round(configured.toMillis() / rate));
    }

    /** The delay of the throttled retry pending now, or zero. */
    Duration backoff() {
        return backoff;
    }

    /**
     * Records the outcome of a pass.
     *
     * @param cycle     a full cycle after the initial load (only those move the interval)
     * @param throttled SSM throttled at least one of the pass's calls
     */
    void record(boolean cycle, boolean throttled) {
        if (throttled) {
            if (cycle) {
                rate = Math.max(minRate, rate / STRETCH);
            }
            return;
        }
        throttledPasses = 0;
        backoff = Duration.ZERO;
        if (cycle) {
            rate = Math.min(1, rate + RECOVERY);
        }
    }

    /** The delay until the next full cycle: the interval jittered by ±{@code jitter}, or spread wide after throttling. */
    Duration nextCycle(boolean throttled, double jitter, RandomGenerator random) {
        return throttled ? uniform(interval().toMillis() / 2, interval().toMillis() * 3 / 2, random)
                : Backoff.jitter(interval(), jitter, random);
    }

    /**
     * The delay before retrying the references of a throttled pass. Call once per pass: every reference the pass
     * failed retries together.
     *
     * @param loaded every reference had a value before the pass (a refresh, not a load)
     */
    Duration retryDelay(boolean loaded, RandomGenerator random) {
        double window = loaded ? interval().toMillis() / 2.0
                : Math.min(configured.toMillis() * LOAD_WINDOW_LIMIT,
                        firstWindow.toMillis() * Math.pow(GROWTH, Math.min(throttledPasses, 30)));
        throttledPasses++;
        backoff = uniform(1, (long) Math.min(cap.toMillis(), window), random);
        return backoff;
    }

    private static Duration uniform(long fromMs, long toMs, RandomGenerator random) {
        return Duration.ofMillis(Math.max(1, fromMs + (long) (random.nextDouble() * Math.max(0, toMs - fromMs))));
    }
}
