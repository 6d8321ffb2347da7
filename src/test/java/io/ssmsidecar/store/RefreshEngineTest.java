package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The refresh engine on virtual time against the real SDK and local endpoint: no sleeps anywhere. */
class RefreshEngineTest {
    private static final Duration INTERVAL = Duration.ofMinutes(5);
    /** The effective interval at the default bound: 2.5 intervals, jitter included. */
    private static final Duration STRETCHED = Duration.ofMillis(Math.round(INTERVAL.toMillis() * 2.5 / 1.1));

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<Set<String>> changes = new ArrayList<>();
    /** What each listener call was told about "every required secret loaded", in order. */
    private final List<Boolean> completes = new ArrayList<>();
    private final List<Long> changeNumbers = new ArrayList<>();
    private LocalWire wire;
    private SnapshotStore store;
    private RefreshEngine engine;
    private boolean listenerSucceeds = true;
    private final Gauges metrics = new Gauges();

    /** The duration gauges the engine registers, read as a scrape would. */
    private static final class Gauges implements io.ssmsidecar.metrics.Metrics {
        java.util.function.Supplier<Duration> interval;
        java.util.function.Supplier<Duration> backoff;

        @Override
        public void refreshInterval(java.util.function.Supplier<Duration> supplier) {
            interval = supplier;
        }

        @Override
        public void throttleBackoff(java.util.function.Supplier<Duration> supplier) {
            backoff = supplier;
        }
    }

    @BeforeEach
    void start() {
        wire = LocalWire.start(clock);
        store = new SnapshotStore(clock);
        wire.ssm.put("/app/db", "db-v1", "SecureString");
        wire.ssm.put("/app/api", "api-v1", "SecureString");
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        wire.close();
    }

    private RefreshEngine engine(Optional<Duration> maxStaleness, Reference... refs) {
        engine = new RefreshEngine(List.of(refs), new Resolver(wire.source, clock), store, scheduler, clock,
                new SplittableRandom(1), RefreshEngine.Options.of(INTERVAL, maxStaleness),
                (snapshot, changed, complete) -> {
                    changes.add(changed);
                    completes.add(complete);
                    changeNumbers.add(snapshot.change());
                    return listenerSucceeds;
                }, metrics);
        engine.start();
        scheduler.runDue();
        return engine;
    }

    private RefreshEngine started() {
        return engine(Optional.empty(), ref("DB", "ssm:///app/db"), ref("API", "ssm:///app/api"));
    }

    private String value(String key) {
        return store.current().get(key).orElseThrow().value().reveal();
    }

    @Test
    void start_loadsEverything_andIsReady() {
        started();

        assertThat(value("DB")).isEqualTo("db-v1");
        assertThat(value("API")).isEqualTo("api-v1");
        assertThat(changes).containsExactly(Set.of("DB", "API"));
        assertThat(engine.readiness().ready()).isTrue();
    }

    @Test
    void firstRefresh_isSplayedWithinHalfToOneAndAHalfIntervals() {
        Instant t0 = clock.instant();
        started();

        Instant next = scheduler.nextDue();
        assertThat(Duration.between(t0, next)).isBetween(INTERVAL.dividedBy(2), INTERVAL.multipliedBy(3).dividedBy(2));
    }

    @Test
    void rotation_reachesTheStore_withinOneInterval_andTellsTheListenerOnce() {
        started();
        wire.ssm.put("/app/db", "db-v2", "SecureString");

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(value("DB")).isEqualTo("db-v2");
        assertThat(changes).containsExactly(Set.of("DB", "API"), Set.of("DB"));
    }

