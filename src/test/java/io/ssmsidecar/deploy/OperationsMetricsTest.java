package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.Sidecar;
import io.ssmsidecar.cli.Main;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalSsmExtension;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.LoopbackReceiver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real sidecar (the production SDK source against local-ssm, the real HTTP API), driven through what the dashboard
 * shows (a load, an HTTP read, a rotation with a change notification), scraped on {@code GET /metrics}: every metric
 * name the Grafana dashboard and the Prometheus rules (and their tests' series) use must be one it exposes. And the
 * Kubernetes liveness probe's {@code healthcheck --live} passes for a sidecar that is alive but not ready.
 */
class OperationsMetricsTest {
    private static final String TOKEN = "operations-token-0123456789abcdef";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();

    @TempDir
    Path out;

    @Test
    void everyMetricTheDashboardAndTheAlertsUse_isOneARunningSidecarExposes() throws Exception {
        List<String> notified = new CopyOnWriteArrayList<>();
        ssm.put("/ops/db/password", "first-value", "SecureString");
        try (LoopbackReceiver receiver = LoopbackReceiver.start("/changed", request -> {
                notified.add(request.body());
                return 204;
            });
             Running running = start(Map.of("DB_PASSWORD", "ssm:///ops/db/password",
                     "SIDECAR_ON_CHANGE_URL", receiver.url().toString()))) {
            assertThat(running.sidecar.awaitReady(Duration.ofSeconds(30))).as(running.sidecar.readinessReason()).isTrue();
            assertThat(get(running, "/v1/secrets/DB_PASSWORD", TOKEN).statusCode()).isEqualTo(200);
            ssm.put("/ops/db/password", "second-value", "SecureString");
            running.sidecar.requestRefresh();
            Await.until(Duration.ofSeconds(20), () -> !notified.isEmpty(), () -> "a change notification");

            String scrape = get(running, "/metrics", null).body();
            Set<String> exposed = exposedNames(scrape);

            assertThat(OperationsFilesTest.metricNamesUsed()).isNotEmpty().isSubsetOf(exposed);
            assertThat(scrape).contains("ssm_sidecar_ready 1.0").doesNotContain("first-value", "second-value");
        }
    }

    @Test
    void exposedNames_areTheSeriesNames_notTheHelpText() {
        String scrape = """
                # HELP ssm_sidecar_ready_help_only text
                # TYPE ssm_sidecar_ready gauge
                ssm_sidecar_ready 1.0
                ssm_sidecar_http_requests_total{route="/readyz",status="200"} 3.0
                """;

        assertThat(exposedNames(scrape)).containsExactly("ssm_sidecar_http_requests_total", "ssm_sidecar_ready");
    }

    @Test
    void liveProbe_passesForASidecarThatWaitsForSsm_whileTheReadinessCheckFails() throws Exception {
        Running running = start(Map.of("DB_PASSWORD", "ssm:///ops/not/there/yet"));
        String port = Integer.toString(running.sidecar.port());
        try {
            Await.until(Duration.ofSeconds(20), () -> running.metrics.scrape().contains("ssm_sidecar_ssm_calls_total"),
                    () -> "a first GetParameters call");

            assertThat(healthcheck("--port", port)).isEqualTo(1);
            assertThat(healthcheck("--live", "--port", port)).isZero();
            assertThat(get(running, "/metrics", null).body()).contains("ssm_sidecar_ready 0.0");
        } finally {
            running.close();
        }
        assertThat(healthcheck("--live", "--port", port)).as("nothing answers any more").isEqualTo(1);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Running(Sidecar sidecar, PrometheusMetrics metrics) implements AutoCloseable {
        @Override
        public void close() {
            sidecar.close();
        }
    }

    private Running start(Map<String, String> references) throws Exception {
        Map<String, String> env = new HashMap<>(references);
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        SsmParameterSource source = SsmParameterSource.create(LocalWire.env(ssm), metrics, LocalWire.FAST);
        return new Running(new Sidecar(SettingsLoader.load(List.of(), env), source, metrics, Clock.systemUTC()).start(),
                metrics);
    }

    private static HttpResponse<String> get(Running running, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + running.sidecar.port() + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("X-Aws-Parameters-Secrets-Token", token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int healthcheck(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "healthcheck";
        System.arraycopy(args, 0, all, 1, args.length);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(sink, true, StandardCharsets.UTF_8);
        return Main.run(all, Map.of(), print, print);
    }

    /** The metric names of the series in a Prometheus text scrape (comment lines skipped). */
    static Set<String> exposedNames(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }
}
