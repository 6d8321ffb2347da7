package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SSM misbehaves while the sidecar runs: an outage (connections refused), latency spikes longer than the SDK's
 * timeouts, and a throttling storm. Refreshes are forced all through the fault. The app must keep getting the last
 * good values over HTTP at the latency it had before, the files must not be touched, and once SSM is back a rotation
 * made during the fault must arrive.
 */
@ExtendWith(LeakWatch.class)
class MidRunFaultsTest {
    private static final int KEYS = 6;
    private static final int CLIENTS = 4;
    private static final int PER_CLIENT = 300;
    /** Longer than the SDK's socket and attempt timeouts (2 s in {@code LocalWire.FAST}). */
    private static final Duration SPIKE = Duration.ofSeconds(3);

    enum Fault {
        OUTAGE, LATENCY_SPIKE, THROTTLING_STORM;

        void inject(LocalSsm ssm) {
            switch (this) {
                case OUTAGE -> ssm.faults().refuseConnections();
                case LATENCY_SPIKE -> ssm.faults().latency(SPIKE);
                case THROTTLING_STORM -> ssm.faults().errorRate(1.0, "ThrottlingException");
            }
        }
    }

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private final SplittableRandom random = new SplittableRandom(8);
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        Map<String, String> refs = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            refs.put("K" + i, "ssm:///rel/k" + i);
        }
        rotate(1);
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), refs, "--bundles", "json:all.json");
        sidecar.awaitReady();
    }

    @AfterEach
    void stop() {
        refresher.shutdownNow();
        if (sidecar != null) {
            sidecar.close();
        }
        ssm.close();
    }

    private void rotate(long generation) {
        for (int i = 0; i < KEYS; i++) {
            ssm.put("/rel/k" + i, Values.make("K" + i, generation, 200 + random.nextInt(800), random), "SecureString");
        }
    }

    private Load.Result load(long generation) throws Exception {
        return Load.run(sidecar.http, CLIENTS, PER_CLIENT, i -> "/v1/secrets/K" + (i % KEYS), r -> {
            if (r.statusCode() != 200) {
                LeakWatch.search("HTTP error body", r.body());
                return "status " + r.statusCode();
            }
            Values.Parsed v = Values.parse("HTTP body", r.body());
            return v.generation() == generation ? null : "generation " + v.generation() + ", expected " + generation;
        });
    }

    private Map<String, String> files() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            files.put("K" + i, sidecar.file("K" + i));
        }
        files.put("all.json", sidecar.file("all.json"));
        return files;
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void httpServesLastGoodValuesAtNormalLatency_filesUntouched_andRotationArrivesAfterRecovery(Fault fault)
            throws Exception {
        Load.Result before = load(1);
        String liveBefore = sidecar.liveVersion();
        Map<String, String> filesBefore = files();
        double failedRefreshesBefore = failedRefreshes();

        rotate(2);
        fault.inject(ssm);
        refresher.scheduleWithFixedDelay(this::forceRefresh, 0, 100, TimeUnit.MILLISECONDS);
        Await.until(Duration.ofSeconds(30), () -> failedRefreshes() > failedRefreshesBefore, () -> "a failed refresh cycle");
        Load.Result during = load(1);
        HttpResponse<String> list = sidecar.http.get("/v1/secrets");
        LeakWatch.search("GET /v1/secrets", list.body());
        HttpResponse<String> ready = sidecar.http.getBare("/readyz");

        assertThat(before.problems()).as("before: %s", before).isEmpty();
        assertThat(during.problems()).as("during %s: %s", fault, during).isEmpty();
        assertThat(during.count(200)).isEqualTo(CLIENTS * PER_CLIENT);
        assertThat(sidecar.liveVersion()).as("..data still points at the same set").isEqualTo(liveBefore);
        assertThat(files()).as("the files hold the same bytes").isEqualTo(filesBefore);
        assertThat(list.body()).contains("\"stale\":true");
        assertThat(ready.statusCode()).as("no max staleness set: still ready").isEqualTo(200);
        // A ratio to the latency before the fault, not an absolute time: the machine is shared.
        assertThat(during.p99()).as("p99 during %s vs before (%.2f ms)", fault, before.p99())
                .isLessThanOrEqualTo(Math.max(10 * before.p99(), before.p99() + 250));
        if (fault == Fault.LATENCY_SPIKE) {
            assertThat(during.p99()).isLessThan(SPIKE.toMillis() / 4.0);
        }

        long faultEnded = System.nanoTime();
        ssm.faults().clear();
        Await.until(Duration.ofSeconds(30), () -> allAt(2), () -> "every key at generation 2 over HTTP and in the files");
        long recoveryMs = (System.nanoTime() - faultEnded) / 1_000_000;
        refresher.shutdownNow();

        assertThat(sidecar.liveVersion()).isNotEqualTo(liveBefore);
        String scenario = "mid-run-" + fault.name().toLowerCase().replace('_', '-');
        Figures.record(scenario, "requests before / during", before.requests() + " / " + during.requests());
        Figures.record(scenario, "non-200 or wrong value during", during.problems().size());
        Figures.record(scenario, "p50 before / during (ms)", String.format("%.2f / %.2f", before.p50(), during.p50()));
        Figures.record(scenario, "p99 before / during (ms)", String.format("%.2f / %.2f", before.p99(), during.p99()));
        String scrape = sidecar.scrape();
        Figures.record(scenario, "refresh cycles failed during the fault", (long) (failedRefreshes() - failedRefreshesBefore));
        Figures.record(scenario, "SSM calls by outcome (whole test)", outcomes(scrape));
        Figures.record(scenario, "files changed during the fault", 0);
        Figures.record(scenario, "rotation visible after the fault ended (ms)", recoveryMs);
    }

    private double failedRefreshes() {
        return InProcessSidecar.counter(sidecar.metrics.scrape(), "ssm_sidecar_refreshes_total", "result=\"failure\"");
    }

    private static String outcomes(String scrape) {
        Map<String, Long> byOutcome = new java.util.TreeMap<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("ssm_sidecar_ssm_calls_total{")) {
                String outcome = line.replaceAll(".*outcome=\"([^\"]*)\".*", "$1");
                byOutcome.merge(outcome, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
            }
        }
        return byOutcome.toString();
    }

    private void forceRefresh() {
        try {
            sidecar.http.refresh();
        } catch (Exception e) {
            // The next tick retries; the load phase asserts on the API itself.
        }
    }

    private boolean allAt(long generation) {
        try {
            for (int i = 0; i < KEYS; i++) {
                String body = sidecar.http.get("/v1/secrets/K" + i).body();
                if (Values.parse("HTTP", body).generation() != generation
                        || Values.parse("file", sidecar.file("K" + i)).generation() != generation) {
                    return false;
                }
            }
            return Files.readString(sidecar.dir.resolve("all.json")).contains("|g=" + generation + "|");
        } catch (Exception e) {
            return false;
        }
    }
}
