package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code run}: Run as a sidecar: write the files, serve them on localhost, keep them fresh. */
public final class RunCommand implements Command {
    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "Run as a sidecar: write the files, serve them on localhost, keep them fresh";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar run\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'run' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
