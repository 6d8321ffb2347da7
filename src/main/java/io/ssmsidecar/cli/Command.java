package io.ssmsidecar.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** One sub-command of the CLI. Implementations are driven in-process by tests through {@code Main.run}. */
public interface Command {
    /** The word on the command line, e.g. {@code init}. */
    String name();

    /** One line for the tool's {@code --help}. */
    String summary();

    /** The command's own {@code --help} text. */
    String help();

    /**
     * Runs the command.
     *
     * @param args the arguments after the command word
     * @param env  the process environment (tests pass their own)
     * @return the process exit code (see {@code ExitCode})
     */
    int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err);
}
