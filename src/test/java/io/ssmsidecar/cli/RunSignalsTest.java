package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} in a real child JVM against the local SSM endpoint in this JVM: SIGHUP refreshes at once (the rotated
 * value reaches the file without waiting for the interval), SIGTERM stops it gracefully with exit code 0.
 */
class RunSignalsTest {
    private static final String MARK = "s3kr1t";

    @TempDir
    Path tmp;

    private Path out;
    private Path childLog;
    private WatchService watch;
    /** Lines of the child's log already matched by {@link #awaitLine}. */
    private int consumed;

    /**
     * Waits for the next line of the child's log (redirected to a file, so nothing is lost when it exits) that
     * contains {@code text}, woken by file-system events rather than polling.
     */
    private String awaitLine(String text) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            List<String> lines = Files.readAllLines(childLog);
            for (int i = consumed; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    consumed = i + 1;
                    return lines.get(i);
                }
            }
            WatchKey key = watch.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (key == null) {
                throw new AssertionError("the child never logged '" + text + "'; it logged:\n" + String.join("\n", lines));
            }
            key.pollEvents();
            key.reset();
        }
    }

    @Test
    void sighup_refreshesAtOnce_andSigterm_stopsWithExitCode0() throws Exception {
        out = Files.createDirectory(tmp.resolve("out"));
        childLog = tmp.resolve("child.log");
        Files.createFile(childLog);
        try (WatchService events = tmp.getFileSystem().newWatchService(); LocalSsm ssm = LocalSsm.start()) {
            watch = events;
            tmp.register(watch, StandardWatchEventKinds.ENTRY_MODIFY);
            ssm.put("/app/db/password", MARK + "-1", "SecureString");
            String java = ProcessHandle.current().info().command().orElseThrow();
            ProcessBuilder pb = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), "io.ssmsidecar.Main", "run")
                    .redirectErrorStream(true).redirectOutput(childLog.toFile());
            Map<String, String> env = pb.environment();
            env.keySet().removeIf(k -> k.startsWith("SIDECAR_") || k.startsWith("AWS_"));
            env.putAll(LocalWire.env(ssm));
            env.put("DB_PASSWORD", "ssm:///app/db/password");
            env.put("SIDECAR_OUTPUT_DIR", out.toString());
            env.put("SIDECAR_HTTP_PORT", "0");
            env.put("SIDECAR_TOKEN", "signals-test-token-0123456789");
            Process child = pb.start();
            try {
                awaitLine("files written");
                assertThat(Files.readString(out.resolve("DB_PASSWORD"))).isEqualTo(MARK + "-1");

                ssm.put("/app/db/password", MARK + "-2", "SecureString");
                Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -HUP").isTrue();
                awaitLine("SIGHUP: refreshing now");
                awaitLine("secrets changed");
                assertThat(Files.readString(out.resolve("DB_PASSWORD"))).isEqualTo(MARK + "-2");
                assertThat(child.isAlive()).as("SIGHUP does not stop the daemon").isTrue();

                long stopAt = System.nanoTime();
                child.destroy(); // SIGTERM
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("stops within 20 s of SIGTERM").isTrue();
                System.out.printf("run stopped %d ms after SIGTERM%n", (System.nanoTime() - stopAt) / 1_000_000);
                assertThat(child.exitValue()).isZero();
                awaitLine("stopping");
                awaitLine("stopped");
                assertThat(Files.readString(childLog)).as("no value in the child's logs").doesNotContain(MARK);
                assertThat(ssm.counters().calls("GetParameters")).as("the first load and the SIGHUP refresh").isEqualTo(2);
            } finally {
                child.destroyForcibly();
            }
        }
    }
}
