package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The refresh engine on virtual time against the real SDK and local endpoint: no sleeps anywhere. */
class RefreshEngineTest {
    private static final Duration INTERVAL = Duration.ofMinutes(5);

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<Set<String>> changes = new ArrayList<>();
    private LocalWire wire;
    private SnapshotStore store;
    private RefreshEngine engine;
    private boolean listenerSucceeds = true;

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
                (snapshot, changed) -> {
                    changes.add(changed);
                    return listenerSucceeds;
                }, io.ssmsidecar.metrics.Metrics.noop());
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
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        scheduler.advance(Duration.ofMinutes(6));

        assertThat(value("DB")).isEqualTo("db-v2");
        assertThat(engine.status().get("DB").stale()).isFalse();
    }

    @Test
    void transientFailures_areRetriedWithGrowingDelays() {
        started();
        wire.ssm.faults().errorRate(1.0, "ThrottlingException");
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
}
