package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.References;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.StartupLoader;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exec --restart-on-change} in this JVM: the real refresh engine and SDK against the local SSM endpoint, real
 * {@code /bin/sh} children that report what they got and trap signals, and the supervisor's own timing (grace period,
 * minimum interval, backoff, refresh schedule) on a manual scheduler, so no test waits for a timer. Each child appends
 * {@code start PID VALUE}, {@code term PID}, {@code hup PID} lines to {@code $OUT/events}.
 */
class SupervisorTest {
    private static final String START = "echo \"start $$ $PW\" >> \"$OUT/events\"; ";
    private static final String LOOP = "while :; do sleep 1 & wait $!; done";
    /** Exits on TERM. */
    private static final String POLITE = START + "trap 'echo \"term $$\" >> \"$OUT/events\"; exit 0' TERM; " + LOOP;
    /** On TERM, exits only once $OUT/release exists: a restart stays in progress until the test says so. */
    private static final String SLOW = START + "trap 'echo \"term $$\" >> \"$OUT/events\"; "
            + "while [ ! -e \"$OUT/release\" ]; do sleep 0.05; done; exit 0' TERM; " + LOOP;

    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final LocalWire wire = LocalWire.start(clock);
    private final Map<String, Runnable> handlers = new HashMap<>();
    private final List<SupervisedChild> children = new ArrayList<>();
    private CapturedLog log;
    private SupervisedRun run;
    private CompletableFuture<Integer> exit;

