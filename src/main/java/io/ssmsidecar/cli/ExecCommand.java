package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code exec}: Resolve ssm:// variables of the environment, then exec a command with them (ssm-env compatible). */
public final class ExecCommand implements Command {
    @Override
    public String name() {
        return "exec";
    }

    @Override
    public String summary() {
        return "Resolve ssm:// variables of the environment, then exec a command with them (ssm-env compatible)";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar exec\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'exec' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
