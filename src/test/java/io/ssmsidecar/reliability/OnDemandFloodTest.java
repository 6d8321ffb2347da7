package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.source.SsmParameterSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app holding the token floods the AWS-compatible endpoints with on-demand misses (names under
 * {@code SIDECAR_ALLOW} that do not exist) and {@code refreshNow=true} while SSM answers in 3 s. The probes and the
 * {@code healthcheck} command must keep answering (an orchestrator would otherwise restart a healthy sidecar), the
 * declared secrets must still be served, and the sidecar must not call SSM more than its on-demand capacity at once.
 */
@ExtendWith(LeakWatch.class)
class OnDemandFloodTest {
    private static final String SCENARIO = "on-demand-flood";
    private static final int CLIENTS = 300;
    private static final Duration LATENCY = Duration.ofSeconds(3);
    private static final Duration FLOOD = Duration.ofSeconds(12);
    /** The default of SIDECAR_ON_DEMAND_CALLS. */
    private static final int ON_DEMAND_CALLS = 4;
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    /** SDK timeouts longer than the latency, so a call occupies its slot for the full 3 s. */
    private static final SsmParameterSource.Limits SLOW_OK = new SsmParameterSource.Limits(Duration.ofMillis(500),
            Duration.ofSeconds(6), Duration.ofSeconds(6), Duration.ofSeconds(8), 1);

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
        if (ssm != null) {
            ssm.close();
        }
    }

    @Test
    void probesAndDeclaredSecrets_keepAnswering_whileAnAppFloodsOnDemandMisses() throws Exception {
        // Enough local SSM threads that its own pool never bounds the sidecar's concurrency: the sidecar must.
        ssm = LocalSsm.start(LocalSsm.Options.defaults().withThreads(64));
        String declared = LeakWatch.secret("declared");
        ssm.put("/prod/db/password", declared, "SecureString");
        for (int i = 0; i < 5; i++) {
            ssm.putSecret("shared-" + i, LeakWatch.secret("shared-" + i));
        }
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), SLOW_OK, Map.of("DB", "ssm:///prod/db/password"),
                "--allow", "/prod/shared/,/aws/reference/secretsmanager/");
        sidecar.awaitReady();
        ssm.faults().latency(LATENCY);
        ssm.clearCalls();

        long floodEnd = System.nanoTime() + FLOOD.toNanos();
        Http flooder = new Http(sidecar.http.port(), InProcessSidecar.TOKEN);
        CompletableFuture<Load.Result> flood = CompletableFuture.supplyAsync(() -> {
            try {
                return Load.run(flooder, CLIENTS, () -> System.nanoTime() > floodEnd, 10_000,
                        i -> i % 2 == 0 ? "/systemsmanager/parameters/get?name=/prod/shared/missing-" + i
                                : "/secretsmanager/get?secretId=shared-" + (i % 5) + "&refreshNow=true",
                        OnDemandFloodTest::checkFloodAnswer);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // Probes back to back on one connection, in a thread of their own; healthcheck runs on this thread.
        List<Long> probeNanos = Collections.synchronizedList(new ArrayList<>());
        List<Long> declaredNanos = Collections.synchronizedList(new ArrayList<>());
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> probes = CompletableFuture.runAsync(() -> {
            Http prober = new Http(sidecar.http.port(), InProcessSidecar.TOKEN);
            while (System.nanoTime() < floodEnd) {
                probe(prober, "/ping", false, "healthy", probeNanos, failures);
                probe(prober, "/healthz", false, null, probeNanos, failures);
                probe(prober, "/readyz", false, null, probeNanos, failures);
                probe(prober, "/metrics", false, null, probeNanos, failures);
                probe(prober, "/v1/secrets/DB", true, declared, declaredNanos, failures);
            }
        });
        Map<String, String> hcEnv = Map.of("SIDECAR_HTTP_PORT", Integer.toString(sidecar.http.port()));
        List<Long> healthcheckNanos = new ArrayList<>();
        while (System.nanoTime() < floodEnd) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int code = Main.run(new String[] {"healthcheck"}, hcEnv, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(out, true, StandardCharsets.UTF_8));
            healthcheckNanos.add(System.nanoTime() - t0);
            if (code != 0) {
                failures.add("healthcheck exited " + code + ": " + out.toString(StandardCharsets.UTF_8).strip());
            }
        }
        probes.get(1, TimeUnit.MINUTES);
        Load.Result result = flood.get(2, TimeUnit.MINUTES);
        List<Call> calls = ssm.calls();
        int peak = peakConcurrent(calls, LATENCY);

        Figures.record(SCENARIO, "flood", CLIENTS + " clients for " + FLOOD.toSeconds() + " s, SSM latency "
                + LATENCY.toSeconds() + " s: " + result);
        Figures.record(SCENARIO, "healthcheck runs / failures", healthcheckNanos.size() + " / "
                + failures.stream().filter(f -> f.startsWith("healthcheck")).count());
        Figures.record(SCENARIO, "healthcheck p50 / p99 / max ms", figures(healthcheckNanos));
        Figures.record(SCENARIO, "/ping, /healthz, /readyz, /metrics: probes, p50 / p99 / max ms",
                probeNanos.size() + ", " + figures(probeNanos));
        Figures.record(SCENARIO, "declared secret (/v1/secrets/DB): reads, p50 / p99 / max ms",
                declaredNanos.size() + ", " + figures(declaredNanos));
        Figures.record(SCENARIO, "SSM calls during the flood (total / peak at once)", calls.size() + " / " + peak);

        assertThat(failures).as("probe and declared-secret failures under the flood").isEmpty();
        assertThat(healthcheckNanos).as("healthcheck runs").hasSizeGreaterThan(3);
        assertThat(result.problems()).as("flood answers that are neither served, not found nor throttled").isEmpty();
        assertThat(result.count(429)).as("requests throttled once the on-demand capacity was full").isPositive();
        assertThat(peak).as("SSM calls in flight at once (capacity " + ON_DEMAND_CALLS + ")")
                .isLessThanOrEqualTo(ON_DEMAND_CALLS);
    }

    /** One GET with a 5 s limit ({@code expected} body, or any 200 when null); a wrong answer or no answer is a failure, the time is recorded either way. */
    private static void probe(Http http, String path, boolean token, String expected, List<Long> nanos,
                              List<String> failures) {
        HttpRequest.Builder request = http.request(path).timeout(PROBE_TIMEOUT).GET();
        if (token) {
            request.header(Http.TOKEN_HEADER, InProcessSidecar.TOKEN);
        }
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request.build());
            if (r.statusCode() != 200 || (expected != null && !r.body().strip().equals(expected))) {
                failures.add(path + " answered " + r.statusCode());
            }
        } catch (Exception e) {
            failures.add(path + ": " + e.getClass().getSimpleName());
        } finally {
            nanos.add(System.nanoTime() - t0);
        }
    }

    /** Fine: the secret (200), not found (400), or throttled with Retry-After (429). Anything else is a problem. */
    private static String checkFloodAnswer(HttpResponse<String> r) {
        int s = r.statusCode();
        if (s == 200 || (s == 400 && (r.body().contains("ParameterNotFound") || r.body().contains("ResourceNotFound")))) {
            return null;
        }
        if (s == 429 && r.headers().firstValue("Retry-After").isPresent()
                && r.body().contains("ThrottlingException")) {
            return null;
        }
        LeakWatch.search("flood answer", r.body());
        return "status " + s + " " + r.body();
    }

    /** The most calls whose arrival lies within one latency of each other: the calls the endpoint held at once. */
    static int peakConcurrent(List<Call> calls, Duration latency) {
        List<Long> at = calls.stream().map(c -> c.at().toEpochMilli()).sorted().toList();
        int peak = 0;
        int first = 0;
        for (int i = 0; i < at.size(); i++) {
            while (at.get(i) - at.get(first) >= latency.toMillis()) {
                first++;
            }
            peak = Math.max(peak, i - first + 1);
        }
        return peak;
    }

    private static String figures(List<Long> nanos) {
        long[] n = nanos.stream().mapToLong(Long::longValue).toArray();
        return String.format("%.1f / %.1f / %.1f", Http.percentileMs(n, 50), Http.percentileMs(n, 99),
                Http.percentileMs(n, 100));
    }
}