    @BeforeEach
    void setUp() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        wire.ssm.put("/app/pw", "pw-one", "SecureString");
    }

    @AfterEach
    void tearDown() {
        children.forEach(c -> c.killTree(List.of()));
        if (run != null) {
            run.close();
        }
        wire.close();
        log.close();
        // Values are the test's own: none may reach the supervisor's log.
        assertThat(log.text()).doesNotContain("pw-one", "pw-two", "pw-three", "pw-four", "other-one", "other-two",
                "x-one", "y-one");
    }

    private void start(String script, String... flags) throws Exception {
        Map<String, String> env = new LinkedHashMap<>(wire.env());
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("OUT", dir.toString());
        env.put("PW", "ssm:///app/pw");
        env.putAll(extraEnv);
        List<String> all = new ArrayList<>(List.of("--restart-on-change", "--refresh-interval=10s"));
        all.addAll(List.of(flags));
        if (all.stream().noneMatch(f -> f.startsWith("--restart-min-interval"))) {
            all.add("--restart-min-interval=0s");
        }
        Settings settings = SettingsLoader.load(all, env);
        if (env.containsKey("SIDECAR_OUTPUT_DIR")) {
            output = Optional.of(io.ssmsidecar.output.OutputDirectory.open(
                    io.ssmsidecar.Wiring.output(settings), io.ssmsidecar.metrics.Metrics.noop()));
        }
        List<Reference> refs = References.fromEnv(env);
        if (settings.supervision().http()) {
            api = Optional.of(new SupervisedApi(settings, refs, clock));
        }
        StartupLoader.Result loaded = new StartupLoader(new Resolver(wire.source, clock), clock, Backoff.DEFAULT,
                new SplittableRandom(1), d -> clock.advance(d)).load(refs, Duration.ofSeconds(5));
        ChildEnvironment envs = new ChildEnvironment(env, refs, false);
        Map<String, String> initial = envs.initial(loaded, "sh", System.err);
        run = new SupervisedRun(refs, wire.source, settings, envs, scheduler, clock, new SplittableRandom(7),
                childEnv -> {
                    SupervisedChild c = SupervisedChild.start(Path.of("/bin/sh"), List.of("sh", "-c", script),
                            childEnv, Optional.empty());
                    children.add(c);
                    return c;
                }, Optional.empty(), output, api);
        exit = run.start(initial, loaded.secrets(), (signal, action) -> handlers.put(signal, action) == null);
        awaitEvents("start", 1);
    }

    private final Map<String, String> extraEnv = new LinkedHashMap<>();
    private Optional<io.ssmsidecar.output.OutputDirectory> output = Optional.empty();
    private Optional<SupervisedApi> api = Optional.empty();

    /** Runs the scheduler's due tasks until {@code condition} holds (children and SDK calls run on their own). */
    private void pumpUntil(BooleanSupplier condition, String what) {
        Await.until(Duration.ofSeconds(30), () -> {
            scheduler.runDue();
            return condition.getAsBoolean();
        }, () -> what + "; events:\n" + events() + "\nlog:\n" + log.text());
    }

    private List<String> events() {
        try {
            Path file = dir.resolve("events");
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> events(String kind) {
        return events().stream().filter(l -> l.startsWith(kind + " ")).toList();
    }

    private void awaitEvents(String kind, int count) {
        pumpUntil(() -> events(kind).size() >= count, count + " '" + kind + "' events");
    }

    private void rotate(String name, String value) {
        wire.ssm.put(name, value, "SecureString");
        run.refreshNow();
        scheduler.runDue();
    }

    private static String valueOf(String startLine) {
        return startLine.split(" ", 3)[2];
    }

    @Test
    void rotation_onTheRefreshSchedule_reachesARestartedCommand_withTheNewValue() throws Exception {
        start(POLITE);
        assertThat(valueOf(events("start").get(0))).isEqualTo("pw-one");
        wire.ssm.put("/app/pw", "pw-two", "SecureString");
        // The first refresh comes 0.5 to 1.5 intervals after start: nothing before, a restart by then.
        scheduler.advance(Duration.ofSeconds(4));
        assertThat(events("term")).isEmpty();
        scheduler.advance(Duration.ofSeconds(12));
        awaitEvents("start", 2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-two");
        assertThat(events("term")).hasSize(1);
        assertThat(log.text()).contains("restarting the command: secrets changed keys=PW")
                .contains("command exited pid=" + children.get(0).pid() + " status=0")
                .contains("command started pid=" + children.get(1).pid());
        assertThat(exit).isNotDone();
    }

    @Test
    void signalOnChange_signalsTheRunningCommand_insteadOfRestartingIt() throws Exception {
        start(START + "trap 'echo \"hup $$\" >> \"$OUT/events\"' HUP; " + LOOP, "--signal-on-change=SIGHUP");
        long pid = children.get(0).pid();
        rotate("/app/pw", "pw-two");
        awaitEvents("hup", 1);
        assertThat(events("hup")).containsExactly("hup " + pid);
        assertThat(children.get(0).isAlive()).isTrue();
        assertThat(events("start")).hasSize(1);
        assertThat(log.text()).contains("secrets changed; signalled the command keys=PW signal=SIGHUP pid=" + pid);
        // The same values again: nothing new to tell.
        run.refreshNow();
        scheduler.runDue();
        assertThat(events("hup")).hasSize(1);
    }

    @Test
    void threeRotationsDuringOneRestart_makeOneRestart_withTheLastValue() throws Exception {
        start(SLOW);
        rotate("/app/pw", "pw-two");
        awaitEvents("term", 1);
        rotate("/app/pw", "pw-three");
        rotate("/app/pw", "pw-four");
        assertThat(log.text()).contains("folded into the pending restart");
        Files.createFile(dir.resolve("release"));
        awaitEvents("start", 2);
        pumpUntil(() -> log.text().contains("command started pid=" + children.get(1).pid()), "second start logged");
        assertThat(events("start")).hasSize(2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-four");
        assertThat(events("term")).hasSize(1);
    }

    @Test
    void aCommandThatIgnoresTerm_isKilledAfterTheGracePeriod_andStartedAgain() throws Exception {
        start(START + "trap '' TERM; " + LOOP, "--restart-grace=10s");
        SupervisedChild first = children.get(0);
        rotate("/app/pw", "pw-two");
        pumpUntil(() -> log.text().contains("restarting the command"), "restart begun");
        scheduler.advance(Duration.ofMillis(9_999));
        assertThat(first.isAlive()).as("within the grace period").isTrue();
        assertThat(events("start")).hasSize(1);
        scheduler.advance(Duration.ofMillis(1));
        awaitEvents("start", 2);
        assertThat(first.isAlive()).isFalse();
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-two");
        assertThat(log.text()).contains("did not exit within the grace period; SIGKILL")
                .contains("command exited pid=" + first.pid() + " status=137 signal=SIGKILL");
    }

    @Test
    void aRestart_stopsTheCommandsWholeGroup_grandchildAndDoubleForkedDaemonIncluded() throws Exception {
        // The second sleep is double-forked: its parent subshell exits at once, so it leaves the command's tree
        // (reparented to init or a subreaper that is not the supervisor) but stays in the command's process group.
        start(START + "sleep 1000 & echo $! > \"$OUT/grandchild.$$\"; "
                + "(sleep 1001 & echo $! > \"$OUT/away.$$\"); "
                + "trap 'echo \"term $$\" >> \"$OUT/events\"; exit 0' TERM; wait");
        SupervisedChild first = children.get(0);
        Path recorded = dir.resolve("grandchild." + first.pid());
        Path recordedAway = dir.resolve("away." + first.pid());
        // The shell creates each file before it writes the pid: wait for the whole line.
        pumpUntil(() -> wholeLine(recorded) && wholeLine(recordedAway), "grandchildren started");
        long grandchild = Long.parseLong(Files.readString(recorded).trim());
        long away = Long.parseLong(Files.readString(recordedAway).trim());
        Await.until(() -> ProcessHandle.of(first.pid()).map(c -> c.descendants().noneMatch(d -> d.pid() == away))
                .orElse(true), () -> "the double-forked grandchild " + away + " is still in the tree");
        assertThat(ProcessHandle.of(away).map(ProcessHandle::isAlive)).as("double-forked grandchild").contains(true);
        assertThat(SupervisedChild.processGroup(first.pid())).as("the command leads its own process group")
                .isEqualTo(first.pid()).isNotEqualTo(SupervisedChild.processGroup(ProcessHandle.current().pid()));
        assertThat(SupervisedChild.processGroup(away)).isEqualTo(first.pid());
        rotate("/app/pw", "pw-two");
        awaitEvents("start", 2);
        for (long pid : List.of(grandchild, away)) {
            Await.until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive() || Reaper.isZombie(pid)).orElse(true),
                    () -> "grandchild " + pid + " still running");
        }
    }

    /** {@code setsid} execs the command in the pid Java started (no fork): pid, process group and session agree. */
    @Test
    void theCommand_runsInItsOwnProcessGroupAndSession_underThePidJavaStarted() throws Exception {
        start(START + "ps -o pid=,pgid=,sid= -p $$ > \"$OUT/ids.$$\"; trap 'exit 0' TERM; " + LOOP);
        SupervisedChild first = children.get(0);
        Path ids = dir.resolve("ids." + first.pid());
        pumpUntil(() -> ids.toFile().length() > 0, "ps ran");
        String pid = Long.toString(first.pid());
        assertThat(Files.readString(ids).trim().split("\\s+")).containsExactly(pid, pid, pid);
    }

    @Test
    void theCommandsExit_endsTheSupervisor_withItsStatus() throws Exception {
        start(START + "while [ ! -e \"$OUT/release\" ]; do sleep 0.05; done; exit 42");
        Files.createFile(dir.resolve("release"));
        pumpUntil(exit::isDone, "supervisor done");
        assertThat(exit.join()).isEqualTo(42);
        assertThat(log.text()).contains("command exited pid=" + children.get(0).pid() + " status=42");
    }

    @Test
    void theCommandsDeathBySignal_endsTheSupervisor_with128PlusN() throws Exception {
        start(START + "while [ ! -e \"$OUT/release\" ]; do sleep 0.05; done; kill -s USR1 $$");
        Files.createFile(dir.resolve("release"));
        pumpUntil(exit::isDone, "supervisor done");
        assertThat(exit.join()).isEqualTo(128 + 10);
    }

    @Test
    void aCrashLoop_isRestartedWithBackoff_thenGivenUp_withTheCommandsStatus() throws Exception {
        start(START + "exit 3", "--restart-on-exit=on-failure");
        for (int n = 2; n <= Supervisor.MAX_CRASHES; n++) {
            int restarts = n - 1;
            pumpUntil(() -> count(log.text(), "restarting the command after its exit") >= restarts,
                    "restart " + restarts + " scheduled");
            long backoff = 1_000L << (n - 2);
            assertThat(log.text()).contains("in_ms=" + backoff + " exits_in_a_row=" + restarts);
            scheduler.advance(Duration.ofMillis(backoff - 1));
            assertThat(events("start")).as("before the backoff is over").hasSize(n - 1);
            scheduler.advance(Duration.ofMillis(1));
            awaitEvents("start", n);
        }
        pumpUntil(exit::isDone, "supervisor gave up");
        assertThat(exit.join()).isEqualTo(3);
        assertThat(events("start")).hasSize(Supervisor.MAX_CRASHES);
        assertThat(log.text()).contains("the command keeps exiting; giving up exits_in_a_row=" + Supervisor.MAX_CRASHES);
    }

    private static int count(String text, String what) {
        return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    @Test
    void restartsComeNoSoonerThanTheMinimumInterval_andChangesMeanwhileMakeOne() throws Exception {
        start(POLITE, "--restart-min-interval=30s");
        scheduler.advance(Duration.ofSeconds(2));
        rotate("/app/pw", "pw-two");
        rotate("/app/pw", "pw-three");
        assertThat(log.text()).contains("restarting when the minimum interval is over keys=PW");
        scheduler.advance(Duration.ofSeconds(27));
        assertThat(events("term")).isEmpty();
        scheduler.advance(Duration.ofSeconds(1));
        awaitEvents("start", 2);
        assertThat(events("start")).hasSize(2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-three");
    }

    @Test
    void restartKeys_onlyTheNamedVariablesCount_andARestartStillBringsEveryNewValue() throws Exception {
        wire.ssm.put("/app/other", "other-one", "SecureString");
        extraEnv.put("OTHER", "ssm:///app/other");
        start(START.replace("$PW", "$PW $OTHER") + "trap 'exit 0' TERM; " + LOOP, "--restart-keys=PW");
        rotate("/app/other", "other-two");
        pumpUntil(() -> log.text().contains("outside the restart keys"), "change outside the keys logged");
        assertThat(events("start")).hasSize(1);
        rotate("/app/pw", "pw-two");
        awaitEvents("start", 2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-two other-two");
    }

    @Test
    void aFailingRefresh_neverRestarts_andARemovedSecretKeepsItsLastValue() throws Exception {
        wire.ssm.put("/app/dir/x", "x-one", "SecureString");
        wire.ssm.put("/app/dir/y", "y-one", "SecureString");
        extraEnv.put("APP", "ssm:///app/dir/*");
        start(START.replace("$PW", "$PW $APP_X") + "trap 'exit 0' TERM; " + LOOP);
        wire.ssm.faults().failNext(100, "ThrottlingException");
        rotate("/app/pw", "pw-two");
        scheduler.advance(Duration.ofSeconds(3));
        assertThat(events("start")).hasSize(1);
        assertThat(children.get(0).isAlive()).isTrue();
        wire.ssm.faults().clear();
        wire.ssm.put("/app/pw", "pw-one", "SecureString");
        wire.ssm.delete("/app/dir/x");
        run.refreshNow();
        pumpUntil(() -> log.text().contains("secrets no longer in SSM; the command keeps their last values keys=APP_X"),
                "removal reported");
        assertThat(events("start")).hasSize(1);
        rotate("/app/pw", "pw-two");
        awaitEvents("start", 2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-two x-one");
    }

    @Test
    void filesAndBundles_areWrittenToo_andRewrittenBeforeTheRestart_whenAnOutputDirectoryIsGiven() throws Exception {
        Path out = Files.createDirectories(dir.resolve("secrets"));
        extraEnv.put("SIDECAR_OUTPUT_DIR", out.toString());
        extraEnv.put("SIDECAR_BUNDLES", "env:app.env");
        start(START + "echo \"file $$ $(cat \"$SIDECAR_OUTPUT_DIR/PW\")\" >> \"$OUT/events\"; trap 'exit 0' TERM; "
                + LOOP);
        assertThat(Files.readString(out.resolve("PW"))).isEqualTo("pw-one");
        assertThat(Files.readString(out.resolve("app.env"))).contains("PW=");
        rotate("/app/pw", "pw-two");
        awaitEvents("file", 2);
        assertThat(events("file").get(1)).endsWith(" pw-two");
        assertThat(Files.readString(out.resolve("PW"))).isEqualTo("pw-two");
    }

    @Test
    void aSecretThatTurnsBinary_withAnEnvBundle_isAFailedKey_theCommandAndFilesKeepItsLastValue() throws Exception {
        Path out = Files.createDirectories(dir.resolve("secrets"));
        wire.ssm.putSecret("app/cert", "x-one");
        extraEnv.put("SIDECAR_OUTPUT_DIR", out.toString());
        extraEnv.put("SIDECAR_BUNDLES", "env:app.env");
        extraEnv.put("CERT", "sm://app/cert");
        start(START.replace("$PW", "$PW $CERT") + "trap 'exit 0' TERM; " + LOOP);
        assertThat(valueOf(events("start").get(0))).isEqualTo("pw-one x-one");
        wire.ssm.putSecret("app/cert", null, new byte[] {(byte) 0xff, 0, 1}, List.of());
        rotate("/app/pw", "pw-two");
        awaitEvents("start", 2);
        assertThat(valueOf(events("start").get(1))).as("CERT keeps its last value").isEqualTo("pw-two x-one");
        assertThat(Files.readString(out.resolve("PW"))).as(log.text()).isEqualTo("pw-two");
        assertThat(Files.readString(out.resolve("CERT"))).isEqualTo("x-one");
        assertThat(Files.readString(out.resolve("app.env"))).contains("x-one");
        pumpUntil(() -> log.text().contains("secret CERT is binary"), "the failed key logged");
    }

    @Test
    void sigtermDuringARestart_stopsCleanly_withoutStartingTheCommandAgain() throws Exception {
        start(SLOW);
        rotate("/app/pw", "pw-two");
        awaitEvents("term", 1);
        handlers.get("TERM").run();
        scheduler.runDue();
        Files.createFile(dir.resolve("release"));
        pumpUntil(exit::isDone, "supervisor done");
        assertThat(exit.join()).isZero();
        assertThat(events("start")).hasSize(1);
        assertThat(log.text()).contains("stopping: forwarding the signal to the command signal=SIGTERM");
    }

    // ---- the HTTP API while supervising (SIDECAR_EXEC_HTTP) ----

    private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();

    private java.net.http.HttpResponse<String> get(int port, String path, String token) {
        java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5));
        if (token != null) {
            b.header("X-Aws-Parameters-Secrets-Token", token);
        }
        try {
            return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether something accepts connections on the loopback port. */
    static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void execHttp_servesTheSecretsAndReadiness_whileTheCommandRuns_andStopsListening_whenItExits() throws Exception {
        Path out = Files.createDirectories(dir.resolve("secrets"));
        extraEnv.put("SIDECAR_OUTPUT_DIR", out.toString());
        extraEnv.put("SIDECAR_HTTP_PORT", "0");
        start(START + "while [ ! -e \"$OUT/quit\" ]; do sleep 0.05; done; exit 3", "--exec-http");
        int port = run.apiPort();
        assertThat(port).isPositive();
        // No token configured: one was generated into the output directory, as run does.
        String token = Files.readString(out.resolve(".token"));
        pumpUntil(() -> get(port, "/readyz", null).statusCode() == 200, "/readyz 200");
        assertThat(get(port, "/v1/secrets/PW", token).body()).isEqualTo("pw-one");
        assertThat(get(port, "/v1/secrets/PW", null).statusCode()).isEqualTo(401);
        assertThat(get(port, "/v1/secrets/PW", "wrong").statusCode()).isEqualTo(403);

        rotate("/app/pw", "pw-two");
        pumpUntil(() -> get(port, "/v1/secrets/PW", token).body().equals("pw-two"), "the rotated value served");
        awaitEvents("start", 2);
        assertThat(valueOf(events("start").get(1))).isEqualTo("pw-two");
        assertThat(get(port, "/readyz", null).statusCode()).isEqualTo(200);
        String metrics = get(port, "/metrics", null).body();
        assertThat(metrics).contains("ssm_sidecar_ready 1").doesNotContain("pw-one", "pw-two");

        Files.createFile(dir.resolve("quit"));
        pumpUntil(exit::isDone, "supervisor done");
        assertThat(exit.join()).isEqualTo(3);
        // The future completes once the API is closed: nothing listens any more.
        assertThat(listening(port)).isFalse();
        assertThat(log.text()).contains("http API on while supervising address=127.0.0.1 port=" + port)
                .contains("http API stopped");
    }

    @Test
    void execHttp_withAConfiguredToken_writesNoTokenFile_andSigtermStopsTheApiWithTheCommand() throws Exception {
        Path out = Files.createDirectories(dir.resolve("secrets"));
        extraEnv.put("SIDECAR_OUTPUT_DIR", out.toString());
        extraEnv.put("SIDECAR_HTTP_PORT", "0");
        extraEnv.put("SIDECAR_TOKEN", "configured-token-42");
        start(POLITE, "--exec-http");
        int port = run.apiPort();
        assertThat(get(port, "/v1/secrets/PW", "configured-token-42").body()).isEqualTo("pw-one");
        assertThat(out.resolve(".token")).doesNotExist();
        handlers.get("TERM").run();
        pumpUntil(exit::isDone, "supervisor done");
        assertThat(exit.join()).isZero();
        assertThat(events("term")).hasSize(1);
        assertThat(listening(port)).isFalse();
        assertThat(log.text()).contains("token=configured").doesNotContain("configured-token-42");
    }

    @Test
    void withoutExecHttp_nothingListens_andNoTokenIsWritten() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path out = Files.createDirectories(dir.resolve("secrets"));
        extraEnv.put("SIDECAR_OUTPUT_DIR", out.toString());
        extraEnv.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        start(POLITE);
        assertThat(Files.readString(out.resolve("PW"))).isEqualTo("pw-one");
        assertThat(run.apiPort()).isEqualTo(-1);
        assertThat(out.resolve(".token")).doesNotExist();
        assertThat(listening(port)).as("the configured port").isFalse();
        rotate("/app/pw", "pw-two");
        awaitEvents("start", 2);
        assertThat(listening(port)).isFalse();
        assertThat(log.text()).doesNotContain("http API");
    }

    private static boolean wholeLine(Path file) {
        try {
            return Files.readString(file).endsWith("\n");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
