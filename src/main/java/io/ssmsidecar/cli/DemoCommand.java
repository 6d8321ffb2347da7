package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code demo}: Start an embedded local SSM endpoint with example parameters and run the sidecar on it. */
public final class DemoCommand implements Command {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "Start an embedded local SSM endpoint with example parameters and run the sidecar on it";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar demo\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'demo' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
