package io.ssmsidecar.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/** A loopback client for the sidecar's API: the JDK client for ordinary requests, a raw socket for hostile ones. */
final class Http {
    static final String TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";

    private final int port;
    private final String token;
    private final HttpClient client;

    Http(int port, String token) {
        this.port = port;
        this.token = token;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    int port() {
        return port;
    }

    /** GET with the token. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).header(TOKEN_HEADER, token).GET().build());
    }

    /** GET without any token. */
    HttpResponse<String> getBare(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    /** POST /v1/refresh with the token. */
    HttpResponse<String> refresh() throws IOException, InterruptedException {
        return send(request("/v1/refresh").header(TOKEN_HEADER, token).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    }

    java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest request) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A status line and body read from a raw exchange. */
    record Raw(int status, String head, String body) { }

    /**
     * Sends {@code request} bytes as they are (no normalisation, no encoding) and reads the answer until the server
     * closes the connection ({@code Connection: close} is the caller's job).
     */
    static Raw raw(int port, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The server may answer (413, 431) and close before a large request is all written: its answer is
                // still there to read. Only when there is none does the write's failure stand.
                try {
                    Raw answer = read(s.getInputStream());
                    if (answer.status() > 0) {
                        return answer;
                    }
                } catch (IOException readFailed) {
                    e.addSuppressed(readFailed);
                }
                throw e;
            }
            return read(s.getInputStream());
        }
    }

    static Raw raw(int port, String request) throws IOException {
        return raw(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    static Raw read(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.UTF_8);
        int split = text.indexOf("\r\n\r\n");
        String head = split < 0 ? text : text.substring(0, split);
        String body = split < 0 ? "" : text.substring(split + 4);
        String[] statusLine = head.split("\r\n", 2)[0].split(" ");
        int status = statusLine.length > 1 && statusLine[0].startsWith("HTTP/") ? Integer.parseInt(statusLine[1]) : -1;
        return new Raw(status, head, body);
    }

    /** A request line plus headers, {@code Connection: close}, no body. */
    static String request(String method, String target, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("Connection: close\r\n\r\n").toString();
    }

    /** The p-th percentile (0..100) of {@code nanos}, in milliseconds. */
    static double percentileMs(long[] nanos, double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
