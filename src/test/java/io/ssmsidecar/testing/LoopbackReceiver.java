package io.ssmsidecar.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A JDK HTTP server on 127.0.0.1 and a free port that answers every request to one path, e.g. change notifications. */
public final class LoopbackReceiver implements AutoCloseable {
    static {
        // Read once per JVM when the first JDK HttpServer starts: without it every answer of every later server of
        // the run, LocalSsm's included, waits ~40 ms for a delayed ACK (see LocalSsm).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** One request as received. */
    public record Request(String method, String contentType, String body) { }

    /** Decides the status of the answer (a 2xx or an error), after recording the request as it likes. */
    public interface Answer {
        int status(Request request) throws IOException;
    }

    private final HttpServer server;
    private final String path;

    private LoopbackReceiver(HttpServer server, String path) {
        this.server = server;
        this.path = path;
    }

    public static LoopbackReceiver start(String path, Answer answer) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext(path, exchange -> {
                Request request = new Request(exchange.getRequestMethod(),
                        exchange.getRequestHeaders().getFirst("Content-Type"),
                        new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                exchange.sendResponseHeaders(answer.status(request), -1);
                exchange.close();
            });
            server.start();
            return new LoopbackReceiver(server, path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
