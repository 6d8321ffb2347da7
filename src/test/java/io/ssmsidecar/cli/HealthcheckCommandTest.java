package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code healthcheck} against a loopback server answering as {@code /readyz} does. */
class HealthcheckCommandTest {

    @Test
    void notReady_printsTheReasonReadyzGives_soAThrottledStartSaysWhenItRetries() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = "{\"ready\":false,\"reason\":\"DB not loaded: ThrottlingException; throttled, retrying in 12 s\"}"
                .getBytes(StandardCharsets.UTF_8);
        server.createContext("/readyz", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(503, body.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = Main.run(new String[] {"healthcheck", "--port", String.valueOf(server.getAddress().getPort())},
                    Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);

            assertThat(code).isEqualTo(1);
            assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo("not ready (HTTP/1.1 503): DB not loaded:"
                    + " ThrottlingException; throttled, retrying in 12 s");
        } finally {
            server.stop(0);
        }
    }
}
