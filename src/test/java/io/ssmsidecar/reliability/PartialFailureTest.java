package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.output.OutputOptions;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.SnapshotStore;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One parameter of 25 has its access revoked and another is deleted while the sidecar runs (virtual time, real wire,
 * real files): the other 23 keep refreshing every cycle, the two keep their last good value and are reported stale
 * with the reason, and both recover when fixed.
 */
@ExtendWith(LeakWatch.class)
class PartialFailureTest {
    private static final int KEYS = 25;
    private static final Duration INTERVAL = Duration.ofMinutes(5);
    private static final String DENIED = "K07";
    private static final String DELETED = "K19";

    @TempDir
    Path tmp;

    @Test
    void oneDeniedAndOneDeletedParameter_doNotStopTheOthersFromRefreshing() throws Exception {
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        SplittableRandom random = new SplittableRandom(25);
        try (LocalWire wire = LocalWire.start(clock)) {
            List<Reference> refs = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                refs.add(ReferenceParser.parse(key(i), "ssm:///part/" + key(i)));
            }
            rotate(wire, 1, random);
            OutputDirectory out = OutputDirectory.open(OutputOptions.of(tmp.resolve("out")), Metrics.noop());
            SnapshotStore store = new SnapshotStore(clock);
            RefreshEngine engine = new RefreshEngine(refs, new Resolver(wire.source, clock), store, scheduler, clock,
                    new SplittableRandom(1), RefreshEngine.Options.of(INTERVAL, Optional.empty()), (snapshot, changed, complete) -> {
                        try {
                            out.write(snapshot);
                            return true;
                        } catch (OutputException e) {
                            return false;
                        }
                    }, Metrics.noop());
            engine.start();
            scheduler.runDue();
            assertThat(engine.readiness().ready()).isTrue();

            wire.ssm.faults().deny("/part/" + DENIED);
            wire.ssm.delete("/part/" + DELETED);
            int cycles = 4;
            wire.ssm.clearCalls();
            for (int g = 2; g <= cycles + 1; g++) {
                rotate(wire, g, random);
                scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));
                for (int i = 0; i < KEYS; i++) {
                    String k = key(i);
                    long expected = k.equals(DENIED) || k.equals(DELETED) ? 1 : g;
                    assertThat(generation(store, k)).as("%s after cycle %d (HTTP)", k, g - 1).isEqualTo(expected);
                    assertThat(Values.parse(k, Files.readString(out.path().resolve(k), StandardCharsets.UTF_8))
                            .generation()).as("%s after cycle %d (file)", k, g - 1).isEqualTo(expected);
                }
            }
            List<Call> callsWhileBroken = wire.ssm.calls();
            KeyStatus denied = engine.status().get(DENIED);
            KeyStatus deleted = engine.status().get(DELETED);

            assertThat(denied.stale()).isTrue();
            assertThat(denied.lastErrorCode()).isEqualTo("AccessDeniedException");
            assertThat(deleted.stale()).isTrue();
            assertThat(deleted.lastErrorCode()).isEqualTo("ParameterNotFound");
            assertThat(engine.readiness().ready()).as("no max staleness: the last good values still serve").isTrue();
            assertThat(LeakWatch.logText()).contains("refresh failed; serving last good value key=" + DENIED)
                    .contains("refresh failed; serving last good value key=" + DELETED);

            wire.ssm.faults().allow("/part/" + DENIED);
            rotate(wire, cycles + 2, random);
            scheduler.advance(INTERVAL.multipliedBy(3));
            engine.close();

            for (int i = 0; i < KEYS; i++) {
                assertThat(generation(store, key(i))).as(key(i) + " after recovery").isEqualTo(cycles + 2);
            }
            assertThat(engine.status().get(DENIED).stale()).isFalse();
            assertThat(engine.status().get(DELETED).stale()).isFalse();
            Figures.record("partial-failure", "keys / denied / deleted", KEYS + " / 1 / 1");
            Figures.record("partial-failure", "refresh cycles while broken", cycles);
            Figures.record("partial-failure", "other keys refreshed every cycle", KEYS - 2);
            Figures.record("partial-failure", "SSM calls while broken (all cycles and retries)", callsWhileBroken.size());
            Figures.record("partial-failure", "answered AccessDenied / ParameterNotFound-or-invalid",
                    callsWhileBroken.stream().filter(c -> "AccessDeniedException".equals(c.errorCode())).count() + " / "
                            + callsWhileBroken.stream().filter(c -> c.names().contains("/part/" + DELETED)).count());
        }
    }

    private static String key(int i) {
        return String.format("K%02d", i);
    }

    private static void rotate(LocalWire wire, long generation, SplittableRandom random) {
        for (int i = 0; i < KEYS; i++) {
            String k = key(i);
            if (!(k.equals(DELETED) && generation > 1 && generation <= 5)) {
                wire.ssm.put("/part/" + k, Values.make(k, generation, 100 + random.nextInt(400), random), "SecureString");
            }
        }
    }

    private static long generation(SnapshotStore store, String key) {
        return Values.parse(key, store.current().get(key).orElseThrow().value().reveal()).generation();
    }
}
