package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code exec} end to end: a child JVM resolves its environment through the real AWS SDK against the local SSM
 * endpoint on loopback, then a {@code /bin/sh} command reports what it received. Failures are checked for what
 * they print (variable, parameter, reason) and for what they must never print (a value).
 */
class ExecEndToEndTest extends ChildExecTest {
    private static final String UNICODE = "pässwörd ✓ 😀 日本";
    private static final String NEWLINES = "line1\nline2\r\n\tindented\n";
    private static final String EQUALS = "a=b==c=";
    private static final String DB_JSON = "{\"username\":\"app-user\",\"password\":\"db-pa55\"}";
    /** The values a failure message must never show. */
    private static final List<String> VALUES = List.of(UNICODE, "pässwörd", "line1", EQUALS, "app-user", "db-pa55",
            "present-value", "file-value", "env-value");

    private static LocalSsm ssm;

    @BeforeAll
    static void startSsm() throws Exception {
        ssm = LocalSsm.start();
        ssm.put("/e2e/unicode", UNICODE, "SecureString");
        ssm.put("/e2e/newlines", NEWLINES, "SecureString");
        ssm.put("/e2e/equals", EQUALS, "String");
        ssm.put("/e2e/big", ExecTest.BIG, "SecureString");
        ssm.put("/e2e/db", DB_JSON, "SecureString");
        ssm.put("/e2e/present", "present-value", "SecureString");
        ssm.put("/e2e/from-file", "file-value", "SecureString");
        ssm.put("/e2e/from-env", "env-value", "SecureString");
        ssm.put("/e2e/app/db/pass-word", "path-1", "SecureString");
        ssm.put("/e2e/app/api.key", "path-2", "String");
        ssm.putSecret("e2e/sm", "{\"token\":\"sm-token\"}");
    }

    @AfterAll
    static void stopSsm() {
        ssm.close();
    }

    @BeforeEach
    void resetSsm() {
        ssm.faults().clear();
        ssm.counters().reset();
    }

    private Map<String, String> env() {
        Map<String, String> env = baseEnv();
        env.putAll(LocalWire.env(ssm));
        return env;
    }

    private static List<String> args(String... execArgs) {
        return List.of(execArgs);
    }

    /** The command: dump the environment it was started with, then mark that it ran. */
    private static final String DUMP = "cat /proc/$$/environ > \"$OUT/environ\"; touch \"$OUT/started\"";

