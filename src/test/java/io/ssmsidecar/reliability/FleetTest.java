package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.SnapshotStore;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fleets of sidecar refresh engines in one JVM, each with its own schedule and random generator, all on one virtual
 * timeline, against one local endpoint throttled like SSM's shared quota (a token bucket of one second's calls),
 * through the real SDK. Each scenario records how long until every engine is loaded, the calls and the throttled
 * calls at start-up and in steady state, the calls/s the endpoint saw, the effective interval the engines reached and
 * the worst staleness, in {@code target/reliability/<scenario>.txt}.
 *
 * <ul>
 *   <li>{@code fleet} (undersubscribed): 1,000 engines at SSM's 40 calls/s, intervals as users set them (60% 5 min,
 *       30% 1 min, 10% 15 min), 1 call a cycle: 7 calls/s of demand. Must behave as before the controller.</li>
 *   <li>{@code fleet-oversubscribed}: engines × 20 secrets (2 calls a cycle) every 5 min against a quota they exceed
 *       1.67 times, as 10,000 tasks do against 40 calls/s: 500 engines every 1 min here, 2,500 every 5 min in the
 *       long mode. The engines must find the quota on their own.</li>
 *   <li>{@code fleet-rolling}: the oversubscribed fleet in steady state, replaced in batches of 10% while the rest
 *       run (a deployment).</li>
 * </ul>
 */
@ExtendWith(LeakWatch.class)
class FleetTest {
    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    /** Room for every call of the largest run (10,000 engines: about 200,000); a run that fills it fails. */
    private static final int CALL_LOG = 2_000_000;

    @Test
    void thousandEngines_startedTogether_allLoad_andSteadyStateStaysUnderTheQuota() throws Exception {
        int engines = 1000;
        int quota = 40;
        Duration horizon = Figures.longRun() ? Duration.ofHours(2) : Duration.ofMinutes(15);
        SplittableRandom seeds = new SplittableRandom(1000);
        try (Fleet fleet = new Fleet(quota, 10, 5, seeds)) {
            for (int e = 0; e < engines; e++) {
                int pick = seeds.nextInt(10);
                fleet.add(pick < 6 ? FIVE_MINUTES : pick < 9 ? Duration.ofMinutes(1) : Duration.ofMinutes(15), e);
            }
            fleet.runUntil(horizon);
            Result r = fleet.result(FIVE_MINUTES);

            assertThat(r.allLoadedAt).as("every engine loaded within %s", horizon).isNotNull();
            assertThat(r.steadyThrottled).as("throttled calls in steady state").isLessThanOrEqualTo(r.steady.size() / 100);
            assertThat(r.steadyPeak).as("peak calls in one second of steady state").isLessThanOrEqualTo(quota);
            // Transient failures retry well inside an interval: nothing ages past twice its interval plus the jitter.
            assertThat(r.worstStalenessRatio).isLessThan(2.5);
            // A fleet that fits its quota never stretches its interval, so it refreshes as before the controller
            // (measured before it: 46 s to load all, 7.10 calls/s in steady state, worst staleness 1.48 intervals;
            // with the first controller 50 s; now 40 s: a first retry window of 40 s instead of 30 s spreads the
            // crowd enough that no task is refused twice).
            assertThat(r.maxStretch).isEqualTo(1.0);
            assertThat(r.allLoadedSeconds()).isLessThanOrEqualTo(50);
            assertThat(r.steadyMean).isBetween(6.9, 7.3);
            r.record("fleet", engines + " engines, 60% 5m, 30% 1m, 10% 15m, 5 keys each (1 GetParameters per cycle),"
                    + " started in one instant, quota " + quota + " calls/s", horizon);
        }
    }