    /** The number a change notification carries ("generation") counts changes, not refreshes or retries. */
    @Test
    void changeNumbers_seenByTheListener_areConsecutive_acrossUnchangedRefreshesAndRetries() {
        started();
        scheduler.advance(INTERVAL.multipliedBy(4)); // unchanged refreshes
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));
        wire.ssm.faults().errorRate(1.0, "InternalServerError");
        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2)); // a failed refresh, retried with backoff
        wire.ssm.faults().clear();
        wire.ssm.put("/app/api", "api-v2", "SecureString");
        scheduler.advance(INTERVAL.multipliedBy(3));
        wire.ssm.put("/app/db", "db-v3", "SecureString");
        wire.ssm.put("/app/api", "api-v3", "SecureString");
        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(value("DB")).isEqualTo("db-v3");
        assertThat(changes).hasSize(4);
        assertThat(changeNumbers).containsExactly(1L, 2L, 3L, 4L);
        assertThat(store.current().change()).isEqualTo(4);
        assertThat(store.current().generation()).as("every refresh and retry swaps a snapshot").isGreaterThan(8);
    }

    @Test
    void unchangedValues_causeNoListenerCall_overManyCycles() {
        started();
        int callsBefore = (int) wire.ssm.counters().total();

        scheduler.advance(INTERVAL.multipliedBy(20));

        assertThat(changes).hasSize(1);
        long cycles = wire.ssm.counters().total() - callsBefore;
        assertThat(cycles).as("one GetParameters per cycle for two names").isBetween(15L, 25L);
        assertThat(store.current().get("DB").orElseThrow().fetchedAt()).isAfter(clock.instant().minus(INTERVAL.multipliedBy(2)));
    }

    @Test
    void transientFailure_keepsLastGoodValue_marksStale_andRecoversWithBackoff() {
        started();
        wire.ssm.faults().errorRate(1.0, "InternalServerError");

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(value("DB")).isEqualTo("db-v1");
        assertThat(engine.status().get("DB").stale()).isTrue();
        assertThat(engine.status().get("DB").lastErrorCode()).isEqualTo("InternalServerError");
        assertThat(engine.readiness().ready()).as("stale but no max staleness set").isTrue();

        wire.ssm.faults().clear();
        assertRecoversWithTheNextRotation();
    }

    /** A value rotated meanwhile arrives within the backoff ceiling, and the key is no longer stale. */
    private void assertRecoversWithTheNextRotation() {
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        scheduler.advance(Duration.ofMinutes(6));

        assertThat(value("DB")).isEqualTo("db-v2");
        assertThat(engine.status().get("DB").stale()).isFalse();
    }

    @Test
    void transientFailures_areRetriedWithGrowingDelays() {
        started();
        wire.ssm.faults().errorRate(1.0, "InternalServerError");
        wire.ssm.clearCalls();

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2).plus(Duration.ofMinutes(4)));

        List<Instant> at = wire.ssm.calls("GetParameters").stream().map(Call::at).toList();
        assertThat(at).hasSizeGreaterThan(4);
        Duration firstGap = Duration.between(at.get(0), at.get(1));
        Duration laterGap = Duration.between(at.get(at.size() - 2), at.get(at.size() - 1));
        assertThat(firstGap).isLessThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(laterGap).isGreaterThan(firstGap.multipliedBy(4));
    }

    @Test
    void throttling_stretchesTheInterval_retriesBeforeTheDeadline_andShrinksBackOnCleanCycles() {
        started();
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
        wire.ssm.clearCalls();
        engine.requestRefresh();

        String logged;
        try (CapturedLog log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO)) {
            scheduler.advance(Duration.ofHours(1));
            logged = log.text();
        }
        assertThat(logged.lines().filter(l -> l.contains(" WARN ")).toList()).as("one line per key and state change,"
                + " not one per retry").hasSize(2).allSatisfy(l -> assertThat(l).contains("ThrottlingException"));

        // Each throttled cycle doubles the interval, up to the default bound: 2.5 times the configured one with the
        // ±10% jitter of a stretched interval included, so 2.5 / 1.1 without it.
        assertThat(metrics.interval.get()).isEqualTo(STRETCHED);
        assertThat(metrics.backoff.get()).isPositive();
        List<Instant> at = wire.ssm.calls("GetParameters").stream().map(Call::at).toList();
        assertThat(wire.ssm.calls()).allMatch(Call::throttled);
        for (int i = 1; i < at.size(); i++) {
            // A loaded engine's values are still served: it retries in the second quarter of the time left before
            // its oldest value is 2.9 intervals old, or past that, doubling up to half its stretched interval.
            assertThat(Duration.between(at.get(i - 1), at.get(i))).as("gap before call %d", i)
                    .isPositive().isLessThanOrEqualTo(INTERVAL.multipliedBy(29).dividedBy(20));
        }
        assertThat(at).as("an hour of throttling costs a handful of calls, not one a second").hasSizeBetween(5, 40);

        wire.ssm.faults().clear();
        scheduler.advance(Duration.ofMinutes(20));
        assertThat(engine.status().get("DB").stale()).isFalse();
        assertThat(metrics.backoff.get()).isZero();
        // Clean cycles give back 1% of the configured rate each: gradually (about 7 hours from the bound), never
        // below the configured interval.
        scheduler.advance(Duration.ofHours(1));
        assertThat(metrics.interval.get()).isLessThan(STRETCHED)
                .isGreaterThan(INTERVAL);
        scheduler.advance(Duration.ofDays(2));
        assertThat(metrics.interval.get()).isEqualTo(INTERVAL);
    }

    @Test
    void throttledRefresh_retriesBeforeItsOldestValueIsThreeIntervalsOld() {
        // Ten loaded engines (ten random streams) whose every call SSM refuses for 2.6 intervals, then serves: the
        // doubling retries of a throttled refresh must not carry a value past its deadline (2.5 + 0.4 intervals).
        // Before the deadline they came up to half the stretched interval apart, and a value reached 4.2 intervals
        // in the 2,500-task fleet simulation.
        List<RefreshEngine> engines = new ArrayList<>();
        for (int seed = 0; seed < 10; seed++) {
            RefreshEngine e = new RefreshEngine(List.of(ref("DB", "ssm:///app/db")), new Resolver(wire.source, clock),
                    new SnapshotStore(clock), scheduler, clock, new SplittableRandom(seed),
                    RefreshEngine.Options.of(INTERVAL, Optional.empty()), (snapshot, changed, complete) -> true,
                    new io.ssmsidecar.metrics.Metrics() { });
            e.start();
            engines.add(e);
        }
        scheduler.runDue();
        Instant loaded = clock.instant();
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
        Duration worst = Duration.ZERO;
        Instant clearAt = loaded.plus(INTERVAL.multipliedBy(26).dividedBy(10));
        while (clock.instant().isBefore(loaded.plus(INTERVAL.multipliedBy(4)))) {
            if (!clock.instant().isBefore(clearAt)) {
                wire.ssm.faults().clear();
            }
            scheduler.advance(Duration.ofSeconds(1));
            for (RefreshEngine e : engines) {
                Duration age = Duration.between(e.status().get("DB").lastSuccess(), clock.instant());
                worst = age.compareTo(worst) > 0 ? age : worst;
            }
        }
        engines.forEach(RefreshEngine::close);
        assertThat(wire.ssm.calls().stream().filter(Call::throttled).count()).as("refused calls").isPositive();
        assertThat(worst).as("the oldest value any engine held")
                .isLessThanOrEqualTo(INTERVAL.multipliedBy(29).dividedBy(10).plusSeconds(1));
    }

    @Test
    void throttledStart_saysSoInReadiness_neverGivesUp_andLoadsAtTheConfiguredInterval() {
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
        engine(Optional.empty(), ref("DB", "ssm:///app/db"), ref("API", "ssm:///app/api"));

        assertThat(engine.readiness().ready()).isFalse();
        assertThat(engine.readiness().reason()).matches(".*ThrottlingException.*; throttled, retrying in [1-9][0-9]* s");
        scheduler.advance(Duration.ofHours(6));
        List<Instant> at = wire.ssm.calls("GetParameters").stream().map(Call::at).toList();
        assertThat(Duration.between(at.get(at.size() - 1), clock.instant())).as("still retrying after 6 hours")
                .isLessThanOrEqualTo(INTERVAL.multipliedBy(3).dividedBy(2));
        assertThat(engine.readiness().reason()).contains("throttled, retrying in");

        // The cycles that fell due while loading were refused too: SSM is short of quota beyond a start-up burst.
        assertThat(metrics.interval.get()).isEqualTo(STRETCHED);

        wire.ssm.faults().clear();
        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));
        assertThat(engine.readiness().ready()).isTrue();
        assertThat(value("DB")).isEqualTo("db-v1");
    }

    @Test
    void throttledFirstPass_alone_retriesWithin40s_andLeavesTheIntervalAlone() {
        wire.ssm.faults().failNext(1, "ThrottlingException");
        engine(Optional.empty(), ref("DB", "ssm:///app/db"), ref("API", "ssm:///app/api"));
        assertThat(engine.readiness().reason()).contains("throttled, retrying in");

        scheduler.advance(Duration.ofSeconds(40));

        assertThat(engine.readiness().ready()).isTrue();
        // Tasks started together collide on their first pass whatever their steady demand: no stretch for that.
        assertThat(metrics.interval.get()).isEqualTo(INTERVAL);
        assertThat(metrics.backoff.get()).isZero();
    }

    @Test
    void aLoadThrottledTwice_waitsForTheCrowd_startsAtTheBound_andHoldsItsFirstCycleLate() {
        // Twice refused: a crowd of tasks that needs about an interval to load, not a collision of a few seconds.
        wire.ssm.faults().failNext(2, "ThrottlingException");
        engine(Optional.empty(), ref("DB", "ssm:///app/db"), ref("API", "ssm:///app/api"));
        scheduler.advance(Duration.ofSeconds(40));
        assertThat(wire.ssm.calls()).as("the first pass and its retry within 40 s").hasSize(2).allMatch(Call::throttled);
        assertThat(engine.readiness().ready()).isFalse();

        // The next retry waits within 2 intervals, and no full cycle overtakes it (the interval, 5 min, is shorter).
        Instant loadedAt = null;
        for (int s = 0; s < INTERVAL.toSeconds() * 2 && loadedAt == null; s++) {
            scheduler.advance(Duration.ofSeconds(1));
            loadedAt = engine.readiness().ready() ? clock.instant() : null;
        }
        assertThat(loadedAt).as("loaded within 2 intervals of the second refusal").isNotNull();
        assertThat(wire.ssm.calls()).as("one more call: the retry, nothing before it").hasSize(3);

        // It runs at the bound and earns the rate back on clean cycles; its first cycle lands in the last quarter of
        // the stretched interval, while the rest of the crowd loads.
        assertThat(metrics.interval.get()).isEqualTo(STRETCHED);
        scheduler.advance(STRETCHED);
        assertThat(wire.ssm.calls()).as("the first cycle").hasSizeGreaterThanOrEqualTo(4);
        assertThat(wire.ssm.calls().get(3).at()).isAfter(loadedAt.plus(STRETCHED.multipliedBy(3).dividedBy(4)).minusMillis(1));
        assertThat(metrics.interval.get()).isLessThan(STRETCHED).isGreaterThan(INTERVAL);
    }

    @Test
    void aPartialLoadCompletedLate_countsItsFirstCycleFromTheValuesItHoldsNow_notFromTheFirstHalf() {
        // Eleven references: two GetParameters calls a pass. The first pass is refused; its retry gets the first ten
        // and is refused the eleventh (the last token taken by the first call), so the first ten load long before the
        // rest.
        List<Reference> refs = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            wire.ssm.put("/app/p" + (char) ('a' + i), "v" + i, "SecureString");
            refs.add(ref("P" + i, "ssm:///app/p" + (char) ('a' + i)));
        }
        wire.ssm.faults().failNext(1, "ThrottlingException").deny("/app/pk", "ThrottlingException");
        engine(Optional.empty(), refs.toArray(Reference[]::new));
        scheduler.advance(Duration.ofSeconds(40));
        assertThat(wire.ssm.calls()).extracting(Call::throttled).as("refused, then half loaded").containsExactly(true,
                false, true);
        // Then every call is refused for longer than the stretched interval, and the pass that finally loads the
        // eleventh fetches the first ten again (a full pass).
        wire.ssm.faults().deny("/app/p", "ThrottlingException");
        scheduler.advance(INTERVAL.multipliedBy(3));
        wire.ssm.faults().clear();
        Instant loadedAt = null;
        for (int s = 0; s < INTERVAL.toSeconds() && loadedAt == null; s++) {
            scheduler.advance(Duration.ofSeconds(1));
            loadedAt = engine.readiness().ready() ? clock.instant() : null;
        }
        assertThat(loadedAt).as("loaded once SSM lets it").isNotNull();
        Instant loaded = loadedAt;
        assertThat(wire.ssm.calls()).filteredOn(c -> !c.throttled() && !c.at().isBefore(loaded.minusSeconds(1)))
                .as("the pass that loaded it fetched all eleven").hasSize(2);
        int calls = wire.ssm.calls().size();

        // Its first cycle comes in the last quarter of the stretched interval, like any crowded start's: every value
        // it holds is a second old. It read the ten's age from the status the pass had not yet published (over three
        // intervals) and fetched all eleven again a millisecond later.
        scheduler.advance(STRETCHED.multipliedBy(3).dividedBy(4).minusSeconds(2));
        assertThat(wire.ssm.calls()).as("no call before the first cycle").hasSize(calls);
        scheduler.advance(STRETCHED.dividedBy(4).plusSeconds(2));
        assertThat(wire.ssm.calls()).as("the first cycle").hasSize(calls + 2);
    }

    @Test
    void aStretchedInterval_isJitteredWithinTheBound_soNoCycleWaitsLongerThanMaxStretchIntervals() {
        started();
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
        engine.requestRefresh();
        scheduler.advance(Duration.ofHours(2));
        wire.ssm.faults().clear();
        wire.ssm.clearCalls();
        // At the bound: every cycle comes within 2.5 intervals of the one before, jitter included.
        scheduler.advance(Duration.ofHours(6));
        List<Instant> at = wire.ssm.calls("GetParameters").stream().map(Call::at).toList();
        assertThat(at).hasSizeGreaterThan(20);
        for (int i = 1; i < at.size(); i++) {
            assertThat(Duration.between(at.get(i - 1), at.get(i))).as("gap before cycle %d", i)
                    .isLessThanOrEqualTo(INTERVAL.multipliedBy(5).dividedBy(2));
        }
    }

    @Test
    void aThrottledBatch_endsThePass_andTheWholeSetIsRetriedTogether() {
        Reference[] refs = new Reference[12];
        for (int i = 0; i < refs.length; i++) {
            wire.ssm.put("/many/p" + i, "v" + i, "String");
            refs[i] = ref("P" + i, "ssm:///many/p" + i);
        }
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
        engine(Optional.empty(), refs);

        scheduler.advance(Duration.ofMinutes(30));

        Map<Instant, List<Call>> byTime = new TreeMap<>();
        wire.ssm.calls().forEach(c -> byTime.computeIfAbsent(c.at(), t -> new ArrayList<>()).add(c));
        assertThat(byTime.size()).as("retry rounds").isGreaterThan(2);
        assertThat(byTime.values()).as("each round: the first batch of 10 is refused, the batch of 2 is not sent")
                .allSatisfy(round -> assertThat(round).extracting(c -> c.names().size()).containsExactly(10));

        wire.ssm.faults().clear();
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(store.current().secrets()).hasSize(12);
    }

    @Test
    void failedApply_keepsTheChangedKeys_untilTheListenerAcceptsThem() {
        started();
        listenerSucceeds = false;
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        engine.requestRefresh();
        scheduler.runDue();
        wire.ssm.put("/app/api", "api-v2", "SecureString");
        engine.requestRefresh();
        scheduler.runDue();
        assertThat(changes.get(changes.size() - 1)).containsExactly("API", "DB");

        listenerSucceeds = true;
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(changes.get(changes.size() - 1)).as("accepted with every key changed meanwhile").containsExactly("API", "DB");

        wire.ssm.put("/app/db", "db-v3", "SecureString");
        engine.requestRefresh();
        scheduler.runDue();
        assertThat(changes.get(changes.size() - 1)).as("accepted keys are not repeated").containsExactly("DB");
    }

    @Test
    void permanentFailure_keepsLastGoodValue_andReportsIt() {
        started();
        wire.ssm.delete("/app/db");

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(value("DB")).isEqualTo("db-v1");
        KeyStatus s = engine.status().get("DB");
        assertThat(s.stale()).isTrue();
        assertThat(s.lastErrorCode()).isEqualTo("ParameterNotFound");
        assertThat(value("API")).isEqualTo("api-v1");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"AccessDeniedException", "InvalidKeyId"})
    void revokedAccess_orAnUnusableKmsKey_keepsLastGoodValue_marksItStale_andRetriesAtTheCeiling(String code) {
        started();
        wire.ssm.faults().deny("/app/db", code);
        wire.ssm.clearCalls();

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(value("DB")).isEqualTo("db-v1");
        assertThat(value("API")).as("the other name of the refused batch still refreshes").isEqualTo("api-v1");
        assertThat(engine.status().get("DB").stale()).isTrue();
        assertThat(engine.status().get("DB").lastErrorCode()).isEqualTo(code);
        assertThat(engine.status().get("API").stale()).isFalse();
        assertThat(wire.ssm.calls()).as("a permanent error is not hammered").hasSizeLessThan(10);
    }

    @Test
    void connectionRefused_isTransient_keepsLastGoodValue_andRecovers() {
        started();
        wire.ssm.faults().refuseConnections();

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));
        assertThat(value("DB")).isEqualTo("db-v1");
        assertThat(engine.status().get("DB").stale()).isTrue();

        wire.ssm.faults().acceptConnections();
        assertRecoversWithTheNextRotation();
    }

    @Test
    void secretsManagerRotation_isDetectedByItsVersionId() {
        wire.ssm.putSecret("app/creds", "{\"password\":\"one\"}");
        engine(Optional.empty(), ref("PW", "ssm:///aws/reference/secretsmanager/app/creds#password"));
        String before = store.current().get("PW").orElseThrow().versionTag();

        wire.ssm.putSecret("app/creds", "{\"password\":\"two\"}");
        engine.requestRefresh();
        scheduler.runDue();

        assertThat(value("PW")).isEqualTo("two");
        assertThat(store.current().get("PW").orElseThrow().versionTag()).isNotEqualTo(before);
        assertThat(changes.get(changes.size() - 1)).containsExactly("PW");
    }

    @Test
    void maxStaleness_turnsReadinessOff_whenARequiredSecretCannotRefresh() {
        engine(Optional.of(Duration.ofMinutes(10)), ref("DB", "ssm:///app/db"));
        wire.ssm.faults().errorRate(1.0, "InternalServerError");

        scheduler.advance(Duration.ofMinutes(9));
        assertThat(engine.readiness().ready()).isTrue();

        scheduler.advance(Duration.ofMinutes(2));
        assertThat(engine.readiness().ready()).isFalse();
        assertThat(engine.readiness().reason()).contains("DB").contains("stale");

        wire.ssm.faults().clear();
        scheduler.advance(Duration.ofMinutes(6));
        assertThat(engine.readiness().ready()).isTrue();
    }

    @Test
    void requestRefresh_coalescesConcurrentTriggers_intoOneCycle() {
        started();
        wire.ssm.put("/app/api", "api-v2", "SecureString");
        long before = wire.ssm.counters().total();

        for (int i = 0; i < 5; i++) {
            engine.requestRefresh();
        }
        scheduler.runDue();

        assertThat(wire.ssm.counters().total() - before).isEqualTo(1);
        assertThat(value("API")).isEqualTo("api-v2");
    }

    @Test
    void startUnderOutage_staysNotReady_thenLoadsWhenSsmReturns() {
        wire.ssm.faults().errorRate(1.0, "InternalServerError");
        engine(Optional.empty(), ref("DB", "ssm:///app/db"));

        assertThat(engine.readiness().ready()).isFalse();
        assertThat(engine.readiness().reason()).contains("DB").contains("InternalServerError");
        assertThat(changes).as("a partial first load is still applied once").hasSize(1);

        wire.ssm.faults().clear();
        scheduler.advance(Duration.ofSeconds(2));

        assertThat(engine.readiness().ready()).isTrue();
        assertThat(value("DB")).isEqualTo("db-v1");
    }

    @Test
    void failedApply_isRetried_untilItSucceeds() {
        listenerSucceeds = false;
        started();
        assertThat(changes).hasSize(1);

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(changes).hasSizeGreaterThan(1);

        listenerSucceeds = true;
        scheduler.advance(Duration.ofSeconds(1));
        int after = changes.size();
        scheduler.advance(Duration.ofSeconds(30));
        assertThat(changes).hasSize(after);
    }

    @Test
    void pathReference_dropsKeysOfDeletedParameters_andAddsNewOnes() {
        wire.ssm.put("/svc/a", "1", "String");
        wire.ssm.put("/svc/b", "2", "String");
        engine(Optional.empty(), ref("SVC", "ssm:///svc/*"));
        assertThat(store.current().secrets()).containsOnlyKeys("SVC_A", "SVC_B");

        wire.ssm.delete("/svc/a");
        wire.ssm.put("/svc/c", "3", "String");
        engine.requestRefresh();
        scheduler.runDue();

        assertThat(store.current().secrets()).containsOnlyKeys("SVC_B", "SVC_C");
        assertThat(changes.get(changes.size() - 1)).containsExactlyInAnyOrder("SVC_A", "SVC_C");
    }

    @Test
    void listenerIsToldWhenEveryRequiredSecretLoaded_andReadinessWaitsUntilItAcceptsThatSet() {
        wire.ssm.faults().errorRate(1.0, "InternalServerError");
        engine(Optional.empty(), ref("DB", "ssm:///app/db"), ref("EXTRA", "ssm:///app/absent?optional"));
        assertThat(completes).as("the partial first load is reported as partial").containsExactly(false);
        assertThat(engine.readiness().reason()).isEqualTo("DB not loaded: InternalServerError");

        wire.ssm.faults().clear();
        listenerSucceeds = false;
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(completes).as("loaded now; the optional one stays absent").contains(true);
        assertThat(engine.readiness().ready()).as("loaded but the listener refused the set").isFalse();
        assertThat(engine.readiness().reason()).isEqualTo("secrets loaded but the output files are not written yet");

        listenerSucceeds = true;
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(engine.readiness()).isEqualTo(Readiness.READY);
        assertThat(completes.get(completes.size() - 1)).isTrue();
    }

    /**
     * The wall clock (NTP, a VM resumed from a snapshot) steps back an hour right after the first load: refreshes
     * still come on the scheduler's monotonic time, within 1.5 intervals, and on every interval after that.
     */
    @Test
    void wallClockSteppedBackAnHour_doesNotDelayRefreshes() {
        ManualClock monotonic = new ManualClock();
        ManualScheduler monotonicScheduler = new ManualScheduler(monotonic);
        engine = new RefreshEngine(List.of(ref("DB", "ssm:///app/db")), new Resolver(wire.source, clock), store,
                monotonicScheduler, clock, new SplittableRandom(1), RefreshEngine.Options.of(INTERVAL, Optional.empty()),
                (snapshot, changed, complete) -> {
                    changes.add(changed);
                    return true;
                }, metrics);
        engine.start();
        monotonicScheduler.runDue();
        assertThat(value("DB")).isEqualTo("db-v1");

        clock.set(clock.instant().minus(Duration.ofHours(1)));
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        Duration step = Duration.ofSeconds(10);
        for (Duration waited = Duration.ZERO; waited.compareTo(INTERVAL.multipliedBy(3).dividedBy(2)) < 0;
             waited = waited.plus(step)) {
            clock.advance(step);
            monotonicScheduler.advance(step);
        }
        assertThat(value("DB")).as("refreshed within 1.5 intervals of monotonic time").isEqualTo("db-v2");

        wire.ssm.put("/app/db", "db-v3", "SecureString");
        clock.advance(INTERVAL.multipliedBy(2));
        monotonicScheduler.advance(INTERVAL.multipliedBy(2));
        assertThat(value("DB")).isEqualTo("db-v3");
        assertThat(changes).containsExactly(Set.of("DB"), Set.of("DB"), Set.of("DB"));
    }
}