    private Map<String, String> dumpedEnvironment() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        environOf(dir.resolve("environ")).forEach((k, v) -> env.put(k, new String(v, StandardCharsets.UTF_8)));
        return env;
    }

    private static void assertNoValueIn(String output) {
        for (String v : VALUES) {
            assertThat(output).doesNotContain(v);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void commandGetsEverySecretIntact_andEveryOtherVariableUnchanged(Wrapper wrapper) throws Exception {
        Map<String, String> env = env();
        env.put("UNICODE", "ssm:///e2e/unicode");
        env.put("NEWLINES", "ssm:///e2e/newlines");
        env.put("EQUALS", "ssm:///e2e/equals");
        env.put("BIG", "ssm:///e2e/big");
        env.put("DB_USER", "ssm:///e2e/db#username");
        env.put("DB_PASSWORD", "ssm:///e2e/db#password");
        env.put("SM_TOKEN", "ssm:///aws/reference/secretsmanager/e2e/sm#token");
        env.put("OPTIONAL", "ssm:///e2e/absent?optional");
        env.put("APP", "ssm:///e2e/app/*");
        env.put("LITERAL", "x=y\nz ✓");
        ChildJvm w = start(wrapper, env, args("-with-decryption", "--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(w.stderr()).isEmpty();

        Map<String, String> expected = new LinkedHashMap<>(env);
        expected.put("UNICODE", UNICODE);
        expected.put("NEWLINES", NEWLINES);
        expected.put("EQUALS", EQUALS);
        expected.put("BIG", ExecTest.BIG);
        expected.put("DB_USER", "app-user");
        expected.put("DB_PASSWORD", "db-pa55");
        expected.put("SM_TOKEN", "sm-token");
        expected.remove("OPTIONAL");
        expected.remove("APP");
        expected.put("APP_DB_PASS_WORD", "path-1");
        expected.put("APP_API_KEY", "path-2");
        Map<String, String> got = dumpedEnvironment();
        got.remove("PWD");
        assertThat(got).containsExactlyInAnyOrderEntriesOf(expected);
        // Eight names in one batch, one path listing: never a call per name.
        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(1);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void missingRequiredSecret_failsClosed_withoutStartingTheCommand(Wrapper wrapper) throws Exception {
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        env.put("MISSING", "ssm:///e2e/missing");
        env.put("BAD_KEY", "ssm:///e2e/db#nope");
        ChildJvm w = start(wrapper, env, args("--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.SECRETS.code());
        assertThat(dir.resolve("started")).doesNotExist();
        assertThat(w.stderr()).startsWith("ssm-sidecar exec: 2 of 3 references could not be resolved; 'sh' was not "
                + "started:\n")
                .contains("\n  - MISSING (/e2e/missing): ParameterNotFound: ")
                .contains("\n  - BAD_KEY (/e2e/db): JsonKeyNotFound: JSON key 'nope' is not in the value");
        assertNoValueIn(w.stderr());
        assertThat(w.stdout()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void noFail_startsTheCommand_withTheLiteralOfWhatFailed(Wrapper wrapper) throws Exception {
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        env.put("MISSING", "ssm:///e2e/missing");
        ChildJvm w = start(wrapper, env, args("-with-decryption", "-no-fail", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(dumpedEnvironment()).containsEntry("PRESENT", "present-value")
                .containsEntry("MISSING", "ssm:///e2e/missing");
        assertThat(w.stderr()).contains("warning: MISSING (/e2e/missing): ParameterNotFound");
        assertNoValueIn(w.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void missingCommand_exits127_beforeAnySsmCall(Wrapper wrapper) throws Exception {
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        ChildJvm w = start(wrapper, env, args("--", "no-such-command-anywhere"));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void nonExecutableCommand_exits126_beforeAnySsmCall() throws Exception {
        Path script = dir.resolve("app.sh");
        Files.writeString(script, "#!/bin/sh\ntouch \"$OUT/started\"\n");
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        ChildJvm w = start(Wrapper.spawn(), env, args("--", script.toString()));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.EXEC_CANNOT_RUN.code());
        assertThat(ssm.counters().total()).isZero();
        assertThat(dir.resolve("started")).doesNotExist();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void envFile_addsReferences_andTheRealEnvironmentWins(Wrapper wrapper) throws Exception {
        Path file = dir.resolve("app.env");
        Files.writeString(file, "# references for an image whose environment is fixed\n"
                + "export FROM_FILE=ssm:///e2e/from-file\n"
                + "OVERRIDDEN=ssm:///e2e/from-file\n"
                + "GREETING='hello $USER # not a comment'\n");
        Map<String, String> env = env();
        env.put("OVERRIDDEN", "ssm:///e2e/from-env");
        ChildJvm w = start(wrapper, env, args("--env-file", file.toString(), "--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(dumpedEnvironment()).containsEntry("FROM_FILE", "file-value")
                .containsEntry("OVERRIDDEN", "env-value")
                .containsEntry("GREETING", "hello $USER # not a comment");
    }

    @Test
    void ssmThrottlingUntilTheTimeout_exits4_withoutStartingTheCommand() throws Exception {
        ssm.faults().failNext(1_000_000, "ThrottlingException");
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        ChildJvm w = start(Wrapper.spawn(), env, args("--timeout", "2s", "--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).isEqualTo(ExitCode.UNAVAILABLE.code());
        assertThat(dir.resolve("started")).doesNotExist();
        assertThat(w.stderr()).contains("ssm-sidecar exec: SSM did not answer within the start-up timeout of 2s; "
                + "'sh' was not started:\n  - PRESENT (/e2e/present): ThrottlingException");
        assertThat(ssm.counters().calls("GetParameters")).isGreaterThan(1);
    }

    @Test
    void transientFailures_areRetried_untilTheSecretLoads() throws Exception {
        ssm.faults().failNext(3, "InternalServerError");
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        ChildJvm w = start(Wrapper.spawn(), env, args("--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        assertThat(dumpedEnvironment()).containsEntry("PRESENT", "present-value");
    }

    @Test
    void aHundredReferences_takeTenGetParametersCalls() throws Exception {
        Map<String, String> env = env();
        for (int i = 0; i < 100; i++) {
            ssm.put("/e2e/many/p" + i, "v" + i, "SecureString");
            env.put("MANY_" + i, "ssm:///e2e/many/p" + i);
        }
        ssm.counters().reset();
        ChildJvm w = start(Wrapper.spawn(), env, args("--", "sh", "-c", DUMP));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        Map<String, String> got = dumpedEnvironment();
        for (int i = 0; i < 100; i++) {
            assertThat(got).containsEntry("MANY_" + i, "v" + i);
        }
        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(10);
    }

    /**
     * The command must see only 0-2 (and 3, the directory {@code ls} reads), even when the JVM opened /dev/random and
     * /dev/urandom before {@code exec} started (an agent here; on JDK 25 the image's AOT start did the same) and after
     * a real fetch (the SDK's SecureRandom). On JDK 25 (replace) they used to leak as descriptors 5 and 6.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void randomDevicesOpenedBeforeMain_andAfterARealFetch_areNotHandedToTheCommand(Wrapper wrapper) throws Exception {
        List<String> flags = new java.util.ArrayList<>(wrapper.jvmFlags());
        flags.add("-javaagent:" + RandomAtStartAgent.jar(Files.createDirectories(dir.resolve("agent"))));
        Map<String, String> env = env();
        env.put("PRESENT", "ssm:///e2e/present");
        ChildJvm w = start(new Wrapper(wrapper.mode(), wrapper.java(), flags), env,
                args("-with-decryption", "--", "ls", "-l", "/proc/self/fd"));
        assertThat(w.awaitExit(DEADLINE)).as(w.stderr()).isZero();
        List<String> entries = w.stdout().lines().filter(l -> l.contains(" -> ")).toList();
        assertThat(entries).as("ls -l /proc/self/fd of the command").noneMatch(l -> l.contains("/dev/random"))
                .noneMatch(l -> l.contains("/dev/urandom"));
        assertThat(entries.stream().map(l -> l.substring(0, l.indexOf(" -> ")).replaceAll(".* ", "")))
                .as("ls -l /proc/self/fd of the command:%n%s", w.stdout()).containsExactlyInAnyOrder("0", "1", "2", "3");
    }
}
