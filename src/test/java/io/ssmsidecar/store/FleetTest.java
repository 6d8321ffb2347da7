package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A fleet of 200 sidecars' refresh engines started at the same instant against one endpoint throttled at SSM's
 * default 40 calls/s: they converge without a retry storm and then spread their refreshes over the interval.
 * Virtual time (one {@link ManualClock} for the engines and the endpoint's token bucket), real SDK calls over
 * loopback HTTP with one attempt each, so every retry is the engine's and happens on the virtual clock.
 *
 * <p>Not a copy of {@code reliability/FleetTest}, though both drive a fleet the same way: that one runs 1,000 engines
 * with mixed intervals for the figures in RELIABILITY.md; this one, small enough for every build, holds the engine's
 * own convergence bounds (no retry storm, throttling over within the first minute, refreshes spread over the
 * interval, staleness within the jittered interval) beside the engine it tests.
 */
class FleetTest {
    private static final int ENGINES = 200;
    private static final int QUOTA = 40;
    private static final Duration INTERVAL = Duration.ofMinutes(5);
    private static final Duration STEADY_FROM = Duration.ofMinutes(10);
    private static final Duration STEADY_FOR = Duration.ofMinutes(30);

    @Test
    void twoHundredEngines_startedTogether_underA40PerSecondQuota_convergeWithoutARetryStorm() {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        try (LocalWire wire = LocalWire.start(clock)) {
            wire.ssm.put("/fleet/db/password", "db", "SecureString");
            wire.ssm.put("/fleet/api/key", "api", "SecureString");
            wire.ssm.faults().throttleAbove(QUOTA);
            List<Reference> refs = List.of(ref("DB", "ssm:///fleet/db/password"), ref("API", "ssm:///fleet/api/key"));
            Instant t0 = clock.instant();
            Instant[] loadedAt = new Instant[ENGINES];
            List<RefreshEngine> engines = new ArrayList<>();
            for (int i = 0; i < ENGINES; i++) {
                int index = i;
                engines.add(new RefreshEngine(refs, new Resolver(wire.source, clock), new SnapshotStore(clock), scheduler,
                        clock, new SplittableRandom(1_000 + i), RefreshEngine.Options.of(INTERVAL, Optional.empty()),
                        (snapshot, changed, complete) -> {
                            if (loadedAt[index] == null && snapshot.size() == refs.size()) {
                                loadedAt[index] = clock.instant();
                            }
                            return true;
                        }, Metrics.noop()));
            }
            long wallStart = System.nanoTime();

            engines.forEach(RefreshEngine::start);
            Instant steadyFrom = t0.plus(STEADY_FROM);
            Instant end = steadyFrom.plus(STEADY_FOR);
            Duration worstStaleness = Duration.ZERO;
            Duration worstSteadyStaleness = Duration.ZERO;
            while (clock.instant().isBefore(end)) {
                scheduler.advance(Duration.ofSeconds(1));
                Duration worstNow = worstStaleness(engines, clock.instant());
                worstStaleness = max(worstStaleness, worstNow);
                if (!clock.instant().isBefore(steadyFrom)) {
                    worstSteadyStaleness = max(worstSteadyStaleness, worstNow);
                }
            }
            long wallMs = (System.nanoTime() - wallStart) / 1_000_000;

            List<Call> calls = wire.ssm.calls();
            Instant allLoaded = Arrays.stream(loadedAt).filter(Objects::nonNull).max(Instant::compareTo).orElse(null);
            long throttled = calls.stream().filter(Call::throttled).count();
            long callsToLoad = calls.stream().filter(c -> !c.at().isAfter(allLoaded == null ? end : allLoaded)).count();
            List<Call> steady = calls.stream().filter(c -> !c.at().isBefore(steadyFrom) && c.at().isBefore(end)).toList();
            double steadyRate = steady.size() / (double) STEADY_FOR.toSeconds();
            long steadyPeak = peakPerSecond(steady);
            long steadyThrottled = steady.stream().filter(Call::throttled).count();
            long lateThrottled = calls.stream().filter(c -> c.throttled() && c.at().isAfter(t0.plusSeconds(60))).count();
            System.out.printf("fleet: %d engines, quota %d calls/s, interval %s: %d calls throttled (%d calls until all"
                            + " loaded); all loaded after %s; calls in each of the first 6 s %s; steady state %.2f calls/s"
                            + " (peak %d in one second, %d throttled) over %s; worst staleness %s (steady state %s);"
                            + " wall %d ms%n",
                    ENGINES, QUOTA, INTERVAL, throttled, callsToLoad,
                    allLoaded == null ? "never" : Duration.between(t0, allLoaded), firstSeconds(calls, t0, 6), steadyRate,
                    steadyPeak, steadyThrottled, STEADY_FOR, worstStaleness, worstSteadyStaleness, wallMs);

            assertThat(loadedAt).as("every engine loaded").doesNotContainNull();
            assertThat(Duration.between(t0, allLoaded)).as("time until all loaded").isLessThan(Duration.ofMinutes(3));
            assertThat(throttled).as("no retry storm: throttled calls per engine stay few").isLessThan(3L * ENGINES);
            assertThat(lateThrottled).as("throttling is over within the first minute").isZero();
            assertThat(steadyRate).as("steady state well under the quota").isLessThan(QUOTA / 10.0);
            assertThat(steadyThrottled).isZero();
            assertThat(steadyPeak).as("refreshes spread over the interval").isLessThan(QUOTA / 4);
            assertThat(worstSteadyStaleness).as("no engine stuck: every value refreshed within a jittered interval")
                    .isLessThanOrEqualTo(INTERVAL.plus(INTERVAL.dividedBy(10)).plusSeconds(1));
            assertThat(worstStaleness).as("including the first, splayed cycle")
                    .isLessThanOrEqualTo(INTERVAL.multipliedBy(3).dividedBy(2).plusSeconds(5));
            assertThat(engines).allSatisfy(e -> assertThat(e.readiness().ready()).isTrue());
        }
    }

    /** The oldest successful refresh of any loaded value, as an age at {@code now}. */
    private static Duration worstStaleness(List<RefreshEngine> engines, Instant now) {
        Duration worst = Duration.ZERO;
        for (RefreshEngine e : engines) {
            for (KeyStatus s : e.status().values()) {
                if (s.lastSuccess() != null) {
                    worst = max(worst, Duration.between(s.lastSuccess(), now));
                }
            }
        }
        return worst;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** Calls (ok/throttled) in each of the first {@code seconds} seconds after {@code t0}. */
    private static String firstSeconds(List<Call> calls, Instant t0, int seconds) {
        List<String> out = new ArrayList<>();
        for (int s = 0; s < seconds; s++) {
            Instant from = t0.plusSeconds(s);
            Instant to = from.plusSeconds(1);
            List<Call> in = calls.stream().filter(c -> !c.at().isBefore(from) && c.at().isBefore(to)).toList();
            long throttled = in.stream().filter(Call::throttled).count();
            out.add((in.size() - throttled) + "/" + throttled);
        }
        return out + " (ok/throttled)";
    }

    private static long peakPerSecond(List<Call> calls) {
        Map<Long, Long> perSecond = new TreeMap<>();
        calls.forEach(c -> perSecond.merge(c.at().getEpochSecond(), 1L, Long::sum));
        return perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
