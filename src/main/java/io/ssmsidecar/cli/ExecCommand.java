package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.exec.Exec;
import io.ssmsidecar.exec.ExecRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code exec}: resolve the ssm:// variables of the environment, then run a command with them; a drop-in for
 * ssm-env's entrypoint pattern ({@code ssm-env -with-decryption -no-fail CMD}).
 */
public final class ExecCommand implements Command {
    private static final String FLAGS = "-with-decryption, -no-fail, --env-file FILE, --timeout DURATION, -V, "
            + "--restart-on-change, --restart-signal SIG, --restart-grace DURATION, --restart-min-interval DURATION, "
            + "--signal-on-change SIG, --restart-keys K1,K2, --restart-on-exit POLICY, --exec-http, --";
    /** The supervising mode's flags: settings (SIDECAR_RESTART_* and SIDECAR_SIGNAL_ON_CHANGE), passed on as such. */
    private static final List<String> SUPERVISION_FLAGS = List.of("restart-signal", "restart-grace",
            "restart-min-interval", "signal-on-change", "restart-keys", "restart-on-exit");

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
        return """
                Usage: ssm-sidecar exec [FLAGS] [--] COMMAND [ARGS...]

                Replaces every environment variable whose value is an ssm:// reference with the secret, then runs
                COMMAND with that environment (other variables unchanged). On Java 22+ the JVM becomes COMMAND
                (execve: same pid, signals and exit status are COMMAND's); on Java 17-21 COMMAND runs as a child
                and SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 are forwarded to it. A JVM started to train a
                class cache (-XX:AOTCacheOutput, -XX:AOTMode=record, -XX:ArchiveClassesAtExit) also runs COMMAND as a
                child, so that it lives to write the cache.

                Flags (one or two dashes; booleans also take =true or =false):
                  -with-decryption     accepted for ssm-env compatibility; decryption is always on
                                       (=false is ignored with a warning)
                  -no-fail             a variable that cannot be resolved keeps its literal ssm:// value and
                                       COMMAND still starts (default: fail closed, COMMAND is not started);
                                       the timeout then defaults to %s
                  -V                   print the version and exit
                  --env-file FILE      also read KEY=VALUE lines from FILE (variables of the real
                                       environment win); see docs/exec.md for the quoting rules
                  --timeout DURATION   how long to retry throttling/5xx/timeouts, e.g. 30s or 2m (1s..1h);
                                       same as --startup-timeout / SIDECAR_STARTUP_TIMEOUT, default 60s
                                       (%s with -no-fail)
                  --                   ends the flags (optional; a COMMAND that starts with - needs it)

                Supervising mode (docs/exec.md): exec stays as COMMAND's parent, refreshes every
                SIDECAR_REFRESH_INTERVAL and restarts COMMAND when a value it received changes.
                  --restart-on-change          turn it on (SIDECAR_RESTART_ON_CHANGE)
                  --restart-signal SIG         stops COMMAND for a restart, default TERM (SIDECAR_RESTART_SIGNAL)
                  --restart-grace DURATION     then SIGKILL after this, default 10s (SIDECAR_RESTART_GRACE)
                  --restart-min-interval DUR   at most one restart per, default 30s (SIDECAR_RESTART_MIN_INTERVAL)
                  --signal-on-change SIG       signal COMMAND instead of restarting (SIDECAR_SIGNAL_ON_CHANGE)
                  --restart-keys K1,K2         only these variables count (SIDECAR_RESTART_KEYS)
                  --restart-on-exit POLICY     never (default: COMMAND's exit ends exec), on-failure or always
                                               (SIDECAR_RESTART_ON_EXIT)
                  --exec-http                  also serve the HTTP API while supervising, as run does (the
                                               SIDECAR_HTTP_* settings; a token from SIDECAR_TOKEN(_FILE) or
                                               generated into SIDECAR_OUTPUT_DIR). Off by default: nothing
                                               listens (SIDECAR_EXEC_HTTP)

                SIDECAR_* variables are checked as for every command (an unknown one is an error). Only
                variables are resolved: secrets declared in a config file are not exported.

                Exit status: COMMAND's own (128+N if it died of signal N); 2 bad flag, file or reference;
                3 a required secret could not be resolved; 4 SSM unavailable until the timeout;
                126 COMMAND is not executable; 127 COMMAND not found. 2, 3, 4, 126 and 127 mean COMMAND
                was not started, and 126/127 are decided before any SSM call. Supervising, exec ends with
                COMMAND's status when COMMAND exits (or stops on SIGTERM/SIGINT, which are forwarded).
                """.formatted(Exec.NO_FAIL_TIMEOUT, Exec.NO_FAIL_TIMEOUT);
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean noFail = false;
        Optional<Path> envFile = Optional.empty();
        List<String> settingsFlags = new ArrayList<>();
        int i = 0;
        while (i < args.size()) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                i++;
                break;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                break;
            }
            String flag = arg.replaceFirst("^--?", "");
            String name = flag.contains("=") ? flag.substring(0, flag.indexOf('=')) : flag;
            String inline = flag.contains("=") ? flag.substring(flag.indexOf('=') + 1) : null;
            switch (name) {
                case "help", "h" -> {
                    out.print(help());
                    return ExitCode.OK.code();
                }
                case "V", "version" -> {
                    // ssm-env's -V; like ssm-env it prints the version and exits, whatever follows.
                    out.println("ssm-sidecar " + Main.version());
                    return ExitCode.OK.code();
                }
                case "with-decryption", "no-fail" -> {
                    Boolean on = inline == null ? Boolean.TRUE : bool(inline);
                    if (on == null) {
                        err.println("ssm-sidecar exec: -" + name + " takes true or false, got '" + inline + "'");
                        return ExitCode.CONFIG.code();
                    }
                    if (name.equals("no-fail")) {
                        noFail = on;
                    } else if (!on) {
                        err.println("ssm-sidecar exec: warning: " + arg + " is ignored: values are always decrypted"
                                + " (a SecureString's ciphertext is of no use to the command)");
                    }
                }
                case "restart-on-change", "exec-http" -> {
                    Boolean on = inline == null ? Boolean.TRUE : bool(inline);
                    if (on == null) {
                        err.println("ssm-sidecar exec: --" + name + " takes true or false, got '" + inline + "'");
                        return ExitCode.CONFIG.code();
                    }
                    settingsFlags.add("--" + name + "=" + on);
                }
                case "env-file", "timeout", "startup-timeout", "restart-signal", "restart-grace",
                     "restart-min-interval", "signal-on-change", "restart-keys", "restart-on-exit" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            err.println("ssm-sidecar exec: --" + name + " needs a value");
                            return ExitCode.CONFIG.code();
                        }
                        value = args.get(++i);
                    }
                    if (name.equals("env-file")) {
                        envFile = Optional.of(Path.of(value));
                    } else if (SUPERVISION_FLAGS.contains(name)) {
                        settingsFlags.add("--" + name + "=" + value);
                    } else {
                        settingsFlags.add("--startup-timeout=" + value);
                    }
                }
                default -> {
                    err.println("ssm-sidecar exec: unknown flag '" + arg + "'; allowed: " + FLAGS
                            + " (see exec --help)");
                    return ExitCode.CONFIG.code();
                }
            }
            i++;
        }
        List<String> command = args.subList(i, args.size());
        if (command.isEmpty()) {
            err.println("ssm-sidecar exec: no command given; usage: ssm-sidecar exec [FLAGS] [--] COMMAND [ARGS...]");
            return ExitCode.CONFIG.code();
        }
        return Exec.run(new ExecRequest(command, noFail, envFile, settingsFlags), env, err, Signals::on);
    }

    /** The spellings Go's flag package accepts, so ssm-env command lines keep working. */
    private static Boolean bool(String text) {
        return switch (text) {
            case "1", "t", "T", "true", "TRUE", "True" -> Boolean.TRUE;
            case "0", "f", "F", "false", "FALSE", "False" -> Boolean.FALSE;
            default -> null;
        };
    }
}