    @Test
    void oversubscribedFleet_findsTheQuota_loadsEveryEngine_andSettlesWithinTheQuota() throws Exception {
        boolean longRun = Figures.longRun();
        int engines = longRun ? Integer.getInteger("reliability.fleet.engines", 2500) : 500;
        // -Dreliability.fleet.quota=40 -Dreliability.fleet.engines=10000: the full fleet, every 5 min.
        int quota = longRun ? Integer.getInteger("reliability.fleet.quota", 10) : 10;
        // 1.67× oversubscribed in steady state, as 10,000 tasks every 5 min against 40 calls/s.
        Duration interval = FIVE_MINUTES.multipliedBy(engines * 10L).dividedBy(2500L * quota);
        Duration horizon = scaled(Duration.ofMinutes(90), interval);
        try (Fleet fleet = new Fleet(quota, engines, 20,
                new SplittableRandom(Long.getLong("reliability.fleet.seed", 2500)))) {
            for (int e = 0; e < engines; e++) {
                fleet.add(interval, e);
            }
            fleet.runUntil(horizon);
            Result r = fleet.result(interval);
            double minimum = engines * 2.0 / quota;
            r.record("fleet-oversubscribed", engines + " engines x 20 keys (2 GetParameters per cycle), every "
                    + interval.toSeconds() + " s, started in one instant, quota " + quota + " calls/s (demand at the"
                    + " configured interval: " + String.format("%.1f", engines * 2.0 / interval.toSeconds()) + " calls/s)",
                    horizon);
            Figures.record("fleet-oversubscribed", "quota-bound minimum (s)", String.format("%.0f", minimum));

            // Before the controller, this fleet had not loaded after 40 min and 87% of its calls were throttled.
            // Issue 22's targets: steady state within the quota, staleness within 3 intervals and loading within 2x
            // the minimum are met and asserted as such; 10% throttled over the run is not met (13-14%; RELIABILITY.md,
            // "Fleet", says why) and is held just above where the controller is now.
            assertThat(r.allLoadedAt).as("every engine loaded within %s", horizon).isNotNull();
            assertThat(r.steadyMean).as("steady-state calls/s (target: within the quota)").isLessThanOrEqualTo(quota);
            // 4.20x in the long run before a throttled refresh had a deadline (RELIABILITY.md, "Fleet", has the cause).
            assertThat(r.worstStalenessRatio).as("worst staleness, in configured intervals (target: 3)")
                    .isLessThanOrEqualTo(3.0);
            // 3.6-4.2% on six seeds at CI scale (3.2% at 2,500 engines): crowded starts' first cycles, held late
            // while the crowd loads, come back together for a few stretched intervals.
            assertThat(r.steadyThrottled).as("throttled calls in steady state")
                    .isLessThanOrEqualTo(r.steady.size() * 5 / 100);
            assertThat(r.meanStretch).as("the interval the fleet settled at, x configured")
                    .isBetween(engines * 2.0 / quota / interval.toSeconds(), 2.5);
            // The seeds vary it: 180-196 s at CI scale on six seeds, 778-845 s at 2,500 engines on three (196-223 s
            // and 778-960 s before a task whose load came in two parts stopped fetching everything again at once).
            assertThat(r.allLoadedSeconds()).as("all loaded within 2x the quota-bound minimum (%s s)", minimum)
                    .isLessThanOrEqualTo(2 * minimum);
            // 13.2-14.1% on six seeds at CI scale, 13.2-13.4% on three at 2,500 engines. The first instant alone
            // refuses every task the bucket cannot take (about 5% of the run), the 40-s first window about as many
            // again at 2,500 engines: RELIABILITY.md ("Fleet") has the breakdown.
            assertThat(r.throttledByPass[0]).as("load calls refused in the first instant")
                    .isGreaterThanOrEqualTo(engines - quota);
            assertThat(r.throttled).as("throttled calls over the run (target: 10%)")
                    .isLessThanOrEqualTo(r.calls.size() * 15 / 100);
        }
    }

