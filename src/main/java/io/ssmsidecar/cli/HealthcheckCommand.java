package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code healthcheck}: Exit 0 when the local daemon reports ready, 1 otherwise. */
public final class HealthcheckCommand implements Command {
    @Override
    public String name() {
        return "healthcheck";
    }

    @Override
    public String summary() {
        return "Exit 0 when the local daemon reports ready, 1 otherwise";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar healthcheck\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'healthcheck' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
