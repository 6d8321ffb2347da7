package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code get}: Print one resolved value (by key or ssm:// reference) to stdout. */
public final class GetCommand implements Command {
    @Override
    public String name() {
        return "get";
    }

    @Override
    public String summary() {
        return "Print one resolved value (by key or ssm:// reference) to stdout";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar get\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'get' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
