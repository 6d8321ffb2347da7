package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.SdkSidecar;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK endpoint ({@code SIDECAR_SDK_ENDPOINT=verify}) through clients no one here wrote, unchanged, as real child
 * processes: a Flask app reading its password with boto3 on every request, boto3's paginator and Secrets Manager
 * client, Debian's AWS CLI v2, and a Java app whose client is {@code SsmClient.create()}. Each gets only the endpoint variable (the CLI, 2.9.19, predates
 * {@code AWS_ENDPOINT_URL_SSM}: it gets {@code --endpoint-url}) and the task's credentials. SSM calls are counted at
 * the local SSM endpoint.
 */
class RealSdkClientsTest {
    private static final String MARK = "realsdk";
    private static final Path SCRIPTS = Path.of("src/test/resources/sdkclients").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private SdkSidecar sidecar;
    private CapturedLog log;
    private final List<Process> children = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO);
        ssm = LocalSsm.start();
        ssm.put("/app/db/password", MARK + "-db-1", "SecureString");
        ssm.put("/app/plain", MARK + "-plain", "String");
        for (int i = 0; i < 23; i++) {
            ssm.put(String.format("/app/many/p%02d", i), MARK + "-many-" + i, "SecureString");
        }
        ssm.putSecret("db-creds", MARK + "-{\"user\":\"u\"}");
        Map<String, String> env = new HashMap<>();
        env.put("DB_PASSWORD", "ssm:///app/db/password");
        env.put("PLAIN", "ssm:///app/plain");
        env.put("MANY", "ssm:///app/many/*");
        env.put("CREDS", "ssm:///aws/reference/secretsmanager/db-creds");
        env.put("SIDECAR_ALLOW", "/aws/reference/secretsmanager/,/app/");
        sidecar = SdkSidecar.start(ssm, tmp.resolve("out"), "verify", Clock.systemUTC(), env);
    }

    @AfterEach
    void stop() {
        children.forEach(Process::destroyForcibly);
        sidecar.close();
        ssm.close();
        log.close();
        assertThat(log.text()).doesNotContain(MARK);
    }

    /** The app container's environment: what it had, minus any AWS setting, plus the task's and the endpoint. */
    private ProcessBuilder app(List<String> command, Map<String, String> extra) {
        ProcessBuilder b = new ProcessBuilder(command).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        b.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        b.environment().putAll(sidecar.appEnv());
        b.environment().put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());
        b.environment().put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-credentials").toString());
        b.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        b.environment().putAll(extra);
        return b;
    }

    private String run(List<String> command, Map<String, String> extra) throws Exception {
        Path out = Files.createTempFile(tmp, "child", ".log");
        Process p = app(command, extra).redirectOutput(out.toFile()).start();
        children.add(p);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code of %s; output:%n%s", command, text).isZero();
        return text;
    }

    private HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aFlaskAppWithBoto3_servesTheValue_seesARotation_andCostsNoSsmCallBetweenRefreshes() throws Exception {
        int port = freePort();
        Path flaskLog = tmp.resolve("flask.log");
        Process flask = app(List.of("python3", SCRIPTS.resolve("flask_app.py").toString()),
                Map.of("PORT", Integer.toString(port), "DB_PASSWORD_PARAMETER", "/app/db/password"))
                .redirectOutput(flaskLog.toFile()).start();
        children.add(flask);
        URI base = URI.create("http://127.0.0.1:" + port + "/");
        Await.until(Duration.ofSeconds(60), () -> {
            if (!flask.isAlive()) {
                throw new AssertionError("the Flask app exited: " + readQuietly(flaskLog));
            }
            try {
                return get(base.resolve("/health")).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }, () -> "the Flask app answers; its log: " + readQuietly(flaskLog));

        long before = ssm.counters().total();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get(base);
            assertThat(r.statusCode()).as(readQuietly(flaskLog)).isEqualTo(200);
            assertThat(r.body()).isEqualTo("1:" + MARK + "-db-1");
        }
        assertThat(ssm.counters().total() - before).as("SSM calls for 20 app requests").isZero();

        ssm.put("/app/db/password", MARK + "-db-2", "SecureString");
        assertThat(get(base).body()).as("before the sidecar refreshes").isEqualTo("1:" + MARK + "-db-1");
        sidecar.refresh();
        long afterRefresh = ssm.counters().total();
        for (int i = 0; i < 20; i++) {
            assertThat(get(base).body()).isEqualTo("2:" + MARK + "-db-2");
        }
        assertThat(ssm.counters().total() - afterRefresh).as("SSM calls for 20 app requests after the refresh")
                .isZero();
        assertThat(readQuietly(flaskLog)).doesNotContain(MARK);
    }

    @Test
    void boto3_pagesThrough23Parameters_readsSecretsManager_andGetsTheServicesErrors() throws Exception {
        long before = ssm.counters().total();
        String out = run(List.of("python3", SCRIPTS.resolve("boto3_calls.py").toString(), "/app/many",
                "/app/plain,/app/db/password,/app/absent", "db-creds"), Map.of());
        JsonNode r = JSON.readTree(out.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(r.get("pages")).hasSize(3);
        List<String> names = new ArrayList<>();
        r.get("pages").forEach(page -> page.forEach(n -> names.add(n.asText())));
        assertThat(names).hasSize(23).doesNotHaveDuplicates().startsWith("/app/many/p00").endsWith("/app/many/p22");
        assertThat(r.get("pathShapeErrors").asText()).isEmpty();
        assertThat(r.get("found").toString()).isEqualTo("[\"/app/db/password\",\"/app/plain\"]");
        assertThat(r.get("invalid").toString()).isEqualTo("[\"/app/absent\"]");
        assertThat(r.get("parametersShapeErrors").asText()).isEmpty();
        assertThat(r.get("requestId").asText()).isNotBlank();
        assertThat(r.get("secretName").asText()).isEqualTo("db-creds");
        assertThat(r.get("secretString").asText()).isEqualTo(MARK + "-{\"user\":\"u\"}");
        assertThat(r.get("secretCreatedIsDate").asText()).isEqualTo("datetime");
        assertThat(r.get("secretShapeErrors").asText()).isEmpty();
        assertThat(r.get("missingSecret").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(r.get("put").asText()).isEqualTo("UnsupportedOperationException");
        assertThat(r.get("badStage").asText()).isEqualTo("ValidationException");
        assertThat(ssm.counters().total() - before)
                .as("SSM calls: /app/absent and the missing secret, undeclared, fetched on demand (SIDECAR_ALLOW)")
                .isEqualTo(2);
    }

    @Test
    void theAwsCli_getsTheParameter_throughEndpointUrl() throws Exception {
        long before = ssm.counters().total();
        String out = run(List.of("/usr/bin/aws", "ssm", "get-parameter", "--name", "/app/db/password",
                "--with-decryption", "--endpoint-url", sidecar.endpoint().toString(), "--output", "json"), Map.of());
        JsonNode p = JSON.readTree(out).get("Parameter");
        assertThat(p.get("Value").asText()).isEqualTo(MARK + "-db-1");
        assertThat(p.get("Type").asText()).isEqualTo("SecureString");
        assertThat(p.get("Version").asLong()).isEqualTo(1);
        JsonNode all = JSON.readTree(run(List.of("/usr/bin/aws", "ssm", "get-parameters-by-path", "--path", "/app/many",
                "--with-decryption", "--endpoint-url", sidecar.endpoint().toString(), "--output", "json"), Map.of()));
        assertThat(all.get("Parameters")).as("the CLI follows NextToken itself and merges the pages").hasSize(23);
        assertThat(ssm.counters().total() - before).isZero();
    }

    @Test
    void aJavaSdkApp_withSsmClientCreate_readsThroughAwsEndpointUrlSsm() throws Exception {
        long before = ssm.counters().total();
        String java = ProcessHandle.current().info().command().orElseThrow();
        String out = run(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.ssmsidecar.testing.JavaSdkApp", "/app/db/password", "/app/plain"), Map.of());
        assertThat(out.lines().toList()).containsExactly(MARK + "-db-1", MARK + "-plain");
        assertThat(ssm.counters().total() - before).isZero();
    }

    private static String readQuietly(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
