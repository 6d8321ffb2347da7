package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.testing.ManualClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * exec's decisions in-process: which variables the command gets, and when it is not started at all. The launcher
 * records instead of starting (the real launchers are covered by {@code ExecProcessTest}); the source is a fake of
 * our own interface (the wire is covered end to end there too).
 */
class ExecTest {
    private static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    static final String BIG = "x".repeat(4096);

    private final ManualClock clock = new ManualClock();
    private final FakeSource source = new FakeSource();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    private int sourcesCreated;
    private Map<String, String> launchedEnv;
    private List<String> launchedArgv;
    private Path launchedProgram;

    private final Launcher recorder = new Launcher() {
        @Override
        public int launch(Path program, List<String> argv, Map<String, String> env) {
            launchedProgram = program;
            launchedArgv = argv;
            launchedEnv = env;
            return 42;
        }

        @Override
        public String mode() {
            return "record";
        }
    };

    private String unusableConfiguration;

    private final Exec exec = new Exec((env, metrics, routing) -> {
        sourcesCreated++;
        if (unusableConfiguration != null) {
            throw new IllegalStateException(unusableConfiguration);
        }
        return source;
    }, () -> recorder, clock, clock::advance, new Random(1));

    private int run(Map<String, String> env, String... command) {
        return run(false, Optional.empty(), env, command);
    }

    private int run(boolean noFail, Optional<Path> envFile, Map<String, String> env, String... command) {
        Map<String, String> withPath = new TreeMap<>(env);
        withPath.putIfAbsent("PATH", PATH);
        return exec.execute(new ExecRequest(List.of(command), noFail, envFile, List.of("--startup-timeout", "30s")),
                withPath, err);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private int runWith(List<String> flags, Map<String, String> env, String... command) {
        Map<String, String> withPath = new TreeMap<>(env);
        withPath.putIfAbsent("PATH", PATH);
        return exec.execute(new ExecRequest(List.of(command), false, Optional.empty(), flags), withPath, err);
    }

    @Test
    void execHttp_withoutTheSupervisingMode_isAConfigurationError_beforeAnySsmCall() {
        source.put("/prod/db", "hunter2");
        int code = runWith(List.of("--exec-http=true"), Map.of("DB", "ssm:///prod/db", "SIDECAR_TOKEN", "t0ken-1"),
                "true");
        assertThat(code).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).contains("SIDECAR_EXEC_HTTP=true (--exec-http) needs --restart-on-change");
        assertThat(sourcesCreated).isZero();
        assertThat(launchedProgram).isNull();
    }

