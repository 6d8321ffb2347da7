package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SecretMetadata;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.Secret;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every endpoint and error path is exercised with logging at DEBUG (Jetty's and Javalin's debug output
 * included), then every log line is searched for every value and the token.
 */
class LogLeakTest {
    private static final String DB_VALUE = "leak-probe-db-7f3a9c";
    private static final String ROTATED_VALUE = "leak-probe-rotated-51d0e2";
    private static final String ON_DEMAND_VALUE = "leak-probe-ondemand-c44b18";
    private static final String SM_VALUE = "leak-probe-sm-9e21aa";

    @ParameterizedTest
    @EnumSource(Log.Format.class)
    void noValueAndNoToken_appearInAnyLogLine_acrossEveryEndpoint(Log.Format format) throws Exception {
        try (CapturedLog captured = CapturedLog.start(format, Log.Level.DEBUG)) {
            exerciseEveryEndpoint(captured);
        }
    }

    private static void exerciseEveryEndpoint(CapturedLog captured) throws Exception {
        InMemoryBackend backend = new InMemoryBackend();
        backend.allow = List.of("/prod/app/", "/aws/reference/secretsmanager/");
        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", DB_VALUE, 3));
        backend.ssm.put("/prod/app/flag", InMemoryBackend.parameter("/prod/app/flag", ON_DEMAND_VALUE, 2));
        backend.ssm.put("/aws/reference/secretsmanager/api", new Parameter("/aws/reference/secretsmanager/api",
                "/aws/reference/secretsmanager/api", "SecureString", SecretValue.of(SM_VALUE), 0, null,
                SecretMetadata.parse("{\"Name\":\"api\",\"VersionId\":\"v1\",\"VersionStages\":[\"AWSCURRENT\"]}"), Instant.EPOCH, null, null));
        backend.failures.put("/prod/app/broken", new SourceException("InternalServerError", 500, true,
                "GetParameters for '/prod/app/broken' failed", null));

        List<HttpResponse<String>> responses = new ArrayList<>();
        try (ApiServer server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 20, false),
                backend, PrometheusMetrics.create()).start()) {
            ApiClient client = new ApiClient(server.port());
            for (String path : List.of("/v1/secrets", "/v1/secrets/DB_PASSWORD", "/v1/secrets/NOPE", "/v1/secrets/DB_PASSWORD?bad=1",
                    "/v1/secrets/DB_PASSWORD?wait=x", "/systemsmanager/parameters/get?name=/prod/db/password&withDecryption=true",
                    "/systemsmanager/parameters/get?name=/prod/db/password", "/systemsmanager/parameters/get?name=/prod/app/flag&withDecryption=true",
                    "/systemsmanager/parameters/get?name=/prod/app/broken&withDecryption=true",
                    "/systemsmanager/parameters/get?name=/other&withDecryption=true", "/secretsmanager/get?secretId=api",
                    "/secretsmanager/get?secretId=api&refreshNow=true", "/secretsmanager/get?secretId=gone",
                    "/ping", "/healthz", "/readyz", "/metrics", "/v1/nothing")) {
                responses.add(client.get(path));
                responses.add(client.getWithoutToken(path, "X-Aws-Parameters-Secrets-Token", ApiClient.TOKEN + "x"));
                responses.add(client.getWithoutToken(path));
                responses.add(client.get(path, "X-Forwarded-For", "10.1.2.3"));
            }
            responses.add(client.send("POST", "/v1/refresh"));
            responses.add(client.send("DELETE", "/v1/secrets/DB_PASSWORD"));
            responses.add(client.get("/v1/secrets/DB_PASSWORD", "If-None-Match", "\"3\""));
            responses.add(client.get("/v1/secrets/DB_PASSWORD", "X-Padding", "p".repeat(ApiServer.MAX_HEADER_BYTES)));
            CompletableFuture<HttpResponse<String>> poll =
                    client.getAsync("/v1/secrets/DB_PASSWORD?wait=20s", "If-None-Match", "\"3\"");
            ApiClient.awaitWaiting(server, 1);
            backend.declare(new Secret("DB_PASSWORD", "/prod/db/password", SecretValue.of(ROTATED_VALUE), 4, null, null,
                    InMemoryBackend.NOW, InMemoryBackend.parameter("/prod/db/password", ROTATED_VALUE, 4)));
            responses.add(poll.get(10, TimeUnit.SECONDS));
        }

        // The run did serve the values, so their absence from the log means something.
        assertThat(responses.stream().map(HttpResponse::body))
                .anyMatch(b -> b.contains(DB_VALUE)).anyMatch(b -> b.contains(ROTATED_VALUE))
                .anyMatch(b -> b.contains(ON_DEMAND_VALUE)).anyMatch(b -> b.contains(SM_VALUE));
        String log = captured.text();
        assertThat(log.lines().filter(l -> l.contains("http request")).count()).as("a debug line per request")
                .isEqualTo(responses.size() - 1);
        assertThat(log.lines()).allSatisfy(line -> assertThat(line)
                .doesNotContain(DB_VALUE).doesNotContain(ROTATED_VALUE).doesNotContain(ON_DEMAND_VALUE)
                .doesNotContain(SM_VALUE).doesNotContain(ApiClient.TOKEN));
    }
}
