package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void help_listsEveryCommand_andExitsZero() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("init", "run", "get", "exec", "demo", "healthcheck", "local-ssm", "policy", "ssm://");
    }

    @Test
    void noArguments_printsUsage_andExitsWithTheConfigCode() {
        assertThat(run()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: ssm-sidecar COMMAND");
    }

    @Test
    void version_printsTheVersion() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("ssm-sidecar ");
    }

    @Test
    void unknownCommand_namesIt_andListsTheCommands() {
        assertThat(run("sync")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'sync'").contains("init, run");
    }

    @Test
    void exec_leavesAHelpFlagAfterTheCommand_toTheCommand() {
        assertThat(run("exec", "no-such-command-xyz", "--help")).isEqualTo(ExitCode.EXEC_NOT_FOUND.code());
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("Usage: ssm-sidecar exec");
    }

    @ParameterizedTest
    @ValueSource(strings = {"init", "run", "get", "exec", "demo", "healthcheck", "local-ssm", "policy"})
    void everyCommand_hasItsOwnHelp(String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: ssm-sidecar " + command);
    }
}
