package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded soak of a {@code run} child: constant HTTP load, values rotated every 500 ms and a refresh forced every
 * 250 ms (so the files are rewritten several times a second), for 90 s in CI ({@code -Dreliability.soakSeconds=N}
 * or {@code -Dreliability.long=true} for 15 min). The live heap (after a full GC), RSS, file descriptors and threads are sampled
 * every 10 s and must stay flat; every answer must be a complete value and the child must log no error or warning.
 */
@ExtendWith(LeakWatch.class)
class SoakTest {
    private static final int KEYS = 5;

    @TempDir
    Path tmp;
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(2);

    @AfterEach
    void stop() {
        background.shutdownNow();
    }

    private record Sample(long second, long heapKb, long rssKb, int fds, long threads) {
        @Override
        public String toString() {
            return second + "s: live heap " + heapKb + " KiB, rss " + rssKb / 1024 + " MiB, fds " + fds
                    + ", threads " + threads;
        }
    }

    @Test
    void heapFdsAndThreadsStayFlat_underConstantLoadAndFastRotation_withZeroErrors() throws Exception {
        int seconds = Integer.getInteger("reliability.soakSeconds", Figures.longRun() ? 900 : 90);
        SplittableRandom random = new SplittableRandom(21);
        long[] generation = {1};
        try (LocalSsm ssm = LocalSsm.start()) {
            Runnable rotate = () -> {
                synchronized (generation) {
                    long g = ++generation[0];
                    for (int i = 0; i < KEYS; i++) {
                        ssm.put("/soak/k" + i, Values.make("K" + i, g, 200 + random.nextInt(2000), random), "SecureString");
                    }
                }
            };
            rotate.run();
            Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
            for (int i = 0; i < KEYS; i++) {
                env.put("K" + i, "ssm:///soak/k" + i);
            }
            env.putAll(Map.of("SIDECAR_OUTPUT_DIR", tmp.resolve("out").toString(), "SIDECAR_HTTP_PORT", "0",
                    "SIDECAR_TOKEN", InProcessSidecar.TOKEN, "SIDECAR_BUNDLES", "json:all.json,env:app.env",
                    "SIDECAR_REFRESH_INTERVAL", "10s"));
            ChildSidecar.train(env, tmp.resolve("logs"));
            try (ChildSidecar child = ChildSidecar.start(env, tmp.resolve("logs"), "soak")) {
                Http http = new Http(child.port(), InProcessSidecar.TOKEN);
                child.awaitLog("files written", Duration.ofSeconds(60));
                background.scheduleWithFixedDelay(rotate, 500, 500, TimeUnit.MILLISECONDS);
                background.scheduleWithFixedDelay(() -> {
                    try {
                        http.refresh();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, 250, 250, TimeUnit.MILLISECONDS);

                long t0 = System.nanoTime();
                long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
                AtomicBoolean stop = new AtomicBoolean();
                CompletableFuture<Load.Result> load = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Load.run(http, 4, stop::get, Integer.MAX_VALUE,
                                i -> i % 10 == 0 ? "/v1/secrets" : "/v1/secrets/K" + (i % KEYS), r -> {
                                    if (r.statusCode() != 200) {
                                        LeakWatch.search("soak error body", r.body());
                                        return "status " + r.statusCode();
                                    }
                                    return r.uri().getPath().equals("/v1/secrets") ? null
                                            : Values.parse("HTTP", r.body()).key().isEmpty() ? "empty key" : null;
                                });
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                List<Sample> samples = new ArrayList<>();
                for (long next = t0; next <= end; next += TimeUnit.SECONDS.toNanos(10)) {
                    long due = next;
                    Await.until(Duration.ofSeconds(30), () -> System.nanoTime() >= due || load.isDone(),
                            () -> "the next sampling time");
                    assertThat(load.isDone()).as("load ended early: %s", load.isDone() ? load.join() : "").isFalse();
                    samples.add(new Sample((System.nanoTime() - t0) / 1_000_000_000, child.liveHeapKb(),
                            child.procStatus("VmRSS"), child.fileDescriptors(), child.procStatus("Threads")));
                }
                stop.set(true);
                Load.Result result = load.get(60, TimeUnit.SECONDS);
                String metrics = http.getBare("/metrics").body();
                LeakWatch.search("child /metrics", metrics);
                background.shutdownNow();
                int code = child.terminate(Duration.ofSeconds(10));

                // Flat: the last third of the run against the second sample (after warm-up).
                Sample warm = samples.get(1);
                List<Sample> tail = samples.subList(samples.size() * 2 / 3, samples.size());
                long heapMax = tail.stream().mapToLong(Sample::heapKb).max().orElseThrow();
                int fdMax = tail.stream().mapToInt(Sample::fds).max().orElseThrow();
                long threadMax = tail.stream().mapToLong(Sample::threads).max().orElseThrow();
                assertThat(result.problems()).as("%s", result).isEmpty();
                assertThat(code).isZero();
                assertThat(child.log()).doesNotContain(" ERROR ").doesNotContain(" WARN ");
                assertThat(heapMax).as("heap after GC, %s", samples).isLessThanOrEqualTo(Math.max(warm.heapKb() * 3 / 2,
                        warm.heapKb() + 4096));
                assertThat(fdMax).as("file descriptors, %s", samples).isLessThanOrEqualTo(warm.fds() + 10);
                assertThat(threadMax).as("threads, %s", samples).isLessThanOrEqualTo(warm.threads() + 8);

                double writes = InProcessSidecar.counter(metrics, "ssm_sidecar_file_writes_total", "result=\"success\"");
                double failedWrites = InProcessSidecar.counter(metrics, "ssm_sidecar_file_writes_total", "result=\"failure\"");
                assertThat(failedWrites).isZero();
                assertThat(writes).isGreaterThan(seconds);
                Figures.record("soak", "duration (s)", seconds);
                Figures.record("soak", "HTTP load", result.toString());
                Figures.record("soak", "rotations in SSM", generation[0]);
                Figures.record("soak", "file set writes (success / failure)", (long) writes + " / " + (long) failedWrites);
                Figures.record("soak", "samples", samples.toString());
                Figures.record("soak", "exit code on SIGTERM", code);
            }
        }
    }
}
