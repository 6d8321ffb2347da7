package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's default credentials chain, for real: a child JVM whose only credentials source is a loopback
 * ECS/EKS-style container credentials endpoint ({@code AWS_CONTAINER_CREDENTIALS_FULL_URI}), and the local SSM
 * endpoint checks the requests were signed with the access key that endpoint served.
 */
class ContainerCredentialsTest {
    private static final String SERVED_KEY_ID = "ASIACONTAINERTEST01";
    private static final String AUTH_TOKEN = "container-auth-token-123";

    @TempDir
    Path home;

    /** An environment whose only credentials source is the container endpoint, pointing the SDK at {@code ssm}. */
    private Map<String, String> containerOnlyEnv(HttpServer credentials, LocalSsm ssm) {
        return Map.of(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:" + credentials.getAddress().getPort() + "/v2/credentials/task",
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", AUTH_TOKEN,
                "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString(),
                "AWS_EC2_METADATA_DISABLED", "true",
                "HOME", home.toString(),
                "AWS_CONFIG_FILE", home.resolve("no-config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-credentials").toString());
    }

    /** A loopback ECS/EKS-style credentials endpoint that records the Authorization header of each request. */
    private static HttpServer credentialsServer(List<String> authorizations) throws IOException {
        HttpServer credentials = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        credentials.createContext("/v2/credentials/task", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ("{\"AccessKeyId\":\"" + SERVED_KEY_ID + "\",\"SecretAccessKey\":\"served-secret\","
                    + "\"Token\":\"served-session-token\",\"Expiration\":\"2099-01-01T00:00:00Z\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        credentials.start();
        return credentials;
    }

    @Test
    void init_inAChildJvm_fetchesWithCredentialsFromTheContainerEndpoint() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer credentials = credentialsServer(authorizations);
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/task/db/password", "pw-init-CANARY", "SecureString");
            Path out = home.resolve("secrets");
            Map<String, String> env = new java.util.HashMap<>();
            env.putAll(containerOnlyEnv(credentials, ssm));
            env.put("SIDECAR_OUTPUT_DIR", out.toString());
            env.put("DB_PASSWORD", "ssm:///task/db/password");

            try (ChildJvm child = ChildJvm.start(home, env, "init")) {
                assertThat(child.awaitExit(java.time.Duration.ofSeconds(60))).as(child.output()).isZero();
                assertThat(java.nio.file.Files.readString(out.resolve("DB_PASSWORD"))).isEqualTo("pw-init-CANARY");
                assertThat(child.output()).doesNotContain("pw-init-CANARY").doesNotContain("served-secret");
            }
            assertThat(ssm.calls()).extracting(Call::accessKeyId).containsOnly(SERVED_KEY_ID);
            assertThat(authorizations).isNotEmpty().containsOnly(AUTH_TOKEN);
        } finally {
            credentials.stop(0);
        }
    }

    @Test
    void defaultChain_signsWithContainerCredentials_servedFromLoopback() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer credentials = credentialsServer(authorizations);
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/task/db/password", "pw", "SecureString");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                    "-cp", System.getProperty("java.class.path"), ContainerCredentialsProbe.class.getName(),
                    "/task/db/password");
            Map<String, String> env = pb.environment();
            env.clear();
            env.putAll(containerOnlyEnv(credentials, ssm));
            pb.redirectErrorStream(true);
            Process child = pb.start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();

            assertThat(child.exitValue()).as(output).isZero();
            assertThat(output).contains("found /task/db/password version 1").doesNotContain("pw\n");
            assertThat(ssm.calls()).extracting(Call::accessKeyId).containsExactly(SERVED_KEY_ID);
            assertThat(authorizations).isNotEmpty().containsOnly(AUTH_TOKEN);
        } finally {
            credentials.stop(0);
        }
    }
}
