package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The launchers with real processes: a child JVM runs {@code exec} and a {@code /bin/sh} command reports what it got
 * (environment, pid, descriptors, signal mask, signals) through files. No SSM here: see {@code ExecEndToEndTest}.
 */
class ExecProcessTest extends ChildExecTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void literalVariables_reachTheCommandByteForByte(Wrapper wrapper) throws Exception {
        Map<String, String> env = baseEnv();
        env.put("EQUALS", "a=b==c=");
        env.put("NEWLINES", "line1\nline2\r\n\n");
        env.put("UNICODE", "pässwörd ✓ 😀");
        env.put("BIG", ExecTest.BIG);
        env.put("EMPTY", "");
        env.put("LOOKS_LIKE", "ssm:/not-a-reference");
        ChildJvm w = start(wrapper, env,
                sh("cat /proc/$$/environ > \"$OUT/environ.tmp\" && mv \"$OUT/environ.tmp\" \"$OUT/environ\""));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        Map<String, byte[]> got = environOf(dir.resolve("environ"));
        env.forEach((k, v) -> assertThat(got.get(k)).as(k).isEqualTo(v.getBytes(StandardCharsets.UTF_8)));
        assertThat(got.keySet()).as("no variable added or lost").containsExactlyInAnyOrderElementsOf(env.keySet());
        assertThat(w.stderr()).isEmpty();
    }

    @Test
    void replace_passesNonAsciiLiterals_intactUnderThePosixLocale() throws Exception {
        Wrapper wrapper = Wrapper.replace();
        assumeTrue(wrapper != null, "needs a JDK 22+");
        Map<String, String> env = baseEnv();
        env.remove("LANG");
        env.put("UNICODE", "pässwörd ✓ 😀");
        ChildJvm w = start(wrapper, env, List.of("--", "sh", "-c",
                "cat /proc/$$/environ > \"$OUT/environ\"; printf %s \"$1\" > \"$OUT/arg\"", "sh", "ärg ✓"));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(environOf(dir.resolve("environ")).get("UNICODE"))
                .isEqualTo("pässwörd ✓ 😀".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(dir.resolve("arg"), StandardCharsets.UTF_8)).isEqualTo("ärg ✓");
    }

    @Test
    void replace_commandKeepsTheWrappersPid_andStartsWithNoSignalBlockedOrIgnored() throws Exception {
        Wrapper wrapper = Wrapper.replace();
        assumeTrue(wrapper != null, "needs a JDK 22+");
        // grep reads its own status after exec (same pid, same mask): reading the shell's from a child raced with
        // dash blocking every signal around its fork, and failed now and then on a busy machine.
        ChildJvm w = start(wrapper, baseEnv(), sh("echo $$; exec grep -E '^Sig(Blk|Ign):' /proc/self/status"));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        List<String> lines = w.stdout().lines().toList();
        assertThat(lines.get(0)).isEqualTo(Long.toString(w.pid()));
        assertThat(lines.get(1)).isEqualTo("SigBlk:\t0000000000000000");
        // Ignored signals are inherited as POSIX says (this test JVM's launcher ignores glibc's internal 32 and 33);
        // none of the six that matter to an app is.
        long ignored = Long.parseUnsignedLong(lines.get(2).substring("SigIgn:\t".length()), 16);
        long six = 1L << (1 - 1) | 1L << (2 - 1) | 1L << (3 - 1) | 1L << (10 - 1) | 1L << (12 - 1) | 1L << (15 - 1);
        assertThat(ignored & six).isZero();
    }

    @Test
    void replaceFallsBackToSpawn_whenNativeAccessIsDenied() throws Exception {
        Wrapper replace = Wrapper.replace();
        assumeTrue(replace != null, "needs a JDK 22+");
        assumeTrue(replace.java().equals(Wrapper.JDK25) || Runtime.version().feature() >= 24,
                "--illegal-native-access needs a JDK 24+");
        Wrapper denied = new Wrapper("denied", replace.java(), List.of("--illegal-native-access=deny"));
        ChildJvm w = start(denied, baseEnv(), sh("echo $$; exit 5"));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(5);
        assertThat(w.stdout().trim()).isNotEqualTo(Long.toString(w.pid()));
        assertThat(w.stderr()).isEmpty();
    }

    @Test
    void spawn_runsTheCommandAsAChild() throws Exception {
        ChildJvm w = start(Wrapper.spawn(), baseEnv(), sh("echo $$"));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(w.stdout().trim()).isNotEqualTo(Long.toString(w.pid()));
    }

    /** {@code ls} lists its own descriptors: 0-2, plus 3 for the directory it reads. A leaked one would show up too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void commandGetsNoDescriptorOfTheJvm(Wrapper wrapper) throws Exception {
        ChildJvm w = start(wrapper, baseEnv(), List.of("--", "ls", "/proc/self/fd"));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(w.stdout().lines()).containsExactlyInAnyOrder("0", "1", "2", "3");
    }

    static Stream<Arguments> exitCodes() {
        List<Arguments> out = new ArrayList<>();
        for (Wrapper w : Wrapper.all()) {
            for (int code : new int[] {0, 3, 42}) {
                out.add(Arguments.of(w, code));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: exit {1}")
    @MethodSource("exitCodes")
    void wrapperExitsWithTheCommandsExitCode(Wrapper wrapper, int code) throws Exception {
        ChildJvm w = start(wrapper, baseEnv(), sh("echo out; echo err >&2; exit " + code));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(code);
        assertThat(w.stdout()).isEqualTo("out\n");
        assertThat(w.stderr()).isEqualTo("err\n");
    }

    static Stream<Arguments> deaths() {
        List<Arguments> out = new ArrayList<>();
        for (Wrapper w : Wrapper.all()) {
            out.add(Arguments.of(w, "TERM", 15));
            out.add(Arguments.of(w, "USR1", 10));
            out.add(Arguments.of(w, "KILL", 9));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: SIG{1}")
    @MethodSource("deaths")
    void commandKilledBySignalN_makesTheWrapperReport128PlusN(Wrapper wrapper, String signal, int number)
            throws Exception {
        ChildJvm w = start(wrapper, baseEnv(), sh("kill -s " + signal + " $$"));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(128 + number);
    }

    static Stream<Arguments> forwardedSignals() {
        List<Arguments> out = new ArrayList<>();
        Wrapper replace = Wrapper.replace();
        if (replace != null) {
            for (String s : List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2")) {
                out.add(Arguments.of(replace, s));
            }
        }
        for (String s : SignalForwarder.SIGNALS) {
            out.add(Arguments.of(Wrapper.spawn(), s));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: SIG{1}")
    @MethodSource("forwardedSignals")
    void signalSentToTheWrapper_reachesTheCommand(Wrapper wrapper, String signal) throws Exception {
        Path ready = dir.resolve("ready");
        Path got = dir.resolve("got");
        String script = "trap 'echo " + signal + " > \"$OUT/got.tmp\"; mv \"$OUT/got.tmp\" \"$OUT/got\"; exit 7' "
                + signal + "; echo $$ > \"$OUT/ready.tmp\"; mv \"$OUT/ready.tmp\" \"$OUT/ready\"; "
                + "while :; do sleep 1 & wait $!; done";
        ChildJvm w = start(wrapper, baseEnv(), sh(script));
        Await.until(DEADLINE, () -> Files.exists(ready) || !w.process().isAlive(), w::output);
        assertThat(ready).as(w.output()).exists();
        w.signal(signal);
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isEqualTo(7);
        assertThat(Files.readString(got).trim()).isEqualTo(signal);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void missingCommand_exits127(Wrapper wrapper) throws Exception {
        ChildJvm w = start(wrapper, baseEnv(), List.of("--", "no-such-command-anywhere"));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(w.stderr()).isEqualTo("ssm-sidecar exec: command 'no-such-command-anywhere' not found in "
                + "PATH=/usr/local/bin:/usr/bin:/bin\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void nonExecutableCommand_exits126(Wrapper wrapper) throws Exception {
        Path script = dir.resolve("not-executable.sh");
        Files.writeString(script, "#!/bin/sh\ntouch \"$OUT/ran\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        ChildJvm w = start(wrapper, baseEnv(), List.of("--", script.toString()));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.EXEC_CANNOT_RUN.code());
        assertThat(w.stderr()).isEqualTo("ssm-sidecar exec: cannot run '" + script + "': not executable\n");
        assertThat(dir.resolve("ran")).doesNotExist();
    }
}
