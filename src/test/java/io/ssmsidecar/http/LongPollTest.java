package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.metrics.PrometheusMetrics;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code GET /v1/secrets/{key}?wait=..} with {@code If-None-Match}: the rotation watch. */
class LongPollTest {
    private final InMemoryBackend backend = new InMemoryBackend();
    private ApiServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "old-value", 3),
                InMemoryBackend.secret("OTHER", "/prod/other", "other-value", 1));
        server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 10, false), backend,
                PrometheusMetrics.create()).start();
        client = new ApiClient(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void awaitWaiters(int n) {
        ApiClient.awaitWaiting(server, n);
    }

    @Test
    void waitingRequest_returnsTheNewValue_assoonAsTheVersionChanges() throws Exception {
        CompletableFuture<HttpResponse<String>> pending =
                client.getAsync("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", "\"3\"");
        awaitWaiters(1);

        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "new-value", 4),
                InMemoryBackend.secret("OTHER", "/prod/other", "other-value", 1));

        HttpResponse<String> response = pending.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("new-value");
        assertThat(response.headers().firstValue("ETag")).contains("\"4\"");
        assertThat(server.waitingRequests()).isZero();
    }

    @Test
    void waitingRequest_ignoresSnapshotsWhereItsKeyDidNotChange() throws Exception {
        CompletableFuture<HttpResponse<String>> pending =
                client.getAsync("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", "\"3\"");
        awaitWaiters(1);

        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "old-value", 3),
                InMemoryBackend.secret("OTHER", "/prod/other", "rotated-other", 2));
        assertThat(pending).isNotDone();
        assertThat(server.waitingRequests()).isEqualTo(1);

        backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "newer", 5));
        assertThat(pending.get(10, TimeUnit.SECONDS).body()).isEqualTo("newer");
    }

    @Test
    void waitingRequest_answers304_whenTheWaitEnds() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD?wait=1s", "If-None-Match", "\"3\"");

        assertThat(response.statusCode()).isEqualTo(304);
        assertThat(response.headers().firstValue("ETag")).contains("\"3\"");
        assertThat(server.waitingRequests()).isZero();
    }

    @Test
    void waitingRequest_answers404_whenItsKeyDisappears() throws Exception {
        CompletableFuture<HttpResponse<String>> pending =
                client.getAsync("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", "\"3\"");
        awaitWaiters(1);

        backend.declare(InMemoryBackend.secret("OTHER", "/prod/other", "other-value", 1));

        HttpResponse<String> response = pending.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(new ObjectMapper().readTree(response.body()).get("message").asText()).contains("'DB_PASSWORD'");
    }

    @Test
    void waitWithAStaleETag_answersAtOnce() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", "\"2\"");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("old-value");
    }

    @Test
    void waitWithoutIfNoneMatch_answersAtOnce() throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD?wait=30s");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(server.waitingRequests()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "0", "0s", "61s", "2m", "-5s", "30h", "1.5s", ""})
    void invalidWait_is400_namingTheValueAndTheRange(String wait) throws Exception {
        HttpResponse<String> response = client.get("/v1/secrets/DB_PASSWORD?wait=" + wait, "If-None-Match", "\"3\"");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("'" + wait + "'").contains("at most 60s");
    }

    @Test
    void close_answersWaitingRequests_atOnce() throws Exception {
        CompletableFuture<HttpResponse<String>> pending =
                client.getAsync("/v1/secrets/DB_PASSWORD?wait=60s", "If-None-Match", "\"3\"");
        awaitWaiters(1);

        server.close();

        HttpResponse<String> response = pending.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(304);
    }

    @Test
    void waitingRequests_holdNoThread_soManyCanWaitAtOnce() throws Exception {
        int waiting = ApiServer.MAX_THREADS + 8;
        ApiServer wide = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 100, false), backend,
                PrometheusMetrics.create()).start();
        try {
            ApiClient wideClient = new ApiClient(wide.port());
            List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
            for (int i = 0; i < waiting; i++) {
                pending.add(wideClient.getAsync("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", "\"3\""));
            }
            ApiClient.awaitWaiting(wide, waiting);
            assertThat(wideClient.get("/v1/secrets/OTHER").body()).isEqualTo("other-value");

            backend.declare(InMemoryBackend.secret("DB_PASSWORD", "/prod/db/password", "new-value", 4));

            for (CompletableFuture<HttpResponse<String>> p : pending) {
                assertThat(p.get(10, TimeUnit.SECONDS).body()).isEqualTo("new-value");
            }
        } finally {
            wide.close();
        }
    }
}