    @Test
    void execHttp_withNoTokenAndNoOutputDirectory_isAConfigurationError_beforeAnySsmCall() {
        source.put("/prod/db", "hunter2");
        int code = runWith(List.of("--restart-on-change", "--exec-http"), Map.of("DB", "ssm:///prod/db"), "true");
        assertThat(code).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).contains("needs the API token the command will send: set SIDECAR_TOKEN or"
                + " SIDECAR_TOKEN_FILE, or SIDECAR_OUTPUT_DIR");
        assertThat(sourcesCreated).isZero();
        assertThat(err()).doesNotContain("hunter2");
    }

    @Test
    void execute_replacesReferences_andPassesEveryOtherVariableUnchanged() {
        source.put("/prod/db", "hunter2").put("/eq", "a=b==c").put("/nl", "line1\nline2\r\n")
                .put("/uni", "pässwörd ✓ 😀").put("/big", BIG).put("/empty", "");
        int code = run(Map.of("DB", "ssm:///prod/db", "EQ", "ssm:///eq", "NL", "ssm:///nl", "UNI", "ssm:///uni",
                "BIG", "ssm:///big", "EMPTY", "ssm:///empty",
                "LITERAL", "x=y\nz", "HOME", "/root"), "env", "-0");
        assertThat(code).isEqualTo(42);
        assertThat(launchedProgram).isEqualTo(Path.of("/usr/bin/env"));
        assertThat(launchedArgv).containsExactly("env", "-0");
        assertThat(launchedEnv).containsExactlyInAnyOrderEntriesOf(Map.of("DB", "hunter2", "EQ", "a=b==c",
                "NL", "line1\nline2\r\n", "UNI", "pässwörd ✓ 😀", "BIG", BIG, "EMPTY", "",
                "LITERAL", "x=y\nz", "HOME", "/root", "PATH", PATH));
        assertThat(source.closed).isTrue();
        assertThat(err()).isEmpty();
    }

    @Test
    void execute_expandsAPathReferenceIntoOneVariablePerParameter() {
        source.put("/prod/app/db/pass-word", "p1").put("/prod/app/api.key", "p2").put("/prod/other", "no");
        run(Map.of("APP", "ssm:///prod/app/*"), "true");
        assertThat(launchedEnv).containsEntry("APP_DB_PASS_WORD", "p1").containsEntry("APP_API_KEY", "p2")
                .doesNotContainKeys("APP");
        run(Map.of("_", "ssm:///prod/app/*"), "true");
        assertThat(launchedEnv).containsEntry("DB_PASS_WORD", "p1").containsEntry("API_KEY", "p2").doesNotContainKey("_");
    }

    @Test
    void execute_readsOneKeyOfAJsonValue() {
        source.put("/prod/db", "{\"username\":\"app\",\"password\":\"s3cr3t\"}");
        run(Map.of("DB_USER", "ssm:///prod/db#username", "DB_PASS", "ssm:///prod/db#password"), "true");
        assertThat(launchedEnv).containsEntry("DB_USER", "app").containsEntry("DB_PASS", "s3cr3t");
        assertThat(source.calls).isEqualTo(1);
    }

    @Test
    void execute_failsClosed_listingEveryFailureWithoutAValue() {
        source.put("/prod/db", "{\"username\":\"app\",\"password\":\"s3cr3t\"}").put("/ok", "fine-value");
        int code = run(Map.of("MISSING", "ssm:///prod/missing", "BADKEY", "ssm:///prod/db#nope", "OK", "ssm:///ok"),
                "true");
        assertThat(code).isEqualTo(ExitCode.SECRETS.code());
        assertThat(launchedEnv).isNull();
        assertThat(err()).startsWith("ssm-sidecar exec: 2 of 3 references could not be resolved; 'true' was not started:\n")
                .contains("\n  - MISSING (/prod/missing): ParameterNotFound: ")
                .contains("\n  - BADKEY (/prod/db): JsonKeyNotFound: JSON key 'nope' is not in the value")
                .doesNotContain("s3cr3t").doesNotContain("fine-value");
    }

    @Test
    void execute_withNoFail_keepsTheLiteralValueOfWhatFailed() {
        source.put("/ok", "fine");
        int code = run(true, Optional.empty(), Map.of("MISSING", "ssm:///prod/missing", "OK", "ssm:///ok"), "true");
        assertThat(code).isEqualTo(42);
        assertThat(launchedEnv).containsEntry("MISSING", "ssm:///prod/missing").containsEntry("OK", "fine");
        assertThat(err()).contains("warning: MISSING (/prod/missing): ParameterNotFound")
                .contains("keeping the literal value (-no-fail)");
    }

    @Test
    void execute_leavesAnAbsentOptionalReferenceUnset() {
        run(Map.of("OPT", "ssm:///prod/missing?optional"), "true");
        assertThat(launchedEnv).doesNotContainKey("OPT");
        assertThat(err()).isEmpty();
    }

    @Test
    void execute_exitsUnavailable_whenSsmThrottlesUntilTheTimeout() {
        source.put("/a", "1").transientFailuresLeft = Integer.MAX_VALUE;
        int code = run(Map.of("A", "ssm:///a"), "true");
        assertThat(code).isEqualTo(ExitCode.UNAVAILABLE.code());
        assertThat(launchedEnv).isNull();
        assertThat(err()).contains("ssm-sidecar exec: SSM did not answer within the start-up timeout of 30s; "
                + "'true' was not started:\n  - A (/a): ThrottlingException: Rate exceeded");
    }

    @Test
    void execute_withNoFail_startsTheCommandAfterTheTimeout_withLiterals() {
        source.put("/a", "1").transientFailuresLeft = Integer.MAX_VALUE;
        assertThat(run(true, Optional.empty(), Map.of("A", "ssm:///a"), "true")).isEqualTo(42);
        assertThat(launchedEnv).containsEntry("A", "ssm:///a");
    }

    /** ssm-env starts the command at once when SSM is unreachable; -no-fail waits 5 s (of the manual clock), not 60. */
    @Test
    void execute_withNoFail_andNoTimeoutGiven_givesUpAfterFiveSeconds() {
        source.put("/a", "1").transientFailuresLeft = Integer.MAX_VALUE;
        java.time.Instant start = clock.instant();
        assertThat(exec.execute(new ExecRequest(List.of("true"), true, Optional.empty(), List.of()),
                Map.of("A", "ssm:///a", "PATH", PATH), err)).isEqualTo(42);
        assertThat(java.time.Duration.between(start, clock.instant()))
                .isPositive().isLessThanOrEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(launchedEnv).containsEntry("A", "ssm:///a");
    }

    @Test
    void execute_withNoFail_aGivenTimeoutStillWins() {
        source.put("/a", "1").transientFailuresLeft = Integer.MAX_VALUE;
        java.time.Instant start = clock.instant();
        assertThat(exec.execute(new ExecRequest(List.of("true"), true, Optional.empty(), List.of()),
                Map.of("A", "ssm:///a", "PATH", PATH, "SIDECAR_STARTUP_TIMEOUT", "40s"), err)).isEqualTo(42);
        assertThat(java.time.Duration.between(start, clock.instant()))
                .isGreaterThan(java.time.Duration.ofSeconds(30)).isLessThanOrEqualTo(java.time.Duration.ofSeconds(40));
        start = clock.instant();
        run(true, Optional.empty(), Map.of("A", "ssm:///a"), "true"); // --startup-timeout 30s
        assertThat(java.time.Duration.between(start, clock.instant())).isGreaterThan(java.time.Duration.ofSeconds(20));
    }

    @Test
    void execute_missingCommand_exits127_beforeAnySsmCall() {
        int code = run(Map.of("A", "ssm:///a"), "no-such-command-anywhere");
        assertThat(code).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(sourcesCreated).isZero();
        assertThat(source.calls).isZero();
        assertThat(err()).isEqualTo("ssm-sidecar exec: command 'no-such-command-anywhere' not found in PATH=" + PATH + "\n");
    }

    @Test
    void execute_looksTheCommandUpOnTheChildsPath(@TempDir Path dir) throws Exception {
        Path app = dir.resolve("my-app");
        Files.writeString(app, "#!/bin/sh\n");
        app.toFile().setExecutable(true);
        run(Map.of("PATH", dir.toString()), "my-app", "--flag");
        assertThat(launchedProgram).isEqualTo(app);
        assertThat(launchedArgv).containsExactly("my-app", "--flag");
    }

    @Test
    void execute_anUnusableSsmConfiguration_exits2() {
        unusableConfiguration = "no AWS region: set AWS_REGION";
        assertThat(run(Map.of("A", "ssm:///a"), "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(launchedEnv).isNull();
        assertThat(err()).isEqualTo("ssm-sidecar exec: no AWS region: set AWS_REGION\n");
    }

    @Test
    void execute_noReferences_neverCreatesTheSsmClient() {
        run(Map.of("A", "plain"), "true");
        assertThat(sourcesCreated).isZero();
        assertThat(launchedEnv).containsEntry("A", "plain");
    }

    @Test
    void execute_pathParameterCollidingWithARealVariable_failsNamingBoth() {
        source.put("/prod/app/db", "from-ssm");
        assertThat(run(Map.of("APP", "ssm:///prod/app/*", "APP_DB", "from-env"), "true"))
                .isEqualTo(ExitCode.SECRETS.code());
        assertThat(err()).contains("APP_DB (/prod/app/db): a path reference maps this parameter to APP_DB, which the "
                + "environment already sets").doesNotContain("from-ssm").doesNotContain("from-env");

        assertThat(run(true, Optional.empty(), Map.of("APP", "ssm:///prod/app/*", "APP_DB", "from-env"), "true"))
                .isEqualTo(42);
        assertThat(launchedEnv).containsEntry("APP_DB", "from-env");
    }

    @Test
    void execute_refusesAValueWithANulCharacter() {
        source.put("/nul", "a\0b");
        assertThat(run(Map.of("NUL", "ssm:///nul"), "true")).isEqualTo(ExitCode.SECRETS.code());
        assertThat(err()).contains("NUL (/nul): the value contains a NUL character");
    }

    @Test
    void execute_readsReferencesFromTheEnvFile_andTheRealEnvironmentWins(@TempDir Path dir) throws Exception {
        source.put("/from/file", "file-secret").put("/from/env", "env-secret");
        Path file = dir.resolve("app.env");
        Files.writeString(file, "FILE_REF=ssm:///from/file\nBOTH=ssm:///from/file\nFILE_LITERAL='kept as is'\n");
        run(false, Optional.of(file), Map.of("BOTH", "ssm:///from/env"), "true");
        assertThat(launchedEnv).containsEntry("FILE_REF", "file-secret").containsEntry("BOTH", "env-secret")
                .containsEntry("FILE_LITERAL", "kept as is");
    }

    @Test
    void execute_badEnvFile_exits2_beforeAnySsmCall(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.env");
        Files.writeString(file, "GOOD=1\nthis line is wrong\n");
        assertThat(run(false, Optional.of(file), Map.of("A", "ssm:///a"), "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(sourcesCreated).isZero();
        assertThat(err()).isEqualTo("ssm-sidecar exec: --env-file " + file + ", line 2: expected KEY=VALUE (no '=' found)\n");
    }
}
