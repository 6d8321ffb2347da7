package io.ssmsidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real CLI in a child JVM ({@code io.ssmsidecar.cli.Main} on this test's class path) with an environment of the
 * test's choosing and its stdout/stderr captured to files, for signals, exit codes and log-leak checks.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildJvm(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code ssm-sidecar ARGS} with exactly {@code env} (plus PATH), output captured under {@code dir}. */
    public static ChildJvm start(Path dir, Map<String, String> env, String... args) {
        return start(Path.of(ProcessHandle.current().info().command().orElseThrow()), List.of(), dir, env, args);
    }

    /** As {@link #start(Path, Map, String...)}, on the JVM {@code java} (e.g. another JDK) with extra {@code jvmFlags}. */
    public static ChildJvm start(Path java, List<String> jvmFlags, Path dir, Map<String, String> env, String... args) {
        return start(java, jvmFlags, System.getProperty("java.class.path"), dir, env, args);
    }

    /** As {@link #start(Path, List, Path, Map, String...)} with its own {@code classPath} (e.g. jars for a CDS archive). */
    public static ChildJvm start(Path java, List<String> jvmFlags, String classPath, Path dir, Map<String, String> env,
                                 String... args) {
        List<String> cmd = new ArrayList<>(List.of(java.toString(),
                "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", classPath, "io.ssmsidecar.cli.Main"));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "child-", ".out");
            Path err = Files.createTempFile(dir, "child-", ".err");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            pb.environment().putAll(env);
            return new ChildJvm(pb.start(), out, err);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    public String stdout() {
        return read(stdout);
    }

    public String stderr() {
        return read(stderr);
    }

    /** Everything the child printed, for leak searches and failure messages. */
    public String output() {
        return stdout() + stderr();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Sends a signal by name (TERM, HUP, KILL, ...) with /bin/kill. */
    public void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -s " + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Waits for the exit code, failing the test if the child is still running after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("child did not exit within " + timeout + "; output:\n" + output());
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
