package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.testing.GatedSource;
import io.ssmsidecar.testing.LocalWire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AWS-compatible endpoints of the wired daemon on the real wire when the on-demand capacity is full (which
 * parameters they serve whole: {@code reliability/WholeValueExposureTest}). SSM calls are held in flight by a gate in front of the real source.
 */
class OnDemandHttpTest {
    private static final String TOKEN = "on-demand-http-test-token";
    private static final String JSON = "{\"password\":\"pw-1\",\"user\":\"alice\"}";

    @TempDir
    Path dir;
    private LocalWire wire;
    private GatedSource gated;
    private Sidecar sidecar;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void startSsm() {
        wire = LocalWire.start(Clock.systemUTC());
        gated = new GatedSource(wire.source);
        wire.ssm.put("/od/json", JSON, "SecureString");
        wire.ssm.putSecret("app-json", JSON);
    }

    @AfterEach
    void stop() {
        gated.open();
        if (sidecar != null) {
            sidecar.close();
        }
        wire.close();
    }

    private void start(Map<String, String> references, String... flags) throws Exception {
        Map<String, String> env = new HashMap<>(wire.env());
        env.putAll(references);
        env.put("SIDECAR_OUTPUT_DIR", dir.resolve("out").toString());
        env.put("SIDECAR_TOKEN", TOKEN);
        env.put("SIDECAR_HTTP_PORT", "0");
        sidecar = new Sidecar(SettingsLoader.load(List.of(flags), env), gated, PrometheusMetrics.create(),
                Clock.systemUTC()).start();
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path))
                .header("X-Aws-Parameters-Secrets-Token", TOKEN).timeout(Duration.ofSeconds(20)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return getAsync(path).get(20, TimeUnit.SECONDS);
    }

    private static String parameter(String name) {
        return "/systemsmanager/parameters/get?withDecryption=true&name=" + name;
    }

    @Test
    void whenTheOnDemandCapacityStaysFull_requestsGet429ThrottlingException_withRetryAfter_andProbesStillAnswer()
            throws Exception {
        wire.ssm.put("/od/held", "held-value", "SecureString");
        start(Map.of("PW", "ssm:///od/json#password"), "--on-demand-calls", "1",
                "--allow", "/od/,/aws/reference/secretsmanager/");
        gated.shut();
        CompletableFuture<HttpResponse<String>> held = getAsync(parameter("/od/held"));
        gated.awaitWaiting(1);

        List<CompletableFuture<HttpResponse<String>>> beyond = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            beyond.add(getAsync(parameter("/od/other-" + i)));
        }
        beyond.add(getAsync("/secretsmanager/get?secretId=other&refreshNow=true"));
        HttpResponse<String> ping = get("/ping");
        HttpResponse<String> ready = get("/readyz");
        HttpResponse<String> declared = get("/v1/secrets/PW");
        List<HttpResponse<String>> refused = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : beyond) {
            refused.add(f.get(20, TimeUnit.SECONDS));
        }
        boolean heldStillWaiting = !held.isDone();
        gated.open();
        HttpResponse<String> served = held.get(20, TimeUnit.SECONDS);

        assertThat(refused).allSatisfy(r -> {
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(r.body()).contains("\"__type\":\"ThrottlingException\"").contains("SIDECAR_ON_DEMAND_CALLS");
        });
        assertThat(List.of(ping, ready, declared)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(declared.body()).isEqualTo("pw-1");
        assertThat(heldStillWaiting).isTrue();
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(served.body()).contains("held-value");
        assertThat(gated.calls.get()).as("SSM calls after start-up: only the held one").isEqualTo(2);
    }
}
