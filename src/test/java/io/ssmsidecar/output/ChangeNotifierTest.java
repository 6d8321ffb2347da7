package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.Docs;
import io.ssmsidecar.testing.LoopbackReceiver;
import io.ssmsidecar.testing.LoopbackReceiver.Request;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Change notifications on virtual time: a real HTTP receiver on loopback, real {@code /bin/sh} children for the
 * command, real processes receiving real signals. The window and the URL retries run on a {@link ManualScheduler};
 * only the children themselves run in real time, and every wait on them has a deadline.
 */
class ChangeNotifierTest {
    private static final Duration WINDOW = Duration.ofSeconds(1);
    private static final String DB_VALUE = "db-Sup3r-s3cret-value";
    private static final String API_VALUE = "api-Sup3r-s3cret-value";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<String> notifications = Collections.synchronizedList(new ArrayList<>());
    private final Metrics metrics = new Metrics() {
        @Override
        public void notification(String channel, boolean success) {
            notifications.add(channel + ":" + (success ? "ok" : "failed"));
        }
    };
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private final List<Request> received = Collections.synchronizedList(new ArrayList<>());
    private final List<Process> children = new ArrayList<>();
    private final List<ProcessHandle> sleepers = new ArrayList<>();
    private LoopbackReceiver receiver;
    private CapturedLog log;
    private ChangeNotifier notifier;
    private Duration window = WINDOW;

