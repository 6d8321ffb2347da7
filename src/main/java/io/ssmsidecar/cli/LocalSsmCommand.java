package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code local-ssm}: Run the SSM-compatible local endpoint (for tests, demos and benchmarks). */
public final class LocalSsmCommand implements Command {
    @Override
    public String name() {
        return "local-ssm";
    }

    @Override
    public String summary() {
        return "Run the SSM-compatible local endpoint (for tests, demos and benchmarks)";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar local-ssm\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'local-ssm' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
