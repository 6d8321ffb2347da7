package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.ssmsidecar.metrics.Metrics;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credentials the SDK endpoint verifies signatures with are the SSM client's own: static keys from the
 * environment as given, and container credentials from the SDK's chain, where {@code resolveAgain} asks the
 * container endpoint afresh (the keys rotated there) while {@code current} keeps the provider's cached keys.
 */
class SigningCredentialsTest {
    @TempDir
    Path home;

    @Test
    void staticKeys_areTheEnvironments_andResolvingAgainGivesTheSame() throws Exception {
        try (SsmParameterSource source = SsmParameterSource.create(Map.of("AWS_REGION", "eu-west-1",
                "AWS_ACCESS_KEY_ID", "AKIDSTATIC", "AWS_SECRET_ACCESS_KEY", "static-secret", "AWS_SESSION_TOKEN", "tok"),
                Metrics.noop())) {
            SigningCredentials c = source.signingCredentials().orElseThrow();
            assertThat(c.region()).isEqualTo("eu-west-1");
            SigningCredentials.Keys k = c.current();
            assertThat(k.accessKeyId()).isEqualTo("AKIDSTATIC");
            assertThat(k.secretAccessKey().reveal()).isEqualTo("static-secret");
            assertThat(k.sessionToken()).isEqualTo("tok");
            assertThat(k.toString()).doesNotContain("static-secret").doesNotContain("tok]");
            assertThat(c.resolveAgain()).isEqualTo(k);
        }
    }

    @Test
    void containerCredentials_rotatedAtTheEndpoint_areSeenByResolveAgain_notByTheCache() throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer endpoint = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        endpoint.createContext("/v2/credentials/task", exchange -> {
            String id = served.incrementAndGet() == 1 ? "ASIAFIRSTKEY" : "ASIAROTATEDKEY";
            byte[] body = ("{\"AccessKeyId\":\"" + id + "\",\"SecretAccessKey\":\"secret-" + id + "\","
                    + "\"Token\":\"token-" + id + "\",\"Expiration\":\"2099-01-01T00:00:00Z\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        endpoint.start();
        try {
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                    "-Xmx64m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    SigningCredentialsProbe.class.getName());
            pb.environment().clear();
            pb.environment().putAll(Map.of(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/v2/credentials/task",
                    "AWS_REGION", "us-east-1", "AWS_EC2_METADATA_DISABLED", "true", "HOME", home.toString(),
                    "AWS_CONFIG_FILE", home.resolve("no-config").toString(),
                    "AWS_SHARED_CREDENTIALS_FILE", home.resolve("no-credentials").toString()));
            pb.redirectErrorStream(true);
            Process child = pb.start();
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as(output).isZero();
            assertThat(output.lines().filter(l -> !l.startsWith("SLF4J")).toList()).containsExactly(
                    "current ASIAFIRSTKEY", "current ASIAFIRSTKEY", "again ASIAROTATEDKEY token true",
                    "region us-east-1");
            assertThat(output).doesNotContain("secret-").doesNotContain("token-");
            assertThat(served).hasValue(2);
        } finally {
            endpoint.stop(0);
        }
    }
}
