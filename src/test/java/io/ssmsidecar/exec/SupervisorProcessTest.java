package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code exec --restart-on-change} as a process: a child JVM (the image's JDK 25 when installed, which has the native
 * calls; else this one) supervises a real command, against the local SSM endpoint over the real SDK, with real signals
 * sent to it. The refresh runs on its real schedule (the shortest interval, 10 s): the supervisor's own timing is
 * tested on virtual time in {@link SupervisorTest}.
 */
class SupervisorProcessTest extends ChildExecTest {
    private static final Duration REFRESH_DEADLINE = Duration.ofSeconds(90);
    private LocalSsm ssm;

    @BeforeEach
    void startSsm() throws IOException {
        ssm = LocalSsm.start();
        ssm.put("/app/db/password", "first-secret", "SecureString");
    }

    @AfterEach
    void stopSsm() {
        ssm.close();
    }

    /** JDK 25 (native calls: subreaper, reaping, kill(2)) when installed, else this JVM. */
    private static Wrapper supervisorJvm() {
        Wrapper replace = Wrapper.replace();
        return replace != null ? replace : Wrapper.spawn();
    }

    private Map<String, String> env() {
        Map<String, String> env = baseEnv();
        env.putAll(LocalWire.env(ssm));
        env.put("DB_PASSWORD", "ssm:///app/db/password");
        env.put("SIDECAR_REFRESH_INTERVAL", "10s");
        env.put("SIDECAR_RESTART_MIN_INTERVAL", "0s");
        return env;
    }

