package io.ssmsidecar.store;

import io.ssmsidecar.schedule.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * How one engine shares SSM's account-wide quota with every other caller without talking to them: additive increase,
 * multiplicative decrease on its refresh rate, as TCP shares a link, plus a start-up that reads the crowd from its own
 * throttled calls.
 *
 * <ul>
 *   <li><b>Start-up.</b> A load that SSM throttles retries with full jitter: first within {@link #FIRST_WINDOW} (a
 *       collision of tasks started together that the quota absorbs within seconds: every task of a fleet that fits
 *       its quota gets in there), then, once throttled twice, within {@link #CROWD_WINDOW} × the interval. Being
 *       throttled twice in a row tells a task that the fleet needs about as long as its interval to load (N tasks ×
 *       calls ÷ quota), which a doubling would take several rounds of refused calls to find.</li>
 *   <li><b>A crowded start runs stretched.</b> A task that needed two throttled passes or more to load starts at the
 *       longest interval ({@code maxStretch}) and earns the configured rate back on clean cycles: a fleet that could
 *       barely load must not go straight to the demand that overloaded it. Its first cycle lands in the last
 *       quarter of that interval ({@link #FIRST_CYCLE_FROM}), while the rest of the crowd loads, and the jitter of
 *       later cycles spreads the fleet's cycles evenly.</li>
 *   <li><b>Steady state.</b> A full cycle that SSM throttles halves the rate (doubles the interval) down to the
 *       bound; a clean one adds back {@link #RECOVERY} of the configured rate, never above it. A fleet that fits its
 *       quota never changes. While stretched, cycles are jittered by ±{@link #STRETCHED_JITTER} and the stretched
 *       interval stays within {@code maxStretch / (1 + STRETCHED_JITTER)}: jitter included, no cycle waits longer than
 *       {@code maxStretch} intervals, which is what bounds staleness.</li>
 *   <li><b>A throttled refresh</b> (values still served) retries before the oldest value it retries is too old: its
 *       deadline is {@code maxStretch + }{@link #RETRY_DEADLINE} configured intervals after that value's last
 *       refresh, and each retry comes in the second quarter of the time left (a refused one leaves room for more,
 *       each nearer the deadline, as a crowd thins out). Less than {@link #LATE_WINDOW} left, it doubles from
 *       {@link #REFRESH_WINDOW} of the configured interval up to half the effective one: SSM throttling for good
 *       must not be called every few seconds. A doubling from the start added up on top of a stretched interval:
 *       a task that loaded in a crowd, whose first cycles were refused while the last tasks loaded, kept a value
 *       4.2 intervals old in the 2,500-task simulation, and its early retries competed with the crowd.</li>
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
    static final double RECOVERY = 0.01;
    /** The jitter of a stretched interval (the configured one keeps the engine's own jitter). */
    static final double STRETCHED_JITTER = 0.1;
    /** The first retry window after a throttled load (the interval when that is shorter). */
    static final Duration FIRST_WINDOW = Duration.ofSeconds(40);
    /**
     * The load retry window, in intervals, once a load has been throttled twice: at least the time a fleet 1.67 times
     * over its quota needs to load (1.67 intervals); 1.5 refused a third of the crowd a third time.
     */
    static final double CROWD_WINDOW = 2;
    /**
     * A crowded start's first cycle comes in the last quarter of its stretched interval after its load: the later
     * tasks of the crowd are still loading, and cycles drawn from the whole interval competed with them.
     */
    static final double FIRST_CYCLE_FROM = 0.75;
    /**
     * The load retry window, in intervals, after three throttled passes or more: by then most of the crowd has loaded
     * and runs stretched, and the last few must not wait another crowd window each. Half an interval rather than one
     * brought the 2,500-task fleet's last load from 1.96-2.18 to 1.56-1.92 times the quota-bound minimum (three seeds),
     * with the same refused calls.
     */
    static final double STRAGGLER_WINDOW = 0.5;
    /** The first window of a throttled refresh's doubling past its deadline, in configured intervals. */
    static final double REFRESH_WINDOW = 0.15;
    /**
     * How long after {@code maxStretch} configured intervals a value whose refresh SSM throttles may wait for its
     * retry, in configured intervals: 2.5 + 0.4 keeps a value within 3 intervals by default unless its retries near
     * the deadline are refused too.
     */
    static final double RETRY_DEADLINE = 0.4;
    /** Less than this left before the deadline, in configured intervals, and a throttled refresh just doubles. */
    static final double LATE_WINDOW = 0.02;

    private final Duration configured;
    private final double minRate;
    private final Duration cap;
    private final Duration firstWindow;
    /** How old a value whose refresh SSM throttles may get before its retry ({@link #RETRY_DEADLINE}). */
    private final long deadlineMs;
    /** The doubling restarted at the deadline since the last pass SSM did not throttle. */
    private boolean restarted;

    /** The share of the configured rate the engine runs at, in [minRate, 1]. */
    private volatile double rate = 1;
    /** The delay of the throttled retry last scheduled; zero once a pass goes through unthrottled. */
    private volatile Duration backoff = Duration.ZERO;
    /** Throttled passes in a row (reset by a pass that SSM did not throttle). */
    private int throttledPasses;
    /** Throttled passes before the initial load completed. */
    private int throttledLoads;
    /** The last throttled cycle found the rate at the bound already (a crowd of cycles, not too high a rate). */
    private boolean refusedAtTheBound;
    /** SSM throttled the initial load, and no cycle has been throttled since. */
    private boolean crowdedStart;

    /**
     * @param configured the refresh interval the user set
     * @param maxStretch how far throttling may stretch it, jitter included (at least 1)
     * @param cap        the longest retry delay after throttling
     */
    AdaptiveInterval(Duration configured, double maxStretch, Duration cap) {
        if (!(maxStretch >= 1)) {
            throw new IllegalArgumentException("the maximum interval stretch must be at least 1, got " + maxStretch);
        }
        this.configured = configured;
        this.minRate = Math.min(1, (1 + STRETCHED_JITTER) / maxStretch);
        this.cap = cap;
        this.firstWindow = configured.compareTo(FIRST_WINDOW) < 0 ? configured : FIRST_WINDOW;
        this.deadlineMs = Math.round(configured.toMillis() * (maxStretch + RETRY_DEADLINE));
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
                // A task that loaded in a crowd and then finds its cycles throttled too is in a fleet its quota cannot
                // serve at the configured interval: it goes to the bound at once rather than in halvings, each of
                // which would cost the quota another refused call.
                refusedAtTheBound = rate == minRate;
                rate = crowdedStart ? minRate : Math.max(minRate, rate / STRETCH);
                crowdedStart = false;
            }
            return;
        }
        throttledPasses = 0;
        restarted = false;
        backoff = Duration.ZERO;
        if (cycle) {
            rate = Math.min(1, rate + RECOVERY);
        }
    }

    /**
     * The initial load has just completed (every reference has a value) in a retry. A load throttled twice or more
     * starts stretched to the bound and answers the delay until its first full cycle; otherwise empty (the first
     * cycle stays where the start put it).
     *
     * @param sinceOldestValue how long ago the oldest of the task's values was loaded
     */
    Optional<Duration> loaded(Duration sinceOldestValue, RandomGenerator random) {
        boolean crowded = throttledLoads >= 2;
        crowdedStart = throttledLoads >= 1;
        throttledLoads = 0;
        if (!crowded) {
            // One collision says nothing about the steady demand: the first cycle stays where the start put it.
            return Optional.empty();
        }
        rate = minRate;
        // In the last quarter of the interval, while the rest of the crowd loads, but no later than one interval after
        // the oldest value this task loaded (a part may have loaded long before).
        long drawn = uniform(Math.round(interval().toMillis() * FIRST_CYCLE_FROM), interval().toMillis(), random)
                .toMillis();
        return Optional.of(Duration.ofMillis(Math.max(1, Math.min(drawn, interval().minus(sinceOldestValue).toMillis()))));
    }

    /**
     * The delay until the next full cycle: the interval jittered by ±{@code jitter} (±10% at most while stretched), or
     * after a cycle throttled at the bound anywhere in [0.5, 1] × the interval: tasks whose cycles SSM refused
     * together at a rate it can serve are a crowd in time, and must not come back together (a ±10% jitter keeps them
     * one crowd for many cycles); earlier, never later, keeps the staleness bound.
     */
    Duration nextCycle(boolean throttled, double jitter, RandomGenerator random) {
        if (throttled && refusedAtTheBound) {
            return uniform(interval().toMillis() / 2, interval().toMillis(), random);
        }
        return Backoff.jitter(interval(), rate < 1 ? Math.min(jitter, STRETCHED_JITTER) : jitter, random);
    }

    /**
     * The delay before retrying the references of a throttled pass. Call once per pass: every reference the pass
     * failed retries together.
     *
     * @param loaded   every reference had a value before the pass (a refresh, not a load)
     * @param oldestAge how long ago the oldest of the values the pass failed to refresh was loaded (for a refresh)
     */
    Duration retryDelay(boolean loaded, Duration oldestAge, RandomGenerator random) {
        double window;
        if (loaded) {
            long left = deadlineMs - oldestAge.toMillis();
            if (left >= configured.toMillis() * LATE_WINDOW) {
                // Before the oldest value's deadline: in the second quarter of the time left, so that a refused retry
                // leaves room for more, each nearer the deadline (the crowd thins out meanwhile).
                throttledPasses++;
                backoff = uniform(Math.min(cap.toMillis(), left / 4), Math.min(cap.toMillis(), left / 2), random);
                return backoff;
            }
            if (!restarted) {
                // At the deadline already (a retry there refused): a doubling from the first window, restarted once,
                // up to half the interval: SSM throttling for good must not be called every few seconds.
                restarted = true;
                throttledPasses = 0;
            }
            window = Math.min(interval().toMillis() / 2.0,
                    configured.toMillis() * REFRESH_WINDOW * Math.pow(2, Math.min(throttledPasses, 30)));
        } else {
            throttledLoads++;
            window = Math.max(firstWindow.toMillis(), throttledLoads == 1 ? 0
                    : configured.toMillis() * (throttledLoads == 2 ? CROWD_WINDOW : STRAGGLER_WINDOW));
        }
        throttledPasses++;
        backoff = uniform(1, (long) Math.min(cap.toMillis(), window), random);
        return backoff;
    }

    private static Duration uniform(long fromMs, long toMs, RandomGenerator random) {
        return Duration.ofMillis(Math.max(1, fromMs + (long) (random.nextDouble() * Math.max(0, toMs - fromMs))));
    }
}
