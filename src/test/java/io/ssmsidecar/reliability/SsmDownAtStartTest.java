package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalSsmExtension;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** SSM unreachable when the sidecar starts: {@code init} gives up within its bound, {@code run} waits it out. */
@ExtendWith(LeakWatch.class)
class SsmDownAtStartTest {
    private static final Pattern FAILURE_LINE = Pattern.compile(
            "(secret not loaded key=K0 |retry failed key=K0 code=\\S+ attempt=(\\d+))");

    @TempDir
    Path tmp;
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();
    private final SplittableRandom random = new SplittableRandom(3);
    private final Map<String, String> refs = Map.of("K0", "ssm:///start/k0", "K1", "ssm:///start/k1");

    @BeforeEach
    void seed() throws Exception {
        ssm.put("/start/k0", Values.make("K0", 1, 64, random), "SecureString");
        ssm.put("/start/k1", Values.make("K1", 1, 64, random), "SecureString");
        ssm.faults().refuseConnections();
    }


    @Test
    void init_exits4_withinItsStartupTimeout_withAClearMessage_andWritesNothing() throws Exception {
        Path dir = tmp.resolve("out");
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.putAll(refs);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        long t0 = System.nanoTime();
        int code = Main.run(new String[] {"init", "--startup-timeout", "2s", "--output-dir", dir.toString()}, env,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String stderr = err.toString(StandardCharsets.UTF_8);
        LeakWatch.search("init stderr", stderr);
        LeakWatch.search("init stdout", out.toString(StandardCharsets.UTF_8));

        assertThat(code).as(stderr).isEqualTo(4);
        assertThat(stderr).contains("ssm-sidecar init: SSM did not answer within the start-up timeout of 2s"
                + " (SIDECAR_STARTUP_TIMEOUT); 2 required secret(s) not loaded:")
                .contains("K0").contains("/start/k0").contains("K1").contains("Nothing was written.")
                .doesNotContain("\tat ");
        // Bounded: the start-up timeout plus at most one SDK call (15 s by default); in practice right after 2 s.
        assertThat(ms).isLessThan(2_000 + 15_000);
        try (Stream<Path> files = Files.list(dir)) {
            // Only the lock file the owner takes before anything else (see SecondStartTest); it holds no secret.
            assertThat(files.map(p -> p.getFileName().toString())).as("nothing written").containsExactly(".lock");
        }
        Figures.record("ssm-down-at-start", "init: exit code", code);
        Figures.record("ssm-down-at-start", "init: ms until exit with --startup-timeout 2s", ms);
    }

    @Test
    void run_staysNotReady_keepsRetrying_andIsReadyWithinOneBackoffStepOfSsmReturning() throws Exception {
        try (InProcessSidecar sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), refs)) {
            Await.until(Duration.ofSeconds(30), () -> failures() >= 3, () -> "three failed load attempts");
            HttpResponse<String> health = sidecar.http.getBare("/healthz");
            HttpResponse<String> ready = sidecar.http.getBare("/readyz");
            HttpResponse<String> value = sidecar.http.get("/v1/secrets/K0");
            LeakWatch.search("/readyz body", ready.body());
            LeakWatch.search("404 body", value.body());
            List<String> filesDuringOutage;
            try (Stream<Path> files = Files.list(sidecar.dir)) {
                filesDuringOutage = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".lock")).toList();
            }

            long back = System.nanoTime();
            ssm.faults().acceptConnections();
            sidecar.awaitReady();
            long readyMs = (System.nanoTime() - back) / 1_000_000;
            int failures = failures();

            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("K0 not loaded").contains("K1 not loaded");
            assertThat(value.statusCode()).isEqualTo(404);
            assertThat(filesDuringOutage).as("nothing written while SSM is down").isEmpty();
            // The retry pending when SSM came back was scheduled at most cap(failures - 1) after the last failure.
            long step = Backoff.DEFAULT.cap(failures - 1).toMillis();
            assertThat(readyMs).as("ready after SSM returned, with %d failed attempts (step %d ms)", failures, step)
                    .isLessThanOrEqualTo(step + 3_000);
            assertThat(Values.parse("K0", sidecar.file("K0")).generation()).isEqualTo(1);
            assertThat(Values.parse("HTTP", sidecar.http.get("/v1/secrets/K1").body()).key()).isEqualTo("K1");
            Figures.record("ssm-down-at-start", "run: failed attempts before SSM returned", failures);
            Figures.record("ssm-down-at-start", "run: backoff step at that point (ms)", step);
            Figures.record("ssm-down-at-start", "run: ms from SSM returning to /readyz 200", readyMs);
            sidecar.scrape();
        }
    }

    /** Failed load attempts of K0 so far, from the engine's log (first failure at ERROR, retries at DEBUG). */
    private static int failures() {
        Matcher m = FAILURE_LINE.matcher(LeakWatch.logText());
        int max = 0;
        while (m.find()) {
            max = Math.max(max, m.group(2) == null ? 1 : Integer.parseInt(m.group(2)));
        }
        return max;
    }
}
