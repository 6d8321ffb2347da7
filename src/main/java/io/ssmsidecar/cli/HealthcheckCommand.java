package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.json.JsonField;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@code healthcheck}: exits 0 when the local daemon's {@code /readyz} answers 200, 1 otherwise; with {@code --live},
 * when {@code /healthz} does (the process serves requests, loaded or not: a Kubernetes liveness probe must not restart
 * a sidecar that is waiting for SSM). ECS and Docker run it every few seconds, so it is one plain socket request: no
 * HTTP client, JSON or AWS classes are loaded.
 */
public final class HealthcheckCommand implements Command {
    private static final int TIMEOUT_MS = 2000;
    /** The most of a {@code /readyz} answer read for its reason (the reason names keys and codes, never values). */
    private static final int MAX_ANSWER = 16 * 1024;

    @Override
    public String name() {
        return "healthcheck";
    }

    @Override
    public String summary() {
        return "Exit 0 when the local daemon reports ready, 1 otherwise";
    }

    @Override
    public String help() {
        return """
                Usage: ssm-sidecar healthcheck [--live] [--port PORT] [--address ADDRESS]

                Asks the running daemon's GET /readyz and exits 0 when it answers 200, 1 otherwise
                (not ready, not running, or no answer within 2s). --live asks GET /healthz instead: 0 while the
                daemon serves requests, loaded or not (a Kubernetes livenessProbe: restart a hung sidecar, never
                one that waits for SSM). For ECS/Docker health checks in CMD form:
                  "healthCheck": {"command": ["CMD", "java", "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar",
                                              "healthcheck"]}
                Port and address default to SIDECAR_HTTP_PORT (%d) and SIDECAR_HTTP_ADDRESS (%s).
                """.formatted(CommandSupport.DEFAULTS.http().port(), CommandSupport.DEFAULTS.http().address());
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        String address = env.getOrDefault("SIDECAR_HTTP_ADDRESS", CommandSupport.DEFAULTS.http().address());
        String portText = env.getOrDefault("SIDECAR_HTTP_PORT",
                String.valueOf(CommandSupport.DEFAULTS.http().port()));
        boolean live = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--live")) {
                live = true;
            } else if ((a.equals("--port") || a.equals("--address")) && i + 1 < args.size()) {
                if (a.equals("--port")) {
                    portText = args.get(++i);
                } else {
                    address = args.get(++i);
                }
            } else if (a.startsWith("--port=")) {
                portText = a.substring("--port=".length());
            } else if (a.startsWith("--address=")) {
                address = a.substring("--address=".length());
            } else {
                err.println("ssm-sidecar healthcheck: unknown argument '" + a + "'; allowed: --live, --port PORT, --address ADDRESS");
                return ExitCode.CONFIG.code();
            }
        }
        int port;
        try {
            port = Integer.parseInt(portText);
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            err.println("ssm-sidecar healthcheck: port must be a number from 1 to 65535, got '" + portText + "'");
            return ExitCode.CONFIG.code();
        }
        if (address.equals("0.0.0.0") || address.equals("::")) {
            address = "127.0.0.1";
        }
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream o = socket.getOutputStream();
            o.write(("GET " + (live ? "/healthz" : "/readyz") + " HTTP/1.1\r\nHost: " + address + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12);
            String status = new String(head, StandardCharsets.US_ASCII);
            if (status.startsWith("HTTP/1.") && status.length() == 12 && status.endsWith("200")) {
                out.println(live ? "alive" : "ready");
                return ExitCode.OK.code();
            }
            out.println((live ? "not alive (" : "not ready (") + status.trim() + ")" + reason(in));
            return ExitCode.NOT_READY.code();
        } catch (IOException e) {
            out.println((live ? "not alive" : "not ready") + ": no answer from " + address + ":" + port + " (" + e.getClass().getSimpleName() + ")");
            return ExitCode.NOT_READY.code();
        }
    }

    /**
     * ": " and the {@code reason} of a {@code /readyz} answer (e.g. "DB not loaded: ThrottlingException; throttled,
     * retrying in 12 s"), or nothing when the answer has none: the operator sees why without a second request.
     */
    private static String reason(InputStream in) {
        try {
            String rest = new String(in.readNBytes(MAX_ANSWER), StandardCharsets.UTF_8);
            int body = rest.indexOf("\r\n\r\n");
            return body < 0 ? "" : ": " + JsonField.read(rest.substring(body + 4), "reason");
        } catch (IOException | JsonField.Missing e) {
            return "";
        }
    }
}
