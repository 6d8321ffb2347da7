package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * The command line: picks the sub-command and returns its exit code. Nothing else lives here. It sits in {@code cli}
 * beside the commands so that the root package ({@link ExitCode}, the daemon's wiring) is below the CLI, not in a
 * cycle with it.
 */
public final class Main {

    private static final List<Command> COMMANDS = List.of(
            new InitCommand(), new RunCommand(), new GetCommand(), new ExecCommand(),
            new DemoCommand(), new HealthcheckCommand(), new LocalSsmCommand(), new PolicyCommand(), new MigrateCommand());

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.getenv(), System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs the tool in-process: tests call this with their own environment and streams. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(usage());
            return args.length == 0 ? ExitCode.CONFIG.code() : ExitCode.OK.code();
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("ssm-sidecar " + version());
            return ExitCode.OK.code();
        }
        for (Command command : COMMANDS) {
            if (command.name().equals(args[0])) {
                List<String> rest = List.of(args).subList(1, args.length);
                // exec parses its own flags: a --help after its COMMAND belongs to that command.
                if (!command.name().equals("exec") && (rest.contains("--help") || rest.contains("-h"))) {
                    out.print(command.help());
                    return ExitCode.OK.code();
                }
                try {
                    return command.run(rest, env, out, err);
                } catch (RuntimeException | Error e) {
                    // A bug: report the type only; the message of an unexpected exception is not trusted to be value-free.
                    err.println("ssm-sidecar: internal error (" + e.getClass().getName() + ") in '" + command.name()
                            + "'; please report it");
                    return ExitCode.INTERNAL.code();
                }
            }
        }
        err.println("ssm-sidecar: unknown command '" + args[0] + "'; commands are: "
                + String.join(", ", COMMANDS.stream().map(Command::name).toList()) + " (see --help)");
        return ExitCode.CONFIG.code();
    }

    static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("ssm-sidecar ").append(version())
                .append(" - resolves ssm:// references from AWS SSM Parameter Store for a companion container\n\n")
                .append("Usage: ssm-sidecar COMMAND [FLAGS]\n\nCommands:\n");
        for (Command c : COMMANDS) {
            b.append(String.format("  %-12s %s%n", c.name(), c.summary()));
        }
        b.append("\nEvery environment variable whose value starts with ssm:// declares a secret named after the variable.\n")
                .append("Run 'ssm-sidecar COMMAND --help' for a command's flags. Settings: see docs/settings.md.\n");
        return b.toString();
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