    @Test
    void rollingDeployment_ofAnOversubscribedFleet_loadsEveryNewTask_andKeepsTheRestFresh() throws Exception {
        boolean longRun = Figures.longRun();
        int engines = longRun ? 2500 : 500;
        int quota = 10;
        int batch = engines / 10;
        Duration interval = FIVE_MINUTES.multipliedBy(engines).dividedBy(2500);
        Duration rollFrom = scaled(Duration.ofMinutes(40), interval);
        Duration batchEvery = scaled(Duration.ofMinutes(3), interval);
        Duration horizon = scaled(Duration.ofMinutes(90), interval);
        try (Fleet fleet = new Fleet(quota, engines, 20, new SplittableRandom(4242))) {
            for (int e = 0; e < engines; e++) {
                fleet.add(interval, e);
            }
            fleet.runUntil(rollFrom);
            for (int b = 0; b < 10; b++) {
                // ECS-style with 90% minimum healthy: a batch stops, its replacements start in the same instant.
                for (int e = b * batch; e < (b + 1) * batch; e++) {
                    fleet.replace(e);
                }
                fleet.runUntil(rollFrom.plus(batchEvery.multipliedBy(b + 1)));
            }
            fleet.runUntil(horizon);
            // Steady state: once the last batch has had an interval to load and settle.
            Result r = fleet.result(interval, rollFrom.plus(batchEvery.multipliedBy(10)).plus(interval));
            r.record("fleet-rolling", engines + " engines x 20 keys every " + interval.toSeconds() + " s, quota " + quota
                    + " calls/s, replaced in 10 batches of " + batch + " every " + batchEvery.toSeconds() + " s from "
                    + rollFrom.toSeconds() + " s", horizon);
            Figures.record("fleet-rolling", "slowest replacement to load (s)", fleet.slowestReplacement().toSeconds());

            // Once the deployment is over the fleet is back within the quota. During it, the new tasks queue for the
            // quota the running ones leave (a stretched fleet uses about 80% of it) instead of pushing the fleet over:
            // a batch every 0.6 intervals needs more than that spare share, so the last batches wait longest.
            assertThat(r.allLoadedAt).isNotNull();
            assertThat(r.steadyMean).as("calls/s after the deployment (target: within the quota)")
                    .isLessThanOrEqualTo(quota);
            // Measured: 3.6 / 2.8 intervals, 22.9% / 22.3% refused, staleness 2.84 / 2.84 intervals (CI / 2,500).
            assertThat(fleet.slowestReplacement()).as("a replaced task loads within four intervals")
                    .isLessThanOrEqualTo(interval.multipliedBy(4));
            assertThat(r.throttled).as("throttled calls over the run").isLessThanOrEqualTo(r.calls.size() * 25 / 100);
            assertThat(r.worstStalenessRatio).as("worst staleness, in configured intervals").isLessThanOrEqualTo(3.5);
        }
    }

    /**
     * {@code d} of a fleet refreshing every 5 min, for one refreshing every {@code interval}. The CI runs scale the
     * fleet down by shortening its interval at the same quota, rather than the quota at the same interval: the
     * endpoint's token bucket holds one second of calls, and 2 tokens (a 2 calls/s quota) would throttle any two
     * 2-call cycles that meet in one second, a burstiness SSM's 40 calls/s does not have.
     */
    private static Duration scaled(Duration d, Duration interval) {
        return d.multipliedBy(interval.toMillis()).dividedBy(FIVE_MINUTES.toMillis());
    }

    /** One fleet on one virtual clock; engines built the same way as the sidecar builds its own. */
    private static final class Fleet implements AutoCloseable {
        private final ManualClock clock = new ManualClock();
        private final ManualScheduler scheduler = new ManualScheduler(clock);
        /** Every call of the run is kept (local-ssm keeps the last 100,000 by default: 10,000 engines make more). */
        private final LocalWire wire = LocalWire.start(LocalSsm.Options.defaults().withClock(clock)
                .withCallLogLimit(CALL_LOG), Metrics.noop());
        private final Instant t0;
        private final int apps;
        private final int keys;
        private final SplittableRandom seeds;
        private final List<Slot> slots = new ArrayList<>();
        private Instant allLoadedAt;
        private double worstStalenessRatio;
        private Duration worstStaleness = Duration.ZERO;
        private Duration worstStalenessAt = Duration.ZERO;
        private Duration slowestReplacement = Duration.ZERO;
        /** The engine holding the worst value, and that value's key and last success. */
        private Slot worstSlot;
        private String worstKey;
        private Instant worstLastSuccess;

        /** A running engine, its interval, when it started and loaded, and the interval it reports as a metric. */
        private static final class Slot {
            int index;
            RefreshEngine engine;
            Duration interval;
            Instant startedAt;
            Instant loadedAt;
            boolean replacement;
            Supplier<Duration> effectiveInterval = () -> Duration.ZERO;
            Supplier<Duration> backoff = () -> Duration.ZERO;
            /** The interval and backoff the controller reported, each time one changed: {s after start, ms, ms}. */
            final List<long[]> controller = new ArrayList<>();
            long lastInterval = -1;
            long lastBackoff = -1;
            /** Each task of this slot: {started, loaded (null until it is)}. */
            final List<Instant[]> loads = new ArrayList<>();
        }

