package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code exec} started by a shell with a standard stream closed ({@code <&-}, {@code >&-}, {@code 2>&-}): the JVM gets
 * that number for its own files (the module image, the jar), and the command must get {@code /dev/null} there
 * instead (issue 18, item 11). The command (a shell) writes the listing of its own
 * descriptors ({@code ls -l /proc/$$/fd}, run in a command substitution before any redirection) to a file.
 */
class ClosedStreamsTest extends ChildExecTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Wrapper w : Wrapper.all()) {
            out.add(Arguments.of(w, 0, "<&-"));
            out.add(Arguments.of(w, 1, ">&-"));
            out.add(Arguments.of(w, 2, "2>&-"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("cases")
    void closedStream_isDevNullForTheCommand(Wrapper wrapper, int fd, String redirection) throws Exception {
        assertDevNull(wrapper, fd, redirection, baseEnv(), List.of());
    }

    /** {@code --restart-on-change} starts the command as its child, with {@code ProcessBuilder}, on any JDK. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"<&-", ">&-"})
    void closedStream_isDevNullForASupervisedCommand(String redirection) throws Exception {
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/app/db/password", "first-secret", "SecureString");
            Map<String, String> env = baseEnv();
            env.putAll(LocalWire.env(ssm));
            env.put("DB_PASSWORD", "ssm:///app/db/password");
            Wrapper replace = Wrapper.replace();
            assertDevNull(replace != null ? replace : Wrapper.spawn(), redirection.startsWith("<") ? 0 : 1,
                    redirection, env, List.of("--restart-on-change"));
        }
    }

    private void assertDevNull(Wrapper wrapper, int fd, String redirection, Map<String, String> env,
                               List<String> execFlags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec \"$@\" " + redirection, "sh",
                wrapper.java().toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(wrapper.jvmFlags());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ssmsidecar.cli.Main",
                "exec"));
        cmd.addAll(execFlags);
        cmd.addAll(List.of("--", "sh", "-c", "l=$(ls -l /proc/$$/fd); printf '%s\\n' \"$l\" > \"$OUT/fds\""));
        Path log = dir.resolve("wrapper.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (fd != 0) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        pb.redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("exec ended").isTrue();
            assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        } finally {
            p.destroyForcibly();
        }
        String listing = Files.readString(dir.resolve("fds"));
        String line = listing.lines().filter(l -> l.contains(" " + fd + " -> ")).findFirst().orElse("(none)");
        assertThat(line).as(listing).endsWith(" " + fd + " -> /dev/null");
        assertThat(listing).doesNotContain("lib/modules").doesNotContain(".jar");
    }
}
