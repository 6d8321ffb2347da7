package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code SecretBinary} bound to an env bundle (issue 20): {@code run} exits 2 at start naming the key and the
 * bundle (a real child process); a secret that turns binary while running is a failed key, its previous value kept
 * in its file and the bundle, the rest of the set still written, the failure in {@code /v1/secrets} and readiness.
 * Logs and outputs are searched for the values, the binary one as bytes, base64 and hex.
 */
class BinaryIntoTextBundlesTest {
    private static final String MARK = "binBundleLeak";
    private static final String TOKEN = "bin-bundle-token-0123456789abcdef01";
    private static final byte[] BINARY = {(byte) 0xff, 0, 'b', 'i', 'n', 'B', 'u', 'n', 'd', 'l', 'e', 'L', 'e', 'a',
        'k', 1};
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private LocalSsm ssm;
    private CapturedLog log;
    private final Map<String, String> env = new HashMap<>();
    private String childOutput = "";

    @BeforeEach
    void start() throws Exception {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        ssm = LocalSsm.start();
        env.putAll(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", tmp.resolve("out").toString());
        env.put("SIDECAR_BUNDLES", "env:app.env");
        env.put("CERT", "sm://prod/cert");
        env.put("OTHER", "sm://prod/other");
    }

    @AfterEach
    void stop() {
        ssm.close();
        log.close();
        assertThat(log.text() + childOutput).as("no value in logs").doesNotContain(MARK)
                .doesNotContain(Base64.getEncoder().encodeToString(BINARY))
                .doesNotContain(HexFormat.of().formatHex(BINARY));
    }

    @Test
    void run_binaryIntoAnEnvBundle_exits2_atStart_namingTheKeyAndTheBundle() {
        ssm.putSecret("prod/cert", null, BINARY, List.of());
        ssm.putSecret("prod/other", MARK + "-other");
        env.put("SIDECAR_HTTP_PORT", "0");
        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            int code = child.awaitExit(Duration.ofSeconds(90));
            childOutput = child.output();
            assertThat(code).as(childOutput).isEqualTo(ExitCode.CONFIG.code());
            assertThat(child.stderr()).contains("ssm-sidecar run: env bundle app.env: secret CERT is binary");
        }
        assertThat(tmp.resolve("out").resolve("CERT")).doesNotExist();
        assertThat(tmp.resolve("out").resolve("app.env")).doesNotExist();
    }

    @Test
    void aSecretThatTurnsBinaryWhileRunning_isAFailedKey_keepingItsValue_andTheRestIsWritten() throws Exception {
        ssm.putSecret("prod/cert", MARK + "-cert1");
        ssm.putSecret("prod/other", MARK + "-other1");
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        Path out = tmp.resolve("out");
        try (Sidecar sidecar = new Sidecar(SettingsLoader.load(List.of(), env),
                SsmParameterSource.create(LocalWire.env(ssm), metrics, LocalWire.FAST), metrics, Clock.systemUTC())
                .start()) {
            assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
            assertThat(Files.readString(out.resolve("app.env"))).contains(MARK + "-cert1");

            ssm.putSecret("prod/cert", null, BINARY, List.of());
            ssm.putSecret("prod/other", MARK + "-other2");
            sidecar.requestRefresh();
            Await.until(() -> read(out.resolve("OTHER")).equals(MARK + "-other2"),
                    () -> "the rest of the set was written");

            assertThat(Files.readString(out.resolve("app.env"))).as("CERT keeps its previous value in the bundle")
                    .contains("export CERT='" + MARK + "-cert1'");
            assertThat(Files.readString(out.resolve("CERT"))).isEqualTo(MARK + "-cert1");
            assertThat(Files.readString(out.resolve("OTHER"))).isEqualTo(MARK + "-other2");
            JsonNode status = JSON.readTree(get(sidecar, "/v1/secrets"));
            JsonNode cert = find(status, "CERT");
            assertThat(cert.path("lastErrorCode").asText()).isEqualTo("ValueNotDeliverable");
            assertThat(find(status, "OTHER").path("lastErrorCode").isNull()).isTrue();
            String logged = log.text();
            assertThat(logged).contains("secret CERT is binary").contains("env bundle app.env");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static JsonNode find(JsonNode status, String key) {
        for (JsonNode n : status.path("secrets")) {
            if (key.equals(n.path("key").asText())) {
                return n;
            }
        }
        throw new AssertionError("no " + key + " in " + status);
    }

    private static String get(Sidecar sidecar, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sidecar.port() + path)).header("X-Aws-Parameters-Secrets-Token", TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }
}
