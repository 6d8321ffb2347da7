package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalSsmExtension;
import io.ssmsidecar.testing.LocalWire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One owner per output directory, with real child JVMs: a second {@code run} started by mistake on a live directory
 * is refused with exit 6 and changes nothing (token, file list, mtimes), so the app keeps the token the running
 * sidecar checks; {@code init} then {@code run} on one volume (the init-container pattern) works; a holder killed with
 * SIGKILL leaves no lock behind.
 */
@ExtendWith(LeakWatch.class)
class SecondStartTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String VALUE = "second-start-secret-7f3a";

    @TempDir
    Path tmp;
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();
    private Path dir;
    private Path logs;

    @BeforeEach
    void seed() throws IOException {
        ssm.put("/second/db", VALUE, "SecureString");
        dir = tmp.resolve("out");
        logs = tmp.resolve("logs");
    }


    /** The generated-token set-up the issue describes: no SIDECAR_TOKEN, so each start writes {@code .token}. */
    private Map<String, String> env(int port) {
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.putAll(Map.of("DB", "ssm:///second/db", "SIDECAR_OUTPUT_DIR", dir.toString(),
                "SIDECAR_HTTP_PORT", Integer.toString(port), "SIDECAR_REFRESH_INTERVAL", "1h"));
        return env;
    }

    @Test
    void secondRun_onALiveDirectory_exits6_andChangesNothing_soTheAppKeepsItsToken() throws Exception {
        int port = freePort();
        try (ChildSidecar first = ChildSidecar.start(env(port), logs, "first")) {
            first.awaitLog("files written", DEADLINE);
            byte[] token = Files.readAllBytes(dir.resolve(".token"));
            Map<String, String> before = listing(dir);

            ChildSidecar second = ChildSidecar.start(env(port), logs, "second");
            int code = second.jvm.awaitExit(DEADLINE);
            second.close();

            Figures.record("second-start", "exit_code", code);
            assertThat(code).as(second.log()).isEqualTo(ExitCode.OUTPUT_IN_USE.code());
            assertThat(second.log()).contains("ssm-sidecar run: output directory " + dir + " is in use by another"
                    + " ssm-sidecar (pid " + first.pid() + "); nothing was changed");
            assertThat(Files.readAllBytes(dir.resolve(".token"))).as("the token file").isEqualTo(token);
            assertThat(listing(dir)).as("every entry, its size, mtime and link target").isEqualTo(before);
            Figures.record("second-start", "entries_changed", 0);

            // The app, reading the token from the file, still gets its secret from the running sidecar.
            Http http = new Http(port, new String(token, StandardCharsets.UTF_8).strip());
            assertThat(http.get("/v1/secrets/DB").statusCode()).isEqualTo(200);
            assertThat(http.get("/v1/secrets/DB").body()).isEqualTo(VALUE);
            assertThat(first.process.isAlive()).isTrue();
        }
    }

    @Test
    void init_thenRun_onOneVolume_works() throws Exception {
        ChildJvm init = ChildJvm.start(logs(), env(0), "init");
        LeakWatch.search("init stdout and stderr", init::output);
        assertThat(init.awaitExit(DEADLINE)).as(init.output()).isZero();
        assertThat(Files.readString(dir.resolve("DB"))).isEqualTo(VALUE);

        try (ChildSidecar run = ChildSidecar.start(env(0), logs, "run-after-init")) {
            run.awaitLog("files written", DEADLINE);
            assertThat(Files.readString(dir.resolve(".lock")).strip()).isEqualTo(Long.toString(run.pid()));
            assertThat(Files.readString(dir.resolve("DB"))).isEqualTo(VALUE);
        }
    }

    @Test
    void aHolderKilledWithSigkill_leavesNoLock_theNextRunTakesTheDirectory() throws Exception {
        try (ChildSidecar first = ChildSidecar.start(env(0), logs, "killed")) {
            first.awaitLog("files written", DEADLINE);
            first.kill9();
        }
        try (ChildSidecar next = ChildSidecar.start(env(0), logs, "after-kill")) {
            next.awaitLog("files written", DEADLINE);
            assertThat(Files.readString(dir.resolve(".lock")).strip()).isEqualTo(Long.toString(next.pid()));
        }
    }

    private Path logs() throws IOException {
        return Files.createDirectories(logs);
    }

    /** Every entry below {@code root} (links not followed) with its type, size, mtime and link target. */
    private static Map<String, String> listing(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.forEach(p -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    String target = a.isSymbolicLink() ? " -> " + Files.readSymbolicLink(p) : "";
                    out.put(root.relativize(p).toString(), a.size() + " " + a.lastModifiedTime().toInstant() + target);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
