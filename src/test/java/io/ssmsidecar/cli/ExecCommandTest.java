package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * exec's command line, in-process through {@link Main#run}. Every case here stops before the command would start
 * (a missing command is the probe that flags were accepted): on JDK 22+ a started command would replace this JVM.
 */
class ExecCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>(Map.of("PATH", "/usr/bin:/bin"));

    private int run(String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static final String MISSING = "ssm-sidecar exec: command 'no-such-command' not found in PATH=/usr/bin:/bin\n";

    @ParameterizedTest
    @ValueSource(strings = {"-with-decryption", "--with-decryption", "-with-decryption=true", "-with-decryption=1",
            "-no-fail", "--no-fail", "-no-fail=1", "--no-fail=F", "--timeout=5s", "-timeout=2m", "--startup-timeout=1h"})
    void acceptsSsmEnvAndOwnFlags(String flag) {
        assertThat(run("exec", flag, "--", "no-such-command")).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(err()).isEqualTo(MISSING);
    }

    @Test
    void takesTheFirstNonFlagAsTheCommand_asSsmEnvDoes() {
        assertThat(run("exec", "-with-decryption", "-no-fail", "no-such-command", "-x", "--", "y"))
                .isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(err()).isEqualTo(MISSING);
    }

    @Test
    void takesAValueFlagsValueFromTheNextArgument() {
        assertThat(run("exec", "--timeout", "10s", "--", "no-such-command")).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
    }

    @Test
    void rejectsAnUnknownFlag_listingTheAllowedOnes() {
        assertThat(run("exec", "--with-encryption", "--", "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).isEqualTo("ssm-sidecar exec: unknown flag '--with-encryption'; allowed: -with-decryption, "
                + "-no-fail, --env-file FILE, --timeout DURATION, -V, --restart-on-change, --restart-signal SIG, "
                + "--restart-grace DURATION, --restart-min-interval DURATION, --signal-on-change SIG, "
                + "--restart-keys K1,K2, --restart-on-exit POLICY, --exec-http, -- (see exec --help)\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-with-decryption=false", "--with-decryption=0", "-with-decryption=F"})
    void withDecryptionFalse_isIgnoredWithAWarning(String flag) {
        assertThat(run("exec", flag, "--", "no-such-command")).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(err()).isEqualTo("ssm-sidecar exec: warning: " + flag + " is ignored: values are always decrypted"
                + " (a SecureString's ciphertext is of no use to the command)\n" + MISSING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-V", "--V", "-version", "--version"})
    void printsTheVersion_asSsmEnvsV(String flag) {
        assertThat(run("exec", "-with-decryption", flag, "--", "no-such-command")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).matches("ssm-sidecar \\S+\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void rejectsABadBoolean() {
        assertThat(run("exec", "-no-fail=maybe", "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).isEqualTo("ssm-sidecar exec: -no-fail takes true or false, got 'maybe'\n");
    }

    @Test
    void needsACommand() {
        assertThat(run("exec", "-no-fail")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(run("exec", "--")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).contains("no command given; usage: ssm-sidecar exec [FLAGS] [--] COMMAND [ARGS...]");
    }

    @Test
    void needsAValueAfterEnvFile() {
        assertThat(run("exec", "--env-file")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).isEqualTo("ssm-sidecar exec: --env-file needs a value\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "2h", "ten", "30"})
    void rejectsATimeoutOutsideOneSecondToOneHour(String timeout) {
        assertThat(run("exec", "--timeout", timeout, "--", "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).startsWith("ssm-sidecar exec: invalid configuration:\n  - --startup-timeout must be ")
                .endsWith(", got " + timeout + "\n");
    }

    @Test
    void checksSidecarVariables_likeEveryCommand() {
        env.put("SIDECAR_STARTUP_TIMOUT", "5s");
        assertThat(run("exec", "--", "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).contains("SIDECAR_STARTUP_TIMOUT").contains("SIDECAR_STARTUP_TIMEOUT");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-no-fail", "-with-decryption"})
    void malformedReference_isAConfigurationError_evenWithNoFail(String flag) {
        env.put("DB_PASSWORD", "ssm://prod db password");
        assertThat(run("exec", flag, "--", "true")).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err()).startsWith("ssm-sidecar exec: invalid configuration:\n  - DB_PASSWORD=")
                .doesNotContain("not found");
    }

    @Test
    void missingCommand_isReportedBeforeReferencesAreResolved() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:9");
        assertThat(run("exec", "--", "no-such-command")).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(err()).isEqualTo(MISSING);
    }

    @Test
    void help_describesFlagsModesAndExitCodes() {
        assertThat(run("exec", "--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        for (String s : List.of("-with-decryption", "-no-fail", "-V", "defaults to 5s", "-XX:AOTCacheOutput", "--env-file FILE", "--timeout DURATION", "execve",
                "SIGUSR2", "128+N", "126", "127")) {
            assertThat(help).contains(s);
        }
    }
}
