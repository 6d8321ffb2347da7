package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
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
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A fleet of 1,000 sidecar refresh engines in one JVM, each with its own schedule and random generator, all on one
 * virtual timeline, started in the same instant against one local endpoint throttled at 40 calls/s (SSM's default
 * quota) through the real SDK. Intervals as users set them: 60% the default 5 min, 30% 1 min, 10% 15 min. Records
 * how long until every engine is loaded, the throttling during start-up and in steady state, the calls/s the
 * endpoint saw and the worst staleness; asserts that all load, steady state is not throttled, and no value gets older
 * than its interval allows.
 */
@ExtendWith(LeakWatch.class)
class FleetTest {
    private static final int ENGINES = 1000;
    private static final int APPS = 10;
    private static final int KEYS_PER_ENGINE = 5;
    private static final int QUOTA = 40;

    @Test
    void thousandEngines_startedTogether_allLoad_andSteadyStateStaysUnderTheQuota() throws Exception {
        Duration horizon = Figures.longRun() ? Duration.ofHours(2) : Duration.ofMinutes(15);
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        SplittableRandom seeds = new SplittableRandom(1000);
        try (LocalWire wire = LocalWire.start(clock)) {
            for (int a = 0; a < APPS; a++) {
                for (int k = 0; k < KEYS_PER_ENGINE; k++) {
                    wire.ssm.put("/fleet/app" + a + "/k" + k, Values.make("K" + k, 1, 32, seeds), "SecureString");
                }
            }
            wire.ssm.faults().throttleAbove(QUOTA);
            Instant t0 = clock.instant();
            List<RefreshEngine> engines = new ArrayList<>();
            List<Duration> intervals = new ArrayList<>();
            for (int e = 0; e < ENGINES; e++) {
                int pick = seeds.nextInt(10);
                Duration interval = pick < 6 ? Duration.ofMinutes(5) : pick < 9 ? Duration.ofMinutes(1) : Duration.ofMinutes(15);
                List<Reference> refs = new ArrayList<>();
                for (int k = 0; k < KEYS_PER_ENGINE; k++) {
                    refs.add(ref("K" + k, "ssm:///fleet/app" + (e % APPS) + "/k" + k));
                }
                RefreshEngine engine = new RefreshEngine(refs, new Resolver(wire.source, clock), new SnapshotStore(clock),
                        scheduler, clock, seeds.split(), RefreshEngine.Options.of(interval, Optional.empty()),
                        (snapshot, changed, complete) -> true, Metrics.noop());
                engines.add(engine);
                intervals.add(interval);
            }
            engines.forEach(RefreshEngine::start);

            Instant allLoadedAt = null;
            Duration worstStaleness = Duration.ZERO;
            double worstStalenessRatio = 0;
            while (clock.instant().isBefore(t0.plus(horizon))) {
                scheduler.advance(Duration.ofSeconds(1));
                int loaded = 0;
                for (int e = 0; e < ENGINES; e++) {
                    RefreshEngine engine = engines.get(e);
                    if (engine.readiness().ready()) {
                        loaded++;
                    }
                    for (KeyStatus s : engine.status().values()) {
                        if (s.lastSuccess() != null && allLoadedAt != null) {
                            Duration age = Duration.between(s.lastSuccess(), clock.instant());
                            worstStaleness = age.compareTo(worstStaleness) > 0 ? age : worstStaleness;
                            worstStalenessRatio = Math.max(worstStalenessRatio,
                                    (double) age.toMillis() / intervals.get(e).toMillis());
                        }
                    }
                }
                if (allLoadedAt == null && loaded == ENGINES) {
                    allLoadedAt = clock.instant();
                }
            }
            engines.forEach(RefreshEngine::close);

            List<Call> calls = wire.ssm.calls();
            assertThat(allLoadedAt).as("every engine loaded within %s", horizon).isNotNull();
            Instant steadyFrom = allLoadedAt.plus(Duration.ofMinutes(5)).isAfter(t0.plus(Duration.ofMinutes(5)))
                    ? allLoadedAt.plus(Duration.ofMinutes(5)) : t0.plus(Duration.ofMinutes(5));
            Instant startEnd = allLoadedAt;
            List<Call> startup = calls.stream().filter(c -> !c.at().isAfter(startEnd)).toList();
            List<Call> steady = calls.stream().filter(c -> !c.at().isBefore(steadyFrom)).toList();
            long steadyThrottled = steady.stream().filter(Call::throttled).count();
            double steadySeconds = Duration.between(steadyFrom, clock.instant()).toMillis() / 1000.0;
            TreeMap<Long, Integer> perSecond = new TreeMap<>();
            steady.forEach(c -> perSecond.merge(c.at().getEpochSecond(), 1, Integer::sum));
            int peak = perSecond.values().stream().mapToInt(Integer::intValue).max().orElse(0);

            assertThat(calls.size()).as("the call log kept every call").isLessThan(100_000);
            assertThat(steadyThrottled).as("throttled calls in steady state").isLessThanOrEqualTo(steady.size() / 100);
            assertThat(peak).as("peak calls in one second of steady state").isLessThanOrEqualTo(QUOTA);
            // Transient failures retry well inside an interval: nothing ages past twice its interval plus the jitter.
            assertThat(worstStalenessRatio).isLessThan(2.5);
            String s = "fleet";
            Figures.record(s, "engines / intervals", ENGINES + " engines, 60% 5m, 30% 1m, 10% 15m, "
                    + KEYS_PER_ENGINE + " keys each (1 GetParameters per cycle), started in one instant");
            Figures.record(s, "virtual time simulated", horizon.toMinutes() + " min");
            Figures.record(s, "time until all loaded (virtual)", Duration.between(t0, allLoadedAt).toMillis() / 1000.0 + " s");
            Figures.record(s, "start-up calls / throttled",
                    startup.size() + " / " + startup.stream().filter(Call::throttled).count());
            Figures.record(s, "names per GetParameters call during start-up (mean)", String.format("%.2f",
                    startup.stream().mapToInt(c -> c.names().size()).average().orElse(0)));
            Figures.record(s, "steady state window", String.format("%.0f s from %s after start", steadySeconds,
                    Duration.between(t0, steadyFrom).toSeconds() + " s"));
            Figures.record(s, "steady-state calls / throttled", steady.size() + " / " + steadyThrottled);
            Figures.record(s, "steady-state calls/s (mean / peak second)", String.format("%.2f / %d",
                    steady.size() / steadySeconds, peak));
            Figures.record(s, "worst staleness after all loaded", worstStaleness.toSeconds() + " s ("
                    + String.format("%.2f", worstStalenessRatio) + " x its interval)");
            Figures.record(s, "total SSM calls", calls.size());
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
