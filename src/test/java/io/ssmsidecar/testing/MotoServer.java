package io.ssmsidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * moto's {@code moto_server} (an independent SSM and Secrets Manager implementation in Python) as a child process on
 * a free loopback port: one per test JVM, started on first use, reset between tests with {@code POST
 * /moto-api/reset}, stopped when the JVM exits. Seeded with plain AWS JSON calls (moto checks no signature).
 * <p>
 * moto is found as {@code $MOTO_SERVER}, else {@code moto_server} on the PATH or in pyenv's shims. When it is
 * missing the suite fails, saying how to install it: it never passes without having run against moto.
 */
public final class MotoServer {
    /** The moto release the suite and the list of differences in docs/local-ssm.md were checked against. */
    public static final String VERSION = "5.2.1";
    static final String INSTALL = "pip install 'moto[server]==" + VERSION + "'";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static MotoServer shared;

    private final Process process;
    private final Path log;
    private final URI endpoint;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private MotoServer(Process process, Path log, URI endpoint) {
        this.process = process;
        this.log = log;
        this.endpoint = endpoint;
    }

    /** The JVM's moto_server, started and answering; state left by earlier tests is reset. */
    public static synchronized MotoServer shared() {
        if (shared == null || !shared.process.isAlive()) {
            shared = start();
            MotoServer stopping = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(stopping::stop, "moto-server-stop"));
        }
        shared.reset();
        return shared;
    }

    /**
     * A moto_server of the caller's own, with {@code env} added to its environment (e.g. moto's
     * {@code MOTO_IAM_LOAD_MANAGED_POLICIES=true}, which makes the AWS managed policies attachable but slows every
     * reset, so the shared server does without); {@link #close()} stops it.
     */
    public static MotoServer startDedicated(Map<String, String> env) {
        MotoServer server = start(env);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "moto-server-stop"));
        return server;
    }

    /** Stops a server from {@link #startDedicated(Map)}. */
    public void close() {
        stop();
    }

    /** Where {@code moto_server} lives, or an {@link AssertionError} saying how to install it. */
    static Path executable(Map<String, String> env, Path home) {
        String explicit = env.get("MOTO_SERVER");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new AssertionError("MOTO_SERVER=" + explicit + " is not an executable file. The end-to-end suite "
                    + "runs against moto as well as local-ssm: install it with " + INSTALL + " (Python 3.9+)");
        }
        List<String> dirs = new ArrayList<>(List.of(env.getOrDefault("PATH", "").split(":")));
        dirs.add(home.resolve(".pyenv/shims").toString());
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "moto_server"))) {
                return Path.of(dir, "moto_server");
            }
        }
        throw new AssertionError("moto_server was not found on the PATH nor in ~/.pyenv/shims. The end-to-end suite "
                + "runs against moto as well as local-ssm, and does not pass without it: install it with " + INSTALL
                + " (Python 3.9+), or set MOTO_SERVER to the moto_server executable");
    }

    /**
     * The {@code python3} installed beside {@code moto_server} (so it has moto and boto3), else the one on the PATH.
     */
    public static Path python() {
        Path beside = executable(System.getenv(), Path.of(System.getProperty("user.home"))).resolveSibling("python3");
        return Files.isExecutable(beside) ? beside : Path.of("python3");
    }

    private static MotoServer start() {
        return start(Map.of());
    }

    private static MotoServer start(Map<String, String> env) {
        Path exe = executable(System.getenv(), Path.of(System.getProperty("user.home")));
        long started = System.nanoTime();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                int port;
                try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = probe.getLocalPort();
                }
                Path log = Files.createTempFile("moto-server-", ".log");
                ProcessBuilder builder = new ProcessBuilder(exe.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                        .redirectErrorStream(true).redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                builder.environment().putAll(env);
                Process p = builder.start();
                MotoServer server = new MotoServer(p, log, URI.create("http://127.0.0.1:" + port));
                if (server.awaitUp()) {
                    System.out.printf("moto_server (%s) answering on %s after %d ms%n", exe, server.endpoint,
                            Duration.ofNanos(System.nanoTime() - started).toMillis());
                    return server;
                }
                server.stop();
                last = new IOException("moto_server exited at start: " + server.logTail());
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("moto_server (" + exe + ") did not start on a free loopback port", last);
    }

    private boolean awaitUp() {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        }
        if (process.isAlive()) {
            throw new AssertionError("moto_server did not answer within 60 s: " + logTail());
        }
        return false;
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Forgets every parameter and secret. */
    public void reset() {
        send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/reset")).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * One AWS JSON 1.1 call, e.g. {@code call("ssm", "AmazonSSM.PutParameter", body)}; the answer, or an
     * {@link IllegalStateException} with moto's error.
     */
    public JsonNode call(String service, String target, Map<String, ?> body) {
        return callAs(null, service, target, body);
    }

    /**
     * As {@link #call}, in the account {@code account} (moto's {@code x-moto-account-id} header; null: its default
     * account, 123456789012).
     */
    public JsonNode callAs(String account, String service, String target, Map<String, ?> body) {
        try {
            String auth = "AWS4-HMAC-SHA256 Credential=AKIDMOTO/20260101/us-east-1/" + service
                    + "/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);
            HttpRequest.Builder request = HttpRequest.newBuilder(endpoint);
            if (account != null) {
                request.header("x-moto-account-id", account);
            }
            String answer = send(request
                    .header("Content-Type", "application/x-amz-json-1.1").header("X-Amz-Target", target)
                    .header("X-Amz-Date", "20260101T000000Z").header("Authorization", auth)
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("moto answered " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException("moto_server at " + endpoint + ": " + logTail(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String logTail() {
        try {
            String text = Files.readString(log);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void stop() {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a temp file; the OS cleans up
        }
    }
}