        Fleet(int quota, int apps, int keys, SplittableRandom seeds) {
            this.apps = apps;
            this.keys = keys;
            this.seeds = seeds;
            for (int a = 0; a < apps; a++) {
                for (int k = 0; k < keys; k++) {
                    wire.ssm.put("/fleet/app" + a + "/k" + k, Values.make("K" + k, 1, 32, seeds), "SecureString");
                }
            }
            wire.ssm.faults().throttleAbove(quota);
            t0 = clock.instant();
        }

        void add(Duration interval, int index) {
            Slot slot = new Slot();
            slot.interval = interval;
            slot.index = index;
            slots.add(slot);
            start(slot, index);
        }

        /** Stops engine {@code index} and starts a new one in its place (a new task of the same service). */
        void replace(int index) {
            Slot slot = slots.get(index);
            slot.engine.close();
            slot.loadedAt = null;
            slot.replacement = true;
            start(slot, index);
        }

        private void start(Slot slot, int index) {
            List<Reference> refs = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                refs.add(ref("K" + k, "ssm:///fleet/app" + (index % apps) + "/k" + k));
            }
            Metrics metrics = new Metrics() {
                @Override
                public void refreshInterval(Supplier<Duration> interval) {
                    slot.effectiveInterval = interval;
                }

                @Override
                public void throttleBackoff(Supplier<Duration> backoff) {
                    slot.backoff = backoff;
                }
            };
            slot.engine = new RefreshEngine(refs, new Resolver(wire.source, clock), new SnapshotStore(clock), scheduler,
                    clock, seeds.split(), RefreshEngine.Options.of(slot.interval, Optional.empty()),
                    (snapshot, changed, complete) -> true, metrics);
            slot.startedAt = clock.instant();
            slot.loads.add(new Instant[] {slot.startedAt, null});
            slot.lastInterval = -1;
            slot.lastBackoff = -1;
            slot.controller.clear();
            slot.engine.start();
        }

        /** Advances the virtual clock second by second to {@code t0 + at}, watching loads and staleness. */
        void runUntil(Duration at) {
            Instant end = t0.plus(at);
            while (clock.instant().isBefore(end)) {
                scheduler.advance(Duration.ofSeconds(1));
                Instant now = clock.instant();
                int loaded = 0;
                long sinceStart = Duration.between(t0, now).toSeconds();
                for (Slot slot : slots) {
                    long iv = slot.effectiveInterval.get().toMillis();
                    long bo = slot.backoff.get().toMillis();
                    if (iv != slot.lastInterval || bo != slot.lastBackoff) {
                        slot.controller.add(new long[] {sinceStart, iv, bo});
                        slot.lastInterval = iv;
                        slot.lastBackoff = bo;
                    }
                    if (slot.loadedAt == null && slot.engine.readiness().ready()) {
                        slot.loadedAt = now;
                        slot.loads.get(slot.loads.size() - 1)[1] = now;
                        if (slot.replacement) {
                            Duration took = Duration.between(slot.startedAt, now);
                            slowestReplacement = took.compareTo(slowestReplacement) > 0 ? took : slowestReplacement;
                        }
                    }
                    loaded += slot.loadedAt != null ? 1 : 0;
                    if (allLoadedAt == null) {
                        continue;
                    }
                    for (KeyStatus s : slot.engine.status().values()) {
                        if (s.lastSuccess() != null) {
                            Duration age = Duration.between(s.lastSuccess(), now);
                            if (age.compareTo(worstStaleness) > 0) {
                                worstStaleness = age;
                                worstStalenessAt = Duration.between(t0, now);
                                worstSlot = slot;
                                worstKey = s.key();
                                worstLastSuccess = s.lastSuccess();
                            }
                            worstStalenessRatio = Math.max(worstStalenessRatio,
                                    (double) age.toMillis() / slot.interval.toMillis());
                        }
                    }
                }
                if (allLoadedAt == null && loaded == slots.size()) {
                    allLoadedAt = now;
                }
            }
        }

        Duration slowestReplacement() {
            return slowestReplacement;
        }

        /** The figures of the run; steady state starts {@code settle} after every engine loaded (at least 5 min in). */
        Result result(Duration settle) {
            return new Result(this, settle, Duration.ZERO);
        }

        /** As {@link #result(Duration)}, with steady state starting no earlier than {@code notBefore} after start. */
        Result result(Duration settle, Duration notBefore) {
            return new Result(this, settle, notBefore);
        }

