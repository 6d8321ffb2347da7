package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.Readiness;
import io.ssmsidecar.store.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InMemoryBackend backend = new InMemoryBackend();
    private final PrometheusMetrics metrics = PrometheusMetrics.create();
    private ApiServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "hunter2-ü", 3),
                new Secret("API_KEY", "/aws/reference/secretsmanager/api", SecretValue.of("k-123"), 1, "a1b2",
                        null, InMemoryBackend.NOW, InMemoryBackend.parameter("/aws/reference/secretsmanager/api", "k-123", 1)));
        server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 800, false), backend, metrics)
                .start();
        client = new ApiClient(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    @Test
    void secretValue_isServedRaw_withETagFromTheVersion() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hunter2-ü");
        assertThat(response.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
                .isEqualToIgnoringCase("text/plain;charset=utf-8");
        assertThat(response.headers().firstValue("ETag")).contains("\"3\"");
        assertThat(response.headers().firstValue("Cache-Control")).contains("no-store");
    }

    @Test
    void secretsManagerSecret_hasETagWithItsVersionId() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/API_KEY");

        assertThat(response.headers().firstValue("ETag")).contains("\"1-a1b2\"");
    }

    @Test
    void ifNoneMatch_withTheCurrentETag_answers304WithoutBody() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD", "If-None-Match", "\"3\"");

        assertThat(response.statusCode()).isEqualTo(304);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("ETag")).contains("\"3\"");
    }

    @Test
    void ifNoneMatch_withAnOldETag_answersTheValue() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD", "If-None-Match", "\"2\", W/\"1\"");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hunter2-ü");
    }

    @Test
    void unknownKey_is404_namingTheKey() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/NOPE");

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode body = json(response);
        assertThat(body.get("__type").asText()).isEqualTo("NotFound");
        assertThat(body.get("message").asText()).contains("'NOPE'");
    }

    @Test
    void list_showsMetadataAndHealth_neverValues() throws Exception {
        backend.statuses.put("API_KEY", new KeyStatus("API_KEY", true, true, InMemoryBackend.NOW.minusSeconds(600),
                "AccessDeniedException", "access to /aws/reference/secretsmanager/api was revoked", 4));

        HttpResponse<String> response = client.get("/v1/secrets");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("hunter2").doesNotContain("k-123");
        JsonNode secrets = json(response).get("secrets");
        assertThat(secrets).hasSize(2);
        JsonNode api = secrets.get(0);
        assertThat(api.get("key").asText()).isEqualTo("API_KEY");
        assertThat(api.get("parameterName").asText()).isEqualTo("/aws/reference/secretsmanager/api");
        assertThat(api.get("versionTag").asText()).isEqualTo("1-a1b2");
        assertThat(api.get("lastModified").isNull()).isTrue();
        assertThat(api.get("stale").asBoolean()).isTrue();
        assertThat(api.get("lastErrorCode").asText()).isEqualTo("AccessDeniedException");
        assertThat(api.get("lastError").asText()).isEqualTo("access to /aws/reference/secretsmanager/api was revoked");
        assertThat(api.get("consecutiveFailures").asInt()).isEqualTo(4);
        assertThat(api.get("lastRefreshSuccess").asText()).isEqualTo("2026-03-01T10:05:30.250Z");
        JsonNode db = secrets.get(1);
        assertThat(db.get("key").asText()).isEqualTo("DB_PASSWORD");
        assertThat(db.get("version").asLong()).isEqualTo(3);
        assertThat(db.get("lastModified").asText()).isEqualTo("2026-03-01T09:15:30.250Z");
        assertThat(db.get("fetchedAt").asText()).isEqualTo("2026-03-01T10:15:30.250Z");
        assertThat(db.get("stale").asBoolean()).isFalse();
        assertThat(db.get("lastErrorCode").isNull()).isTrue();
        assertThat(db.get("consecutiveFailures").asInt()).isZero();
        assertThat(db.get("lastRefreshSuccess").asText()).isEqualTo("2026-03-01T10:15:30.250Z");
    }

    @Test
    void refresh_isAccepted_andReachesTheBackend() throws Exception {
        HttpResponse<String> response = client.send("POST", "/v1/refresh");

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(json(response).get("status").asText()).isEqualTo("accepted");
        assertThat(backend.refreshRequests.get()).isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/secrets", "/v1/secrets/DB_PASSWORD", "/systemsmanager/parameters/get?name=/prod/db/password",
            "/secretsmanager/get?secretId=api"})
    void secretBearingGet_withoutToken_is401(String path) throws Exception {
        HttpResponse<String> response = client.getWithoutToken(path);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(json(response).get("message").asText()).contains("X-Aws-Parameters-Secrets-Token");
        assertThat(response.body()).doesNotContain("hunter2");
    }

    @Test
    void refresh_withoutToken_is401_andDoesNotRefresh() throws Exception {
        HttpResponse<String> response = client.send(client.request("/v1/refresh")
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(backend.refreshRequests.get()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"wrong", "", "test-token-0123456789abcde", "test-token-0123456789abcdef0", "TEST-TOKEN-0123456789ABCDEF"})
    void wrongOrPartialToken_is403(String token) throws Exception {
        HttpResponse<String> response = client.getWithoutToken("/v1/secrets/DB_PASSWORD",
                "X-Aws-Parameters-Secrets-Token", token);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).get("__type").asText()).isEqualTo("InvalidToken");
        assertThat(response.body()).doesNotContain(ApiClient.TOKEN).doesNotContain(token.isEmpty() ? "\u0000" : token);
    }

    @Test
    void forwardedRequest_isRefused_evenWithTheRightToken() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD", "X-Forwarded-For", "10.0.0.7");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("__type").asText()).isEqualTo("ForwardedRequest");
        assertThat(response.body()).doesNotContain("hunter2");
    }

    @Test
    void unknownQueryParameter_is400_namingIt() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD?versoin=2");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("'versoin'").contains("allowed: wait");
    }

    @Test
    void unknownQueryParameter_onAProbe_is400Too() throws Exception {
        HttpResponse<String> response = client.getWithoutToken("/ping?verbose=1");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("'verbose'").contains("takes none");
    }

    @Test
    void malformedQueryEncoding_is400_not500() throws Exception {
        String response = rawRequest("GET /systemsmanager/parameters/get?name=%ZZ&withDecryption=true HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nX-Aws-Parameters-Secrets-Token: " + ApiClient.TOKEN + "\r\nConnection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400");
    }

    @Test
    void repeatedQueryParameter_is400() throws Exception {
        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=/a&name=/b");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("'name' is given 2 times");
    }

    @Test
    void wrongMethod_onAKnownPath_is405_withAllow() throws Exception {
        HttpResponse<String> delete = client.send("DELETE", "/v1/secrets/DB_PASSWORD");
        HttpResponse<String> getRefresh = client.get("/v1/refresh");
        HttpResponse<String> postPing = client.send("POST", "/ping");

        assertThat(delete.statusCode()).isEqualTo(405);
        assertThat(json(delete).get("__type").asText()).isEqualTo("MethodNotAllowed");
        assertThat(delete.headers().firstValue("Allow")).contains("GET");
        assertThat(getRefresh.statusCode()).isEqualTo(405);
        assertThat(getRefresh.headers().firstValue("Allow")).contains("POST");
        assertThat(postPing.statusCode()).isEqualTo(405);
    }

    @Test
    void head_onAGetRoute_is405_beforeAnyCheck_insteadOfAnEmpty200() throws Exception {
        HttpResponse<String> withoutToken = client.send(client.request("/v1/secrets/NOPE")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        HttpResponse<String> withToken = client.send("HEAD", "/v1/secrets/DB_PASSWORD");

        assertThat(withoutToken.statusCode()).isEqualTo(405);
        assertThat(withoutToken.headers().firstValue("Allow")).contains("GET");
        assertThat(withToken.statusCode()).isEqualTo(405);
    }

    @Test
    void unknownPath_is404_andTheAgentsV1Form_pointsToSecretsmanagerGet() throws Exception {
        HttpResponse<String> unknown = client.get("/nothing/here");
        HttpResponse<String> agentForm = client.get("/v1/my-secret");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("message").asText()).contains("GET /nothing/here");
        assertThat(agentForm.statusCode()).isEqualTo(404);
        assertThat(json(agentForm).get("message").asText()).contains("/secretsmanager/get?secretId=");
    }

    @Test
    void ping_answersHealthy_withoutToken_butNotThroughAProxy() throws Exception {
        HttpResponse<String> response = client.getWithoutToken("/ping");
        HttpResponse<String> proxied = client.getWithoutToken("/ping", "X-Forwarded-For", "10.0.0.7");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("healthy");
        assertThat(proxied.statusCode()).as("probes carry key names and state: local task only").isEqualTo(400);
        assertThat(json(proxied).get("__type").asText()).isEqualTo("ForwardedRequest");
    }

    @Test
    void healthz_answersAtOnce_evenBeforeReady() throws Exception {
        backend.readiness = new Readiness(false, "0 of 2 required secrets loaded");

        HttpResponse<String> response = client.getWithoutToken("/healthz");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("status").asText()).isEqualTo("ok");
    }

    @Test
    void readyz_is503WithTheReason_untilReady_then200() throws Exception {
        backend.readiness = new Readiness(false, "1 of 2 required secrets not loaded yet: DB_PASSWORD");

        HttpResponse<String> before = client.getWithoutToken("/readyz");
        backend.readiness = InMemoryBackend.READY;
        HttpResponse<String> after = client.getWithoutToken("/readyz");

        assertThat(before.statusCode()).isEqualTo(503);
        assertThat(json(before).get("ready").asBoolean()).isFalse();
        assertThat(json(before).get("reason").asText()).isEqualTo("1 of 2 required secrets not loaded yet: DB_PASSWORD");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(json(after).get("ready").asBoolean()).isTrue();
    }

    @Test
    void metrics_arePrometheusText_withoutToken_countingRequestsByRouteTemplate() throws Exception {
        client.get("/v1/secrets/DB_PASSWORD");
        client.get("/v1/secrets/API_KEY");
        client.get("/v1/secrets/NOPE");
        client.get("/not/a/route");

        HttpResponse<String> response = client.getWithoutToken("/metrics");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(response.body())
                .contains("ssm_sidecar_http_requests_total{route=\"/v1/secrets/{key}\",status=\"200\"} 2.0")
                .contains("ssm_sidecar_http_requests_total{route=\"/v1/secrets/{key}\",status=\"404\"} 1.0")
                .contains("ssm_sidecar_http_requests_total{route=\"unmatched\",status=\"404\"} 1.0")
                .contains("ssm_sidecar_http_request_seconds_count{route=\"/v1/secrets/{key}\"}")
                .doesNotContain("DB_PASSWORD").doesNotContain("hunter2").doesNotContain("/not/a/route");
    }

    @Test
    void oversizedHeaders_areRefusedByJetty() throws Exception {
        String big = "x".repeat(ApiServer.MAX_HEADER_BYTES + 100);

        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD", "X-Padding", big);

        assertThat(response.statusCode()).isEqualTo(431);
        assertThat(response.body()).doesNotContain("hunter2");
    }

    @Test
    void oversizedUrl_isRefusedByJetty() throws Exception {
        String rawResponse = rawRequest("GET /v1/secrets/" + "A".repeat(ApiServer.MAX_HEADER_BYTES + 100) + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nX-Aws-Parameters-Secrets-Token: " + ApiClient.TOKEN + "\r\nConnection: close\r\n\r\n");

        assertThat(rawResponse).startsWith("HTTP/1.1 414");
    }

    private String rawRequest(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The settings accept localhost as the listen address; the server binds the loopback address for it. */
    @Test
    void localhost_asTheListenAddress_servesOnLoopback() throws Exception {
        try (ApiServer local = ApiServer.create(new ApiServer.Options("localhost", 0, ApiClient.TOKEN, 10, false),
                backend, metrics).start()) {
            assertThat(new ApiClient(local.port()).get("/v1/secrets/DB_PASSWORD").body()).isEqualTo("hunter2-ü");
        }
    }

    @Test
    void secondServer_onTheSamePort_failsWithABindExceptionNamingTheAddress() throws Exception {
        ApiServer clash = ApiServer.create(new ApiServer.Options("127.0.0.1", server.port(), ApiClient.TOKEN, 10, false),
                backend, metrics);

        assertThatThrownBy(clash::start).isInstanceOf(UncheckedIOException.class)
                .hasCauseInstanceOf(BindException.class)
                .hasMessageContaining("127.0.0.1:" + server.port()).hasMessageContaining("in use");
        clash.close();
        assertThat(client.getWithoutToken("/ping").body()).isEqualTo("healthy");
    }
}
