package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real {@code run} child at random points while values rotate and refreshes are forced every
 * 20 ms: 120 times in {@code mvn verify} (CI's time budget; {@code -Dreliability.kills=N} sets another count). After
 * every kill, every file the app can open must be a complete value of its key (checksummed, see {@link Values}), all files must come from one set (the json bundle agrees with every per-key
 * file), and no key may go back to an older generation. A restart must clean what an interrupted write left.
 * {@code -Dreliability.long=true} kills 1,000 times.
 */
@ExtendWith(LeakWatch.class)
class KillNineTest {
    private static final int KEYS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private final SplittableRandom random = new SplittableRandom(9);
    private final AtomicLong generation = new AtomicLong(1);
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(3);

    @AfterEach
    void stop() {
        background.shutdownNow();
        if (ssm != null) {
            ssm.close();
        }
    }

    private synchronized void rotate() {
        long g = generation.incrementAndGet();
        for (int i = 0; i < KEYS; i++) {
            ssm.put("/kill/k" + i, Values.make("K" + i, g, 500 + random.nextInt(3000), random), "SecureString");
        }
    }

    @Test
    void everyFileSurvivingAKill_isACompleteOldOrNewValue_andARestartCleansUp() throws Exception {
        int kills = Integer.getInteger("reliability.kills", Figures.longRun() ? 1000 : 120);
        ssm = LocalSsm.start();
        rotate();
        Path dir = tmp.resolve("out");
        Path logs = tmp.resolve("logs");
        int port = freePort();
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        for (int i = 0; i < KEYS; i++) {
            env.put("K" + i, "ssm:///kill/k" + i);
        }
        env.putAll(Map.of("SIDECAR_OUTPUT_DIR", dir.toString(), "SIDECAR_HTTP_PORT", Integer.toString(port),
                "SIDECAR_TOKEN", InProcessSidecar.TOKEN, "SIDECAR_BUNDLES", "json:all.json",
                "SIDECAR_REFRESH_INTERVAL", "10s"));
        ChildSidecar.train(env, logs);
        Http http = new Http(port, InProcessSidecar.TOKEN);
        background.scheduleWithFixedDelay(this::rotate, 0, 20, TimeUnit.MILLISECONDS);
        background.scheduleWithFixedDelay(() -> {
            try {
                http.refresh();
            } catch (Exception childDownOrRestarting) {
                // The next tick tries again.
            }
        }, 0, 20, TimeUnit.MILLISECONDS);

        Map<String, Long> lastSeen = new HashMap<>();
        int duringStartup = 0;
        int withDebris = 0;
        int withoutFiles = 0;
        long t0 = System.nanoTime();
        for (int life = 0; life < kills; life++) {
            try (ChildSidecar child = ChildSidecar.start(env, logs, "life-" + life)) {
                boolean early = random.nextInt(100) < 15;
                if (!early) {
                    child.awaitLog("files written", Duration.ofSeconds(60));
                }
                long delayMicros = early ? random.nextLong(1_500_000) : random.nextLong(300_000);
                background.schedule(() -> child.process.destroyForcibly(), delayMicros, TimeUnit.MICROSECONDS);
                if (!child.process.waitFor(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("life " + life + " was not killed");
                }
                duringStartup += child.log().contains("files written") ? 0 : 1;
                assertThat(child.log()).as("life %d logged no error", life).doesNotContain(" ERROR ");
            }
            Observation o = observe(dir, life);
            withDebris += o.debris.isEmpty() ? 0 : 1;
            if (o.generations.isEmpty()) {
                assertThat(lastSeen).as("life %d: files disappeared after a complete set had been written", life)
                        .isEmpty();
                withoutFiles++;
            }
            for (Map.Entry<String, Long> e : o.generations.entrySet()) {
                Long before = lastSeen.put(e.getKey(), e.getValue());
                assertThat(e.getValue()).as("life %d: %s went back to an older generation", life, e.getKey())
                        .isGreaterThanOrEqualTo(before == null ? 0 : before);
            }
        }
        long loopSeconds = (System.nanoTime() - t0) / 1_000_000_000;
        background.shutdownNow();
        assertThat(background.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        // One more start, with SSM quiet: it must clean every leftover and write a fresh complete set.
        rotate();
        List<String> debrisAfterRestart;
        try (ChildSidecar last = ChildSidecar.start(env, logs, "final")) {
            last.awaitLog("files written", Duration.ofSeconds(60));
            debrisAfterRestart = observe(dir, kills).debris;
            assertThat(last.terminate(Duration.ofSeconds(10))).isZero();
        }
        Observation end = observe(dir, kills);
        assertThat(debrisAfterRestart).as("leftovers after a clean restart").isEmpty();
        assertThat(end.generations).hasSize(KEYS).allSatisfy((k, g) -> assertThat(g).isEqualTo(generation.get()));

        String scenario = "kill-9";
        Figures.record(scenario, "kills", kills);
        Figures.record(scenario, "kills before the first write of that life (start-up, cleanup, first load)", duringStartup);
        Figures.record(scenario, "kills that left an interrupted write behind (temp files, ..data_tmp, unswapped version dir)",
                withDebris);
        Figures.record(scenario, "observations with no files yet (only before the first complete set)", withoutFiles);
        Figures.record(scenario, "torn, mixed or rolled-back files found", 0);
        Figures.record(scenario, "generations rotated in SSM", generation.get());
        Figures.record(scenario, "leftovers after the final restart", debrisAfterRestart.size());
        Figures.record(scenario, "kill loop seconds", loopSeconds);
    }

    private record Observation(Map<String, Long> generations, List<String> debris) { }

    /**
     * What the app would see now: each key's file parsed (complete, right key), the json bundle agreeing with every
     * per-key file (one set); plus what an interrupted write left in the directory.
     */
    private static Observation observe(Path dir, int life) throws IOException {
        Map<String, Long> generations = new HashMap<>();
        List<String> debris = new ArrayList<>();
        if (!Files.exists(dir)) {
            return new Observation(generations, debris);
        }
        String live = Files.isSymbolicLink(dir.resolve("..data"))
                ? Files.readSymbolicLink(dir.resolve("..data")).toString() : null;
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("..tmp.") || n.equals("..data_tmp")
                            || (n.startsWith("..2") && !n.equals(live)))
                    .forEach(debris::add);
        }
        if (!Files.exists(dir.resolve("all.json"))) {
            for (int i = 0; i < KEYS; i++) {
                assertThat(dir.resolve("K" + i)).as("life %d: a key file without its set's bundle", life)
                        .doesNotExist();
            }
            return new Observation(generations, debris);
        }
        Map<String, String> bundle = JSON.readValue(Files.readString(dir.resolve("all.json"), StandardCharsets.UTF_8),
                new TypeReference<Map<String, String>>() { });
        for (int i = 0; i < KEYS; i++) {
            String key = "K" + i;
            String text = Files.readString(dir.resolve(key), StandardCharsets.UTF_8);
            Values.Parsed v = Values.parse("life " + life + " file " + key, text);
            assertThat(v.key()).isEqualTo(key);
            assertThat(bundle.get(key)).as("life %d: all.json and %s come from one set", life, key).isEqualTo(text);
            generations.put(key, v.generation());
        }
        return new Observation(generations, debris);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