    @BeforeEach
    void start() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        receiver = LoopbackReceiver.start("/changed", request -> {
            received.add(request);
            Integer status = answers.poll();
            return status == null ? 204 : status;
        });
    }

    @AfterEach
    void stop() {
        receiver.close();
        children.forEach(Process::destroyForcibly);
        sleepers.forEach(ProcessHandle::destroyForcibly);
        log.close();
        assertThat(log.text()).as("no value in any log line").doesNotContain(DB_VALUE).doesNotContain(API_VALUE)
                .doesNotContain("Sup3r");
    }

    private URI url() {
        return receiver.url();
    }

    private ChangeNotifier notifier(Optional<URI> url, Optional<String> command, Optional<String> signal,
                                    Optional<Path> pidFile, Optional<String> process, Duration commandTimeout,
                                    int urlAttempts) {
        notifier = new ChangeNotifier(new ChangeNotifier.Options(url, command, signal, pidFile, process, window,
                commandTimeout, urlAttempts), scheduler, clock, metrics, new SplittableRandom(3));
        return notifier;
    }

    private ChangeNotifier urlNotifier(int attempts) {
        return notifier(Optional.of(url()), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(5), attempts);
    }

    private ChangeNotifier commandNotifier(String command, Duration timeout) {
        return notifier(Optional.empty(), Optional.of(command), Optional.empty(), Optional.empty(), Optional.empty(),
                timeout, 1);
    }

    /** DB version {@code dbVersion}, and API from Secrets Manager (version 1 with a VersionId). */
    private static Snapshot snapshot(long generation, long dbVersion) {
        Instant t = Instant.parse("2026-11-26T12:00:00Z");
        Map<String, Secret> secrets = new TreeMap<>();
        secrets.put("DB", new Secret("DB", "/app/db", SecretValue.of(DB_VALUE + dbVersion), dbVersion, null, t, t, null));
        secrets.put("API", new Secret("API", "/aws/reference/secretsmanager/app/api", SecretValue.of(API_VALUE), 1,
                "a1b2c3d4-5678", t, t, null));
        return new Snapshot(secrets, t, generation);
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static Map<String, JsonNode> changedByKey(JsonNode body) {
        Map<String, JsonNode> out = new TreeMap<>();
        body.get("changed").forEach(entry -> out.put(entry.get("key").asText(), entry));
        return out;
    }

    // ---- URL ----

    @Test
    void body_carriesTheChangeNumber_notTheNumberOfRefreshes() {
        Snapshot s = snapshot(7, 3);
        Snapshot afterTwelveSwapsAndThreeChanges = new Snapshot(s.secrets(), s.takenAt(), 12, 3);
        assertThat(json(urlNotifier(5).body(afterTwelveSwapsAndThreeChanges, Set.of("DB")))
                .get("generation").asLong()).isEqualTo(3);
    }

    @Test
    void url_postsChangedKeysAndVersions_neverValues_whenTheWindowEnds() {
        urlNotifier(5).changed(snapshot(7, 3), Set.of("DB", "API"));

        scheduler.advance(WINDOW.minusMillis(1));
        assertThat(received).as("nothing before the window ends").isEmpty();
        scheduler.advance(Duration.ofMillis(1));

        assertThat(received).hasSize(1);
        Request r = received.get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.body()).doesNotContain(DB_VALUE).doesNotContain(API_VALUE).doesNotContain("Sup3r");
        JsonNode body = json(r.body());
        assertThat(body.get("generation").asLong()).isEqualTo(7);
        Map<String, JsonNode> changed = changedByKey(body);
        assertThat(changed).containsOnlyKeys("API", "DB");
        assertThat(changed.get("DB").get("parameter").asText()).isEqualTo("/app/db");
        assertThat(changed.get("DB").get("version").asLong()).isEqualTo(3);
        assertThat(changed.get("API").get("versionId").asText()).isEqualTo("a1b2c3d4-5678");
        assertThat(notifications).containsExactly("url:ok");
        assertThat(log.text()).contains("change notification sent").contains("keys=API,DB");
    }

    @Test
    void url_isRetriedWithGrowingJitteredDelays_on500_thenSucceeds() {
        answers.addAll(List.of(500, 500, 503, 200));
        urlNotifier(5).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(WINDOW);
        List<Duration> gaps = new ArrayList<>();
        while (scheduler.nextDue() != null) {
            gaps.add(Duration.between(clock.instant(), scheduler.nextDue()));
            scheduler.advanceTo(scheduler.nextDue());
        }

        assertThat(received).hasSize(4);
        assertThat(received).extracting(r -> json(r.body()).get("changed"))
                .as("every attempt carries the same change").containsOnly(json(received.get(0).body()).get("changed"));
        Backoff backoff = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));
        assertThat(gaps).hasSize(3);
        for (int i = 0; i < gaps.size(); i++) {
            assertThat(gaps.get(i)).as("delay before attempt %d", i + 2)
                    .isBetween(backoff.cap(i).dividedBy(10), backoff.cap(i));
        }
        assertThat(notifications).containsExactly("url:ok");
        assertThat(log.text()).contains("reason=\"status 500\"").contains("attempt=4");
    }

    @Test
    void url_givesUpAfterItsAttempts_andTheUnacceptedKeysGoOutWithTheNextChange() {
        answers.addAll(List.of(500, 500, 500));
        urlNotifier(3).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(Duration.ofMinutes(5));

        assertThat(received).as("exactly the allowed attempts").hasSize(3);
        assertThat(scheduler.nextDue()).as("nothing left scheduled").isNull();
        assertThat(notifications).containsExactly("url:failed");
        assertThat(log.text()).contains("ERROR").contains("giving up until the next change");

        notifier.changed(snapshot(3, 2), Set.of("API"));
        scheduler.advance(WINDOW);

        assertThat(received).hasSize(4);
        assertThat(changedByKey(json(received.get(3).body()))).containsOnlyKeys("API", "DB");
        assertThat(notifications).containsExactly("url:failed", "url:ok");
    }

    @Test
    void url_newerChange_replacesAPendingRetry_andCarriesBothKeys() {
        window = Duration.ZERO; // so the second change goes out while the first one's retry is still waiting
        answers.addAll(List.of(500, 200));
        urlNotifier(5).changed(snapshot(2, 2), Set.of("DB"));
        scheduler.runDue();
        assertThat(received).hasSize(1);
        assertThat(scheduler.nextDue()).as("a retry is waiting").isAfter(clock.instant());

        notifier.changed(snapshot(3, 3), Set.of("API"));
        scheduler.runDue();
        scheduler.advance(Duration.ofMinutes(1));

        assertThat(received).as("the retry was superseded, not sent as well").hasSize(2);
        JsonNode last = json(received.get(1).body());
        assertThat(changedByKey(last)).containsOnlyKeys("API", "DB");
        assertThat(changedByKey(last).get("DB").get("version").asLong()).as("the latest version").isEqualTo(3);
    }

    @Test
    void theReadmesBodyExample_isWhatTheNotifierSends() throws IOException {
        String readme = Docs.section("rotation.md", "Notifications");
        int start = readme.indexOf("```json\n") + "```json\n".length();
        JsonNode documented = json(readme.substring(start, readme.indexOf("```", start)));
        clock.set(Instant.parse("2026-03-01T10:15:31Z"));
        Map<String, Secret> secrets = new TreeMap<>();
        secrets.put("DB_PASSWORD", new Secret("DB_PASSWORD", "/prod/db/password", SecretValue.of(DB_VALUE), 4, null,
                clock.instant(), clock.instant(), null));
        secrets.put("API_KEY", new Secret("API_KEY", "/aws/reference/secretsmanager/prod/api", SecretValue.of(API_VALUE),
                0, "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", clock.instant(), clock.instant(), null));

        String body = urlNotifier(1).body(new Snapshot(secrets, clock.instant(), 42),
                Set.of("DB_PASSWORD", "API_KEY", "OLD_FLAG"));

        assertThat(json(body)).isEqualTo(documented);
    }

    // ---- coalescing ----

    @Test
    void changesWithinTheWindow_makeOneNotification_withTheUnionOfKeys() throws Exception {
        Path out = dir.resolve("runs");
        notifier(Optional.of(url()), Optional.of("printf '%s\\n' \"$SIDECAR_CHANGED_KEYS\" >> '" + out + "'"),
                Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofSeconds(10), 3);

        notifier.changed(snapshot(2, 2), Set.of("DB"));
        scheduler.advance(Duration.ofMillis(300));
        notifier.changed(snapshot(3, 2), Set.of("API"));
        scheduler.advance(Duration.ofMillis(300));
        notifier.changed(snapshot(4, 3), Set.of("DB"));
        scheduler.advance(Duration.ofMinutes(1));

        assertThat(received).hasSize(1);
        JsonNode body = json(received.get(0).body());
        assertThat(body.get("generation").asLong()).isEqualTo(4);
        assertThat(changedByKey(body)).containsOnlyKeys("API", "DB");
        assertThat(changedByKey(body).get("DB").get("version").asLong()).isEqualTo(3);
        assertThat(Files.readAllLines(out)).containsExactly("API,DB");
        assertThat(notifications).containsExactlyInAnyOrder("url:ok", "command:ok");

        notifier.changed(snapshot(5, 4), Set.of("DB"));
        scheduler.advance(WINDOW);
        assertThat(received).as("a change after the window opens a new one").hasSize(2);
        assertThat(Files.readAllLines(out)).containsExactly("API,DB", "DB");
    }

    @Test
    void noKeys_orNoChannel_sendsNothing() {
        urlNotifier(3).changed(snapshot(2, 2), Set.of());
        notifier(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(1), 1).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(Duration.ofMinutes(1));

        assertThat(received).isEmpty();
        assertThat(notifications).isEmpty();
    }

    // ---- command ----

    @Test
    void command_runsThroughTheShell_withTheChangedKeys_andItsExitStatusIsLogged() throws IOException {
        Path out = dir.resolve("keys");
        commandNotifier("printf '%s' \"$SIDECAR_CHANGED_KEYS\" > '" + out + "'; exit 3", Duration.ofSeconds(10))
                .changed(snapshot(2, 2), Set.of("DB", "API"));

        scheduler.advance(WINDOW);

        assertThat(Files.readString(out)).isEqualTo("API,DB");
        assertThat(log.text()).contains("ERROR").contains("change command finished").contains("exit=3");
        assertThat(notifications).containsExactly("command:failed");
    }

    @Test
    void command_thatSucceeds_isLoggedAtInfo_withExit0() {
        commandNotifier("true", Duration.ofSeconds(10)).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(WINDOW);

        assertThat(log.text()).contains("INFO").contains("change command finished").contains("exit=0");
        assertThat(notifications).containsExactly("command:ok");
    }

    @Test
    void command_runningPastItsTimeout_isKilled_withItsChildren() throws Exception {
        Path pid = dir.resolve("sleeper.pid");
        commandNotifier("sleep 60 & echo $! > '" + pid + "'; wait", Duration.ofMillis(500))
                .changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(WINDOW);

        assertThat(notifications).containsExactly("command:failed");
        assertThat(log.text()).contains("change command timed out; killed").contains("timeout_ms=500");
        long sleeper = Long.parseLong(Files.readString(pid).trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(ProcessHandle.of(sleeper).map(ProcessHandle::isAlive).orElse(false))
                .as("the command's own child is killed too").isFalse();
    }

    // ---- signal ----

    /**
     * A child shell that writes {@code marker} and exits 0 when it gets SIGHUP; it prints "ready" once its trap is
     * set, and this waits for that line, so the signal can never arrive before the trap. It forks once, before
     * "ready", and this also waits until that fork has become {@code sleep}: a fork not yet exec'd still carries the
     * shell's name, and a notifier looking processes up by name would rightly signal it too.
     */
    private Process hupCatcher(String shell, Path marker) throws IOException {
        String script = "trap 'echo hup > \"" + marker + "\"; exit 0' HUP; sleep 600 & echo ready; wait $!; exit 9";
        Process p = new ProcessBuilder(shell, "-c", script).redirectErrorStream(true).start();
        children.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        Await.until(Duration.ofSeconds(20),
                () -> p.children().anyMatch(c -> c.info().command().filter(cmd -> cmd.endsWith("/sleep")).isPresent()),
                () -> "the shell's fork did not become sleep");
        p.children().forEach(sleepers::add);
        return p;
    }

    private static void assertCaughtHup(Process p, Path marker) throws Exception {
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("the child got the signal and exited").isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(Files.readString(marker)).isEqualTo("hup\n");
    }

    @Test
    void signal_reachesTheProcessNamedByThePidFile() throws Exception {
        Path marker = dir.resolve("marker");
        Process child = hupCatcher("/bin/sh", marker);
        Path pidFile = dir.resolve("app.pid");
        Files.writeString(pidFile, child.pid() + "\n");
        notifier(Optional.empty(), Optional.empty(), Optional.of("HUP"), Optional.of(pidFile), Optional.empty(),
                Duration.ofSeconds(1), 1).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(WINDOW);

        assertCaughtHup(child, marker);
        assertThat(notifications).containsExactly("signal:ok");
        assertThat(log.text()).contains("signal sent").contains("pid=" + child.pid());
    }

    @Test
    void signal_reachesTheProcessFoundByItsCommandName() throws Exception {
        String name = "ssmsc" + (ProcessHandle.current().pid() % 100_000) + "x" + (System.nanoTime() % 1000);
        Path shell = dir.resolve(name);
        Files.copy(Path.of("/bin/sh"), shell);
        Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwx------"));
        Path marker = dir.resolve("marker");
        Process child = hupCatcher(shell.toString(), marker);
        notifier(Optional.empty(), Optional.empty(), Optional.of("HUP"), Optional.empty(), Optional.of(name),
                Duration.ofSeconds(1), 1);
        assertThat(notifier.targets()).containsExactly(child.pid());

        notifier.changed(snapshot(2, 2), Set.of("DB"));
        scheduler.advance(WINDOW);

        assertCaughtHup(child, marker);
        assertThat(notifications).containsExactly("signal:ok");
    }

    @Test
    void signal_withNoProcessToFind_isReportedAsAFailure() {
        notifier(Optional.empty(), Optional.empty(), Optional.of("USR1"), Optional.of(dir.resolve("missing.pid")),
                Optional.empty(), Duration.ofSeconds(1), 1).changed(snapshot(2, 2), Set.of("DB"));

        scheduler.advance(WINDOW);

        assertThat(notifications).containsExactly("signal:failed");
        assertThat(log.text()).contains("pid file unreadable").contains("no process to signal");
    }
}
