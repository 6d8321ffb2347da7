package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** {@code init}: Fetch every declared secret once, write the files and exit. */
public final class InitCommand implements Command {
    @Override
    public String name() {
        return "init";
    }

    @Override
    public String summary() {
        return "Fetch every declared secret once, write the files and exit";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar init\n\n" + summary() + ".\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("ssm-sidecar: 'init' is not implemented yet");
        return ExitCode.INTERNAL.code();
    }
}
