package io.ssmsidecar.http;

import io.ssmsidecar.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Real HTTP to a server on 127.0.0.1, with the token header unless told otherwise. */
final class ApiClient {
    static final String TOKEN = "test-token-0123456789abcdef";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    ApiClient(int port) {
        this.port = port;
    }

    /** Waits (bounded) until exactly {@code n} long-polls are parked on {@code server}. */
    static void awaitWaiting(ApiServer server, int n) {
        Await.until(() -> server.waitingRequests() == n, () -> server.waitingRequests() + " long-polls waiting, expected " + n);
    }

    HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(20));
    }

    HttpResponse<String> get(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        return send(withToken(request(pathAndQuery), headers).GET().build());
    }

    HttpResponse<String> getWithoutToken(String pathAndQuery, String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = request(pathAndQuery);
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b.GET().build());
    }

    HttpResponse<String> send(String method, String pathAndQuery) throws IOException, InterruptedException {
        return send(withToken(request(pathAndQuery)).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery, String... headers) {
        return http.sendAsync(withToken(request(pathAndQuery), headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder withToken(HttpRequest.Builder b, String... headers) {
        b.header("X-Aws-Parameters-Secrets-Token", TOKEN);
        if (headers.length > 0) {
            b.headers(headers);
        }
        return b;
    }
}
