package io.ssmsidecar.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Lets the real AWS SDK parse the sidecar's compatible answers: a loopback server that takes the SDK's
 * {@code AmazonSSM.GetParameter} JSON call, asks the sidecar's {@code GET /systemsmanager/parameters/get}
 * and hands the sidecar's status and body back untouched, so the SDK's own unmarshaller reads them.
 */
final class SdkProxy implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final ApiClient sidecar;
    final SsmClient ssm;

    SdkProxy(ApiClient sidecar) throws IOException {
        this.sidecar = sidecar;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::forward);
        server.start();
        this.ssm = SsmClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "not-a-secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            if (!"AmazonSSM.GetParameter".equals(target)) {
                exchange.sendResponseHeaders(501, -1);
                return;
            }
            JsonNode call = JSON.readTree(exchange.getRequestBody());
            String query = "?name=" + URLEncoder.encode(call.get("Name").asText(), StandardCharsets.UTF_8)
                    + (call.path("WithDecryption").asBoolean(false) ? "&withDecryption=true" : "");
            HttpResponse<String> answer = sidecar.get("/systemsmanager/parameters/get" + query);
            byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(answer.statusCode(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        ssm.close();
        server.stop(0);
    }
}