        @Override
        public void close() {
            slots.forEach(s -> s.engine.close());
            wire.close();
        }
    }

    /** What a run measured, from the endpoint's call log and the engines. */
    private static final class Result {
        final Instant t0;
        final Instant end;
        final Instant allLoadedAt;
        final List<Call> calls;
        final long throttled;
        final List<Call> startup;
        final List<Call> steady;
        final Instant steadyFrom;
        final long steadyThrottled;
        final double steadySeconds;
        final double steadyMean;
        final int steadyPeak;
        final double worstStalenessRatio;
        final Duration worstStaleness;
        final Duration worstStalenessAt;
        final double meanStretch;
        final double maxStretch;
        final Duration interval;
        final Fleet.Slot worstSlotOf;
        final Fleet.Slot lastLoaded;
        final String worstKey;
        final Instant worstLastSuccess;
        final List<Fleet.Slot> slots;
        /**
         * Throttled calls by what their engine was doing: its first, second or a later load pass (a pass: the calls one
         * task made in one instant while loading), or refreshing once loaded; null where engines share parameters.
         * Where the 10% target goes (RELIABILITY.md, "Fleet").
         */
        final long[] throttledByPass;

        Result(Fleet fleet, Duration settle, Duration notBefore) {
            interval = settle;
            t0 = fleet.t0;
            end = fleet.clock.instant();
            allLoadedAt = fleet.allLoadedAt;
            calls = fleet.wire.ssm.calls();
            assertThat(calls.size()).as("every call of the run logged").isLessThan(CALL_LOG);
            throttled = calls.stream().filter(Call::throttled).count();
            Instant loaded = allLoadedAt == null ? end : allLoadedAt;
            startup = calls.stream().filter(c -> !c.at().isAfter(loaded)).toList();
            Instant from = loaded.plus(settle);
            Instant floor = t0.plus(FIVE_MINUTES.compareTo(notBefore) > 0 ? FIVE_MINUTES : notBefore);
            steadyFrom = from.isBefore(floor) ? floor : from;
            steady = calls.stream().filter(c -> !c.at().isBefore(steadyFrom)).toList();
            steadyThrottled = steady.stream().filter(Call::throttled).count();
            steadySeconds = Math.max(1, Duration.between(steadyFrom, end).toMillis() / 1000.0);
            steadyMean = steady.size() / steadySeconds;
            TreeMap<Long, Integer> perSecond = new TreeMap<>();
            steady.forEach(c -> perSecond.merge(c.at().getEpochSecond(), 1, Integer::sum));
            steadyPeak = perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);
            worstStalenessRatio = fleet.worstStalenessRatio;
            worstStaleness = fleet.worstStaleness;
            worstStalenessAt = fleet.worstStalenessAt;
            worstSlotOf = fleet.worstSlot;
            // Engines sharing parameters (the undersubscribed fleet's 10 apps) cannot be told apart by their calls.
            slots = fleet.apps >= fleet.slots.size() ? fleet.slots : List.of();
            lastLoaded = fleet.slots.stream().filter(x -> x.loadedAt != null)
                    .max(java.util.Comparator.comparing((Fleet.Slot x) -> x.loadedAt)).orElse(null);
            worstKey = fleet.worstKey;
            worstLastSuccess = fleet.worstLastSuccess;
            throttledByPass = slots.isEmpty() ? null : countThrottledByPass();
            double sum = 0;
            double max = 0;
            for (Fleet.Slot slot : fleet.slots) {
                double stretch = (double) slot.effectiveInterval.get().toMillis() / slot.interval.toMillis();
                sum += stretch;
                max = Math.max(max, stretch);
            }
            meanStretch = sum / fleet.slots.size();
            maxStretch = max;
        }

        double allLoadedSeconds() {
            return Duration.between(t0, allLoadedAt).toMillis() / 1000.0;
        }

        void record(String s, String fleet, Duration horizon) {
            Figures.record(s, "fleet", fleet);
            Figures.record(s, "virtual time simulated", horizon.toMinutes() + " min");
            Figures.record(s, "all loaded (s)", allLoadedAt == null ? "never" : String.format("%.0f", allLoadedSeconds()));
            Figures.record(s, "calls", calls.size());
            Figures.record(s, "throttled", throttled);
            Figures.record(s, "throttled share of all calls", String.format("%.1f %%", 100.0 * throttled / calls.size()));
            Figures.record(s, "start-up calls / throttled",
                    startup.size() + " / " + startup.stream().filter(Call::throttled).count());
            Figures.record(s, "steady state window", String.format("%.0f s from %s s after start", steadySeconds,
                    Duration.between(t0, steadyFrom).toSeconds()));
            if (throttledByPass != null) {
                Figures.record(s, "throttled, by the engine's pass (load 1 / load 2 / load 3+ / refresh)",
                        LongStream.of(throttledByPass).mapToObj(Long::toString).collect(Collectors.joining(" / ")));
            }
            Figures.record(s, "steady-state calls / throttled", steady.size() + " / " + steadyThrottled);
            Figures.record(s, "steady mean calls/s", String.format("%.2f", steadyMean));
            Figures.record(s, "steady peak calls/s", steadyPeak);
            Figures.record(s, "effective interval at the end (x configured, mean / max)",
                    String.format("%.2f / %.2f", meanStretch, maxStretch));
            Figures.record(s, "worst staleness (s)", worstStaleness.toSeconds());
            Figures.record(s, "worst staleness seen at (s after start)", worstStalenessAt.toSeconds());
            Figures.record(s, "worst staleness (x interval)", String.format("%.2f", worstStalenessRatio));
            series(s);
            worst(s);
            if (Boolean.getBoolean("reliability.fleet.dump") && !slots.isEmpty()) {
                dump(s);
            }
        }

        private void worst(String s) {
            if (worstSlotOf != null) {
                trace(s + "-worst", worstSlotOf, "worst value: key " + worstKey + ", last success "
                        + since(worstLastSuccess) + " s, seen " + worstStaleness.toSeconds() + " s old at "
                        + worstStalenessAt.toSeconds() + " s (" + String.format("%.2f", worstStalenessRatio)
                        + " x interval)");
            }
            if (lastLoaded != null) {
                trace(s + "-last-loaded", lastLoaded, "the last engine to load");
            }
        }

        /**
         * The story of the worst value, in {@code target/reliability/<scenario>-worst.txt}: which engine held it, when
         * that engine started and loaded, every call it made (time, names, throttled or not) and the interval and
         * throttle backoff its controller reported each time they changed. Only for the engine of the run's worst
         * value: enough to tell a controller's retries from a load that came in parts.
         */
        private void trace(String file, Fleet.Slot slot, String what) {
            StringBuilder out = new StringBuilder();
            out.append("engine: ").append(slot.index).append(slot.replacement ? " (a replacement)" : "").append('\n');
            out.append("configured interval (s): ").append(slot.interval.toSeconds()).append('\n');
            out.append("started (s after start): ").append(since(slot.startedAt)).append('\n');
            out.append("loaded (s after start, as the harness saw readiness): ")
                    .append(slot.loadedAt == null ? "never" : since(slot.loadedAt)).append('\n');
            out.append("all engines loaded (s after start): ").append(allLoadedAt == null ? "never" : since(allLoadedAt))
                    .append('\n');
            out.append(what).append('\n');
            out.append("\n# calls of this engine's parameters: s after start, status, names (first .. last)\n");
            String prefix = "/fleet/app" + slot.index + "/";
            for (Call c : calls) {
                if (c.names().isEmpty() || !c.names().get(0).startsWith(prefix)) {
                    continue;
                }
                out.append(String.format("%.3f", Duration.between(t0, c.at()).toMillis() / 1000.0)).append('\t')
                        .append(c.throttled() ? "THROTTLED" : c.succeeded() ? "ok" : c.errorCode()).append('\t')
                        .append(c.names().get(0)).append(" .. ").append(c.names().get(c.names().size() - 1))
                        .append(" (").append(c.names().size()).append(")\n");
            }
            out.append("\n# controller: s after start, effective interval (s), throttle backoff (s)\n");
            for (long[] e : slot.controller) {
                out.append(e[0]).append('\t').append(e[1] / 1000.0).append('\t').append(e[2] / 1000.0).append('\n');
            }
            write(file + ".txt", out);
        }

        /**
         * Every call (ms after start, engine, throttled, how many names, the first name's last part), every task's
         * start and load and every controller change, in {@code target/reliability/<scenario>-dump.txt} with
         * {@code -Dreliability.fleet.dump=true}, for offline analysis: {@code C ms engine throttled names first},
         * {@code L engine startedMs loadedMs (-1: never)}, {@code I engine s intervalMs backoffMs}.
         */
        private void dump(String s) {
            StringBuilder out = new StringBuilder();
            for (Call c : calls) {
                if (c.names().isEmpty()) {
                    continue;
                }
                String name = c.names().get(0);
                out.append("C ").append(Duration.between(t0, c.at()).toMillis()).append(' ').append(slotOf(c).index)
                        .append(' ').append(c.throttled() ? 1 : 0).append(' ').append(c.names().size()).append(' ')
                        .append(name.substring(name.lastIndexOf('/') + 1)).append('\n');
            }
            for (Fleet.Slot slot : slots) {
                for (Instant[] load : slot.loads) {
                    out.append("L ").append(slot.index).append(' ').append(Duration.between(t0, load[0]).toMillis())
                            .append(' ').append(load[1] == null ? -1 : Duration.between(t0, load[1]).toMillis())
                            .append('\n');
                }
                for (long[] e : slot.controller) {
                    out.append("I ").append(slot.index).append(' ').append(e[0]).append(' ').append(e[1]).append(' ')
                            .append(e[2]).append('\n');
                }
            }
            write(s + "-dump.txt", out);
        }

        private long[] countThrottledByPass() {
            long[] by = new long[4];
            Map<Instant[], Instant> lastPass = new IdentityHashMap<>();
            Map<Instant[], Integer> passes = new IdentityHashMap<>();
            for (Call c : calls) {
                Instant[] load = c.names().isEmpty() ? null : loadOf(c);
                int phase = 3;
                if (load != null) {
                    if (!c.at().equals(lastPass.put(load, c.at()))) {
                        passes.merge(load, 1, Integer::sum);
                    }
                    phase = Math.min(passes.get(load), 3) - 1;
                }
                by[phase] += c.throttled() ? 1 : 0;
            }
            return by;
        }

        /** The load the call was part of (its engine still loading, before the harness saw it ready), or null. */
        private Instant[] loadOf(Call c) {
            for (Instant[] load : slotOf(c).loads) {
                if (!c.at().isBefore(load[0]) && (load[1] == null || c.at().isBefore(load[1]))) {
                    return load;
                }
            }
            return null;
        }

        /** The call was made by an engine still loading (before the harness saw it ready). */
        private boolean loading(Call c) {
            if (c.names().isEmpty() || slots.isEmpty()) {
                return false;
            }
            return loadOf(c) != null;
        }

        private static void write(String file, CharSequence out) {
            try {
                java.nio.file.Files.createDirectories(Figures.DIR);
                java.nio.file.Files.writeString(Figures.DIR.resolve(file), out);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** The slot whose parameters the call asked for (each engine's parameters live under /fleet/app{index}/). */
        private Fleet.Slot slotOf(Call c) {
            String name = c.names().get(0);
            int from = "/fleet/app".length();
            return slots.get(Integer.parseInt(name.substring(from, name.indexOf('/', from))));
        }

        private long since(Instant at) {
            return Duration.between(t0, at).toSeconds();
        }

        /** Calls / throttled per tenth of the configured interval, in {@code target/reliability/<scenario>-series.txt}. */
        private void series(String s) {
            long bucket = Math.max(1, interval.toSeconds() / 2);
            TreeMap<Long, long[]> byBucket = new TreeMap<>();
            for (Call c : calls) {
                long[] n = byBucket.computeIfAbsent(Duration.between(t0, c.at()).toSeconds() / bucket, k -> new long[4]);
                n[0]++;
                n[1] += c.throttled() ? 1 : 0;
                if (loading(c)) {
                    n[2]++;
                    n[3] += c.throttled() ? 1 : 0;
                }
            }
            StringBuilder out = new StringBuilder("# from (s)\tcalls\tthrottled\tloading calls\tloading throttled\n");
            byBucket.forEach((k, n) -> out.append(k * bucket).append('\t').append(n[0]).append('\t').append(n[1])
                    .append('\t').append(n[2]).append('\t').append(n[3]).append('\n'));
            write(s + "-series.txt", out);
        }
    }

    private static Reference ref(String key, String text) {
        try {
            return ReferenceParser.parse(key, text);
        } catch (ReferenceException e) {
            throw new AssertionError(e);
        }
    }
}
