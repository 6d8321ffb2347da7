package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 5: references reading different JSON keys of one parameter each have their own status. With
 * {@code A=ssm:///x/json#nokey} and {@code OK=ssm:///x/json#password}, OK is served and A alone is reported missing,
 * under its own name; A being required keeps readiness off, as documented.
 */
class OneBadJsonKeyTest {
    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private LocalWire wire;
    private SnapshotStore store;
    private RefreshEngine engine;
    private CapturedLog log;

    @BeforeEach
    void start() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO);
        wire = LocalWire.start(clock);
        store = new SnapshotStore(clock);
        wire.ssm.put("/x/json", "{\"password\":\"pw-json-value\"}", "SecureString");
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        wire.close();
        log.close();
    }

    private void startEngine(Reference... refs) {
        engine = new RefreshEngine(List.of(refs), new Resolver(wire.source, clock), store, scheduler, clock,
                new SplittableRandom(1), RefreshEngine.Options.of(Duration.ofMinutes(5), Optional.empty()),
                (snapshot, changed, complete) -> true, Metrics.noop());
        engine.start();
        scheduler.runDue();
    }

    @Test
    void aMissingJsonKey_failsOnlyItsOwnReference_andIsReportedUnderItsOwnName() {
        startEngine(ref("A", "ssm:///x/json#nokey"), ref("OK", "ssm:///x/json#password"));

        assertThat(store.current().get("OK")).as("OK is served").isPresent()
                .hasValueSatisfying(s -> assertThat(s.value().reveal()).isEqualTo("pw-json-value"));
        assertThat(store.current().get("A")).isEmpty();
        assertThat(engine.status().get("OK").loaded()).isTrue();
        assertThat(engine.status().get("OK").lastErrorCode()).isNull();
        assertThat(engine.status().get("A").loaded()).isFalse();
        assertThat(engine.status().get("A").lastErrorCode()).isEqualTo("JsonKeyNotFound");
        assertThat(engine.readiness().ready()).isFalse();
        assertThat(engine.readiness().reason()).isEqualTo("A not loaded: JsonKeyNotFound");
        List<String> lines = log.text().lines().filter(l -> l.contains("JsonKeyNotFound")).toList();
        assertThat(lines).singleElement().satisfies(l -> assertThat(l).contains("key=A").doesNotContain("key=OK"));
        assertThat(log.text()).doesNotContain("pw-json-value");
    }

    @Test
    void aMissingJsonKey_ofAnOptionalReference_leavesTheOthersReady() {
        startEngine(ref("A", "ssm:///x/json?optional#nokey"), ref("OK", "ssm:///x/json#password"));

        assertThat(store.current().get("OK")).isPresent();
        assertThat(engine.readiness().ready()).isTrue();
    }

    @Test
    void failure_concernsOnlyItsOwnNamedReference_butEveryKeyOfItsPath() {
        Failure jsonKey = new Failure("A", "/x/json", "JsonKeyNotFound", "r", false, false);
        Failure path = new Failure("P", "/x/*", "ParameterNotFound", "r", false, false);

        assertThat(jsonKey.concerns(ref("A", "ssm:///x/json#nokey"))).isTrue();
        assertThat(jsonKey.concerns(ref("OK", "ssm:///x/json#password"))).isFalse();
        assertThat(jsonKey.concerns(ref("RAW", "ssm:///x/json"))).isFalse();
        assertThat(path.concerns(ref("P", "ssm:///x/*"))).isTrue();
    }
}