    private List<String> events() {
        try {
            Path file = dir.resolve("events");
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitEvent(ChildJvm w, Duration timeout, String prefix, int count) {
        Await.until(timeout, () -> events().stream().filter(l -> l.startsWith(prefix)).count() >= count
                || !w.process().isAlive(), () -> "events " + events() + "\n" + w.output());
        assertThat(events().stream().filter(l -> l.startsWith(prefix)).count()).as(w.output()).isGreaterThanOrEqualTo(count);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The "done": an app that reads its secret from {@code os.environ} once, at start (as the seed's Flask app
     * does), serves it, and after a rotation in SSM serves the new value: a refresh and a restart, no redeploy.
     */
    @Test
    void anEnvOnlyApp_servesTheRotatedValue_afterARefresh_withoutARedeploy() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")) || Files.isExecutable(Path.of("/usr/local/bin/python3")),
                "needs python3");
        Path app = dir.resolve("app.py");
        Files.writeString(app, """
                import os, http.server
                PASSWORD = os.environ["DB_PASSWORD"]   # read once, at start, like a Flask app's config
                class Handler(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        body = ("%d %s" % (os.getpid(), PASSWORD)).encode()
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    def log_message(self, *args):
                        pass
                http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
                """);
        int port = freePort();
        Map<String, String> env = env();
        env.put("PORT", Integer.toString(port));
        ChildJvm w = start(supervisorJvm(), env, List.of("--restart-on-change", "--restart-grace=5s", "--",
                "python3", app.toString()));
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/");
        String[] seen = new String[1];
        Await.until(REFRESH_DEADLINE, () -> {
            seen[0] = get(http, uri);
            return seen[0] != null || !w.process().isAlive();
        }, w::output);
        assertThat(seen[0]).as(w.output()).endsWith(" first-secret");
        String firstPid = seen[0].split(" ")[0];

        ssm.put("/app/db/password", "rotated-secret", "SecureString");
        Await.until(REFRESH_DEADLINE, () -> {
            String now = get(http, uri);
            return now != null && now.endsWith(" rotated-secret") || !w.process().isAlive();
        }, w::output);
        String after = get(http, uri);
        assertThat(after).as(w.output()).endsWith(" rotated-secret");
        assertThat(after.split(" ")[0]).as("a new process of the app").isNotEqualTo(firstPid);
        assertThat(w.process().isAlive()).as("the supervisor, that is the task, was not replaced").isTrue();
        assertThat(w.stderr()).contains("restarting the command: secrets changed keys=DB_PASSWORD")
                .doesNotContain("first-secret", "rotated-secret");

        w.signal("TERM");
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isEqualTo(128 + 15);
    }

    private static String get(HttpClient http, URI uri) {
        return get(http, HttpRequest.newBuilder(uri));
    }

    @Test
    void sigtermToTheSupervisor_duringARestart_stopsCleanly_withoutANewStart() throws Exception {
        String script = "echo \"start $$\" >> \"$OUT/events\"; trap 'echo \"term $$\" >> \"$OUT/events\"; "
                + "while [ ! -e \"$OUT/release\" ]; do sleep 0.05; done; exit 0' TERM; "
                + "while :; do sleep 1 & wait $!; done";
        ChildJvm w = start(supervisorJvm(), env(), List.of("--restart-on-change", "--", "sh", "-c", script));
        awaitEvent(w, DEADLINE, "start", 1);
        ssm.put("/app/db/password", "second-secret", "SecureString");
        awaitEvent(w, REFRESH_DEADLINE, "term", 1);
        w.signal("TERM");
        Await.until(DEADLINE, () -> w.stderr().contains("stopping: forwarding the signal to the command"), w::output);
        Files.createFile(dir.resolve("release"));
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isZero();
        assertThat(events().stream().filter(l -> l.startsWith("start"))).hasSize(1);
        assertThat(w.stderr()).doesNotContain("first-secret", "second-secret");
    }

    @Test
    void signalsSentToTheSupervisor_reachTheCommand_andItsExitIsTheSupervisors() throws Exception {
        List<String> signals = List.of("HUP", "INT", "USR1", "USR2", "WINCH");
        StringBuilder traps = new StringBuilder();
        for (String s : signals) {
            traps.append("trap 'echo \"got ").append(s).append("\" >> \"$OUT/events\"' ").append(s).append("; ");
        }
        String script = traps + "trap 'exit 7' TERM; echo \"start $$\" >> \"$OUT/events\"; "
                + "while :; do sleep 1 & wait $!; done";
        ChildJvm w = start(supervisorJvm(), env(), List.of("--restart-on-change", "--", "sh", "-c", script));
        awaitEvent(w, DEADLINE, "start", 1);
        int n = 0;
        for (String s : signals) {
            w.signal(s);
            awaitEvent(w, DEADLINE, "got " + s, 1);
            n++;
        }
        assertThat(events().stream().filter(l -> l.startsWith("got "))).hasSize(n);
        w.signal("TERM");
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isEqualTo(7);
        assertThat(w.stderr()).contains("command exited pid=").contains("status=7");
    }

    @Test
    void theCommandsExitCode_isTheSupervisors_andAMissingCommandIs127() throws Exception {
        ChildJvm w = start(supervisorJvm(), env(), List.of("--restart-on-change", "--", "sh", "-c", "exit 42"));
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isEqualTo(42);
        ssm.counters().reset();
        ChildJvm missing = start(supervisorJvm(), env(), List.of("--restart-on-change", "--", "no-such-command-here"));
        assertThat(missing.awaitExit(DEADLINE)).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(ssm.counters().total()).isZero();
    }

    /**
     * As PID 1 (or a subreaper, as here) orphans of the command become the supervisor's children: one that exits is
     * reaped (no zombie), and one still running at a restart is stopped with the rest of the tree, as a process group
     * would be. Needs the native calls (JDK 22+).
     */
    @Test
    void orphanedGrandchildren_areReaped_andStoppedAtARestart() throws Exception {
        Wrapper jvm = Wrapper.replace();
        assumeTrue(jvm != null, "needs a JDK 22+ for waitpid and prctl");
        String script = "echo \"start $$\" >> \"$OUT/events\"; "
                + "(sleep 1000 & echo $! > \"$OUT/orphan.$$\"); (sh -c 'exit 0' &); "
                + "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done";
        ChildJvm w = start(jvm, env(), List.of("--restart-on-change", "--", "sh", "-c", script));
        awaitEvent(w, DEADLINE, "start", 1);
        long firstChild = Long.parseLong(events().get(0).split(" ")[1]);
        Path orphanFile = dir.resolve("orphan." + firstChild);
        Await.until(DEADLINE, () -> Files.exists(orphanFile), w::output);
        long orphan = Long.parseLong(Files.readString(orphanFile).trim());
        Await.until(DEADLINE, () -> ProcessHandle.of(orphan).flatMap(ProcessHandle::parent)
                .map(p -> p.pid() == w.pid()).orElse(false), () -> "orphan not adopted by the supervisor");
        Await.until(DEADLINE, () -> zombieChildren(w.pid()).isEmpty(), () -> "zombies " + zombieChildren(w.pid()));

        ssm.put("/app/db/password", "second-secret", "SecureString");
        awaitEvent(w, REFRESH_DEADLINE, "start", 2);
        Await.until(DEADLINE, () -> ProcessHandle.of(orphan).map(p -> !p.isAlive() || Reaper.isZombie(orphan))
                .orElse(true) && zombieChildren(w.pid()).isEmpty(), () -> "orphan " + orphan + " left, zombies "
                + zombieChildren(w.pid()) + "\n" + w.output());
        assertThat(Reaper.isZombie(orphan)).isFalse();
    }

    // ---- SIDECAR_EXEC_HTTP: the HTTP server's classes load only when it is on ----

    /** Writes a start event, then exits 3 once $OUT/quit exists. */
    private static final String QUITS = "echo \"start $$\" >> \"$OUT/events\"; "
            + "while [ ! -e \"$OUT/quit\" ]; do sleep 0.05; done; exit 3";
    private static final String TOKEN = "exec-http-test-token-7";

    /** The JVM with every class it loads logged to {@code log}. */
    private static Wrapper logClasses(Wrapper jvm, Path log) {
        List<String> flags = new ArrayList<>(jvm.jvmFlags());
        flags.add("-Xlog:class+load=info:file=" + log);
        return new Wrapper(jvm.mode(), jvm.java(), flags);
    }

    private static List<String> serverClasses(Path log) throws IOException {
        return Files.readAllLines(log).stream().filter(l -> l.contains(" io.javalin.") || l.contains(" org.eclipse.jetty.")
                || l.contains(" jakarta.servlet.") || l.contains(" io.micrometer.")).toList();
    }

    @Test
    void withoutExecHttp_nothingListens_andNoHttpServerClassIsLoaded() throws Exception {
        int port = freePort();
        Map<String, String> env = env();
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        Path classes = dir.resolve("classes.log");
        ChildJvm w = start(logClasses(supervisorJvm(), classes), env,
                List.of("--restart-on-change", "--", "sh", "-c", QUITS));
        awaitEvent(w, DEADLINE, "start", 1);
        assertThat(SupervisorTest.listening(port)).as("the configured port").isFalse();
        Files.createFile(dir.resolve("quit"));
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isEqualTo(3);
        // The log works (it has the supervisor's classes), and none of the server's is in it, until exec's exit.
        assertThat(Files.readString(classes)).contains(" io.ssmsidecar.exec.Supervisor ");
        assertThat(serverClasses(classes)).isEmpty();
        assertThat(Files.readString(classes)).doesNotContain("io.ssmsidecar.exec.SupervisedApi",
                "io.ssmsidecar.LocalApi");
    }

    @Test
    void withExecHttp_theApiServesWhileTheCommandRuns_andStopsWithIt() throws Exception {
        int port = freePort();
        Map<String, String> env = env();
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        env.put("SIDECAR_TOKEN", TOKEN);
        Path classes = dir.resolve("classes.log");
        ChildJvm w = start(logClasses(supervisorJvm(), classes), env,
                List.of("--restart-on-change", "--exec-http", "--", "sh", "-c", QUITS));
        awaitEvent(w, DEADLINE, "start", 1);
        HttpClient http = HttpClient.newHttpClient();
        URI secret = URI.create("http://127.0.0.1:" + port + "/v1/secrets/DB_PASSWORD");
        Await.until(DEADLINE, () -> "first-secret".equals(get(http, HttpRequest.newBuilder(secret)
                .header("X-Aws-Parameters-Secrets-Token", TOKEN)) ) || !w.process().isAlive(), w::output);
        assertThat(get(http, HttpRequest.newBuilder(secret).header("X-Aws-Parameters-Secrets-Token", TOKEN)))
                .isEqualTo("first-secret");
        Await.until(DEADLINE, () -> get(http, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/readyz"))) != null || !w.process().isAlive(), w::output);
        Files.createFile(dir.resolve("quit"));
        assertThat(w.awaitExit(DEADLINE)).as(w.output()).isEqualTo(3);
        assertThat(SupervisorTest.listening(port)).isFalse();
        assertThat(serverClasses(classes)).anyMatch(l -> l.contains(" io.javalin."))
                .anyMatch(l -> l.contains(" org.eclipse.jetty."));
        assertThat(w.stderr()).contains("http API on while supervising address=127.0.0.1 port=" + port)
                .doesNotContain("first-secret", TOKEN);
    }

    /** The body of a 200 answer, or null (any other status, or no answer within 2 s). */
    private static String get(HttpClient http, HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static List<Long> zombieChildren(long pid) {
        List<Long> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(p -> p.children().filter(c -> Reaper.isZombie(c.pid()))
                .forEach(c -> out.add(c.pid())));
        return out;
    }
}
