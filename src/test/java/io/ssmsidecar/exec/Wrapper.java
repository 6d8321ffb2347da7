package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ssm-sidecar exec} in a real child JVM, started from this test JVM's class path: {@link #REPLACE} on a
 * JDK 22+ (this one, or the image's JDK 25), {@link #SPAWN} on this JVM when it is older, else forced by the
 * {@code ssmsidecar.exec.mode} property. Output goes to files in the test's directory.
 */
record Wrapper(String mode, Path java, List<String> jvmFlags) {
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    static final Duration DEADLINE = Duration.ofSeconds(60);

    static Path currentJava() {
        return Path.of(ProcessHandle.current().info().command().orElseThrow());
    }

    /** A JVM that replaces itself with the command, or null when none is installed. */
    static Wrapper replace() {
        Path java = Runtime.version().feature() >= 22 ? currentJava() : Files.isExecutable(JDK25) ? JDK25 : null;
        return java == null ? null : new Wrapper("replace", java, List.of("--enable-native-access=ALL-UNNAMED"));
    }

    /** A JVM that runs the command as its child and forwards signals. */
    static Wrapper spawn() {
        return Runtime.version().feature() >= 22
                ? new Wrapper("spawn", currentJava(), List.of("-D" + Launcher.MODE_PROPERTY + "=spawn"))
                : new Wrapper("spawn", currentJava(), List.of());
    }

    static List<Wrapper> all() {
        List<Wrapper> out = new ArrayList<>();
        if (replace() != null) {
            out.add(replace());
        }
        out.add(spawn());
        return out;
    }

    @Override
    public String toString() {
        return mode + " (" + java + ")";
    }

    /** Starts {@code exec ARGS} with exactly {@code env}, stdout and stderr to files in {@code dir}. */
    Started start(Path dir, Map<String, String> env, List<String> execArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-XX:TieredStopAtLevel=1");
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.ssmsidecar.Main");
        command.add("exec");
        command.addAll(execArgs);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().putAll(env);
        Path out = dir.resolve("wrapper.out");
        Path err = dir.resolve("wrapper.err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
        return new Started(builder.start(), out, err);
    }

    /** A running wrapper. */
    record Started(Process process, Path out, Path err) {
        int awaitExit() throws Exception {
            if (!process.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the wrapper did not exit within " + DEADLINE + "; stderr: " + stderr());
            }
            return process.exitValue();
        }

        /** Waits until {@code file} exists (written by the command); fails early if the wrapper ends first. */
        void awaitFile(Path file) throws Exception {
            Instant deadline = Instant.now().plus(DEADLINE);
            while (!Files.exists(file)) {
                if (Instant.now().isAfter(deadline)) {
                    fail(file + " did not appear within " + DEADLINE + "; stderr: " + stderr());
                }
                if (process.waitFor(10, TimeUnit.MILLISECONDS) && !Files.exists(file)) {
                    fail("the wrapper exited with " + process.exitValue() + " before " + file + " appeared; stderr: "
                            + stderr());
                }
            }
        }

        String stdout() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        String stderr() throws IOException {
            return Files.readString(err, StandardCharsets.UTF_8);
        }
    }
}
