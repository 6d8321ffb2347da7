package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run} in a real child JVM: readiness, the generated token, the API, healthcheck, SIGHUP, SIGTERM, and no leaks. */
class RunCommandTest {
    private static final List<String> VALUES = List.of("run-CANARY-db-7f3a", "run-CANARY-api-9c1e", "run-CANARY-sm-44b0");

    @TempDir
    Path tmp;

    private LocalSsm ssm;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        ssm.put("/svc/db", VALUES.get(0), "SecureString");
        ssm.put("/svc/api", VALUES.get(1), "SecureString");
        ssm.putSecret("svc/creds", "{\"password\":\"" + VALUES.get(2) + "\"}");
    }

    @AfterEach
    void stop() {
        ssm.close();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("X-Aws-Parameters-Secrets-Token", token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(int port, String path) {
        try {
            return get(port, path, null).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String body(int port, String path) {
        try {
            return get(port, path, null).body();
        } catch (Exception e) {
            return "";
        }
    }

    @Test
    void run_badEndpoint_exits2_beforeCreatingTheOutputDirectory() throws Exception {
        Path out = tmp.resolve("secrets");
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL_SSM", "ftp://127.0.0.1/",
                "SIDECAR_OUTPUT_DIR", out.toString(), "SIDECAR_HTTP_PORT", "0", "DB", "ssm:///svc/db"));
        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).contains("AWS_ENDPOINT_URL_SSM must be an http:// or https://")
                    .doesNotContain(out.toString());
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void run_servesWithAGeneratedToken_isHealthy_andStopsCleanlyOnSigterm() throws Exception {
        int port = freePort();
        Path out = tmp.resolve("secrets");
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        env.put("SIDECAR_LOG_LEVEL", "debug");
        env.put("DB", "ssm:///svc/db");
        env.put("API", "ssm:///svc/api");
        env.put("SM_PASSWORD", "ssm:///aws/reference/secretsmanager/svc/creds#password");

        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            Await.until(() -> status(port, "/readyz") == 200, child::output);

            String token = Files.readString(out.resolve(".token"));
            assertThat(token).hasSize(64);
            assertThat(Files.readString(out.resolve("DB"))).isEqualTo(VALUES.get(0));
            assertThat(Files.readString(out.resolve("SM_PASSWORD"))).isEqualTo(VALUES.get(2));
            assertThat(get(port, "/v1/secrets/API", token).body()).isEqualTo(VALUES.get(1));
            assertThat(get(port, "/v1/secrets/API", null).statusCode()).isEqualTo(401);
            assertThat(get(port, "/v1/secrets/API", "wrong").statusCode()).isEqualTo(403);
            assertThat(get(port, "/systemsmanager/parameters/get?name=%2Fsvc%2Fdb&withDecryption=true", token).body())
                    .contains("\"Value\":\"" + VALUES.get(0) + "\"");
            String metrics = get(port, "/metrics", null).body();
            assertThat(metrics).contains("ssm_sidecar_secrets_loaded").contains("ssm_sidecar_ssm_calls_total");

            Map<String, String> hcEnv = Map.of("SIDECAR_HTTP_PORT", Integer.toString(port));
            assertThat(Main.run(new String[] {"healthcheck"}, hcEnv, System.out, System.err)).isZero();

            long t0 = System.nanoTime();
            child.signal("TERM");
            int code = child.awaitExit(Duration.ofSeconds(10));
            long stopMs = (System.nanoTime() - t0) / 1_000_000;

            assertThat(code).as(child.output()).isZero();
            assertThat(stopMs).as("SIGTERM to exit (generous bound for a loaded machine)").isLessThan(5000);
            assertThat(child.output()).contains("secrets loaded").contains("stopped");
            for (String v : VALUES) {
                assertThat(child.output()).doesNotContain(v);
                assertThat(metrics).doesNotContain(v);
            }
            assertThat(Main.run(new String[] {"healthcheck"}, hcEnv, System.out, System.err)).isEqualTo(1);
        }
    }

    @Test
    void run_refreshesAtOnceOnSighup_andStillStopsWithExitCode0OnSigterm() throws Exception {
        Path out = tmp.resolve("secrets");
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        env.put("SIDECAR_HTTP_PORT", Integer.toString(freePort()));
        env.put("SIDECAR_TOKEN", "a-configured-token");
        env.put("DB", "ssm:///svc/db");

        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            Await.until(() -> child.output().contains("files written"), child::output);
            assertThat(Files.readString(out.resolve("DB"))).isEqualTo(VALUES.get(0));
            String rotated = "run-CANARY-db-rotated-51d2";
            ssm.put("/svc/db", rotated, "SecureString");

            // The interval is 5 minutes and the first refresh at least 2.5 minutes away: only the signal refreshes.
            child.signal("HUP");
            Await.until(() -> child.output().contains("secrets changed"), child::output);
            assertThat(Files.readString(out.resolve("DB"))).isEqualTo(rotated);
            assertThat(child.output()).contains("SIGHUP: refreshing now");
            assertThat(child.process().isAlive()).as("SIGHUP does not stop the daemon").isTrue();
            assertThat(ssm.counters().calls("GetParameters")).as("the first load and the SIGHUP refresh").isEqualTo(2);

            child.signal("TERM");
            assertThat(child.awaitExit(Duration.ofSeconds(10))).as(child.output()).isZero();
            assertThat(child.output()).contains("stopped").doesNotContain(rotated).doesNotContain(VALUES.get(0));
        }
    }

    @Test
    void run_withSsmDown_answersHealthzButNotReadyz_untilSsmReturns() throws Exception {
        int port = freePort();
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", tmp.resolve("secrets").toString());
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        env.put("SIDECAR_TOKEN", "a-configured-token");
        env.put("DB", "ssm:///svc/db");
        ssm.faults().refuseConnections();

        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            Await.until(() -> status(port, "/healthz") == 200, child::output);
            assertThat(get(port, "/readyz", null).statusCode()).isEqualTo(503);
            Await.until(() -> body(port, "/readyz").contains("DB not loaded"), child::output);
            assertThat(get(port, "/readyz", null).statusCode()).isEqualTo(503);
            assertThat(tmp.resolve("secrets/.token")).as("a configured token is not written").doesNotExist();

            ssm.faults().acceptConnections();
            Await.until(() -> status(port, "/readyz") == 200, child::output);
            assertThat(get(port, "/v1/secrets/DB", "a-configured-token").body()).isEqualTo(VALUES.get(0));
            assertThat(child.output()).contains("not loaded").doesNotContain("a-configured-token");
            child.signal("TERM");
            assertThat(child.awaitExit(Duration.ofSeconds(10))).isZero();
        }
    }

    @Test
    void run_onDemandFetch_followsSidecarAllow() throws Exception {
        int port = freePort();
        ssm.put("/shared/feature", "on-demand-CANARY", "String");
        ssm.put("/private/key", "private-CANARY", "String");
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", tmp.resolve("secrets").toString());
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        env.put("SIDECAR_TOKEN", "t0k3n");
        env.put("SIDECAR_ALLOW", "/shared/");
        env.put("DB", "ssm:///svc/db");

        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            Await.until(() -> status(port, "/readyz") == 200, child::output);

            HttpResponse<String> allowed = get(port,
                    "/systemsmanager/parameters/get?name=%2Fshared%2Ffeature&withDecryption=true", "t0k3n");
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(allowed.body()).contains("on-demand-CANARY");
            long calls = ssm.counters().total();
            assertThat(get(port, "/systemsmanager/parameters/get?name=%2Fshared%2Ffeature&withDecryption=true", "t0k3n")
                    .statusCode()).isEqualTo(200);
            assertThat(ssm.counters().total()).as("served from the cache").isEqualTo(calls);

            HttpResponse<String> denied = get(port,
                    "/systemsmanager/parameters/get?name=%2Fprivate%2Fkey&withDecryption=true", "t0k3n");
            assertThat(denied.statusCode()).isEqualTo(403);
            assertThat(denied.body()).contains("/private/key").doesNotContain("private-CANARY");
            assertThat(ssm.counters().total()).as("a denied name is never fetched").isEqualTo(calls);

            HttpResponse<String> missing = get(port,
                    "/systemsmanager/parameters/get?name=%2Fshared%2Fnothing&withDecryption=true", "t0k3n");
            assertThat(missing.statusCode()).isEqualTo(400);
            assertThat(missing.body()).contains("ParameterNotFound");
            child.signal("TERM");
            assertThat(child.awaitExit(Duration.ofSeconds(10))).isZero();
        }
    }
}
