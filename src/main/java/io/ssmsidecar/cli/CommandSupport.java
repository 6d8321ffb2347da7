package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.Wiring;
import io.ssmsidecar.config.ConfigException;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.output.OutputConfigException;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputDirectoryInUseException;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** What the commands share: loading settings, building the source, reporting failures with their exit codes. */
final class CommandSupport {
    /** The settings' defaults, for help texts and commands that read a setting themselves (declared in config). */
    static final Settings DEFAULTS = Settings.defaults(List.of());

    private CommandSupport() {
    }

    /** Loads and validates settings and configures logging; prints every problem and fails with CONFIG. */
    static Settings settings(String command, List<String> args, Map<String, String> env, PrintStream err)
            throws CommandFailure {
        try {
            Settings s = SettingsLoader.load(args, env);
            Log.configure(err, s.logging().format(), s.logging().level());
            return s;
        } catch (ConfigException e) {
            err.println("ssm-sidecar " + command + ": invalid configuration:");
            for (String p : e.problems()) {
                err.println("  - " + p);
            }
            throw new CommandFailure(ExitCode.CONFIG);
        }
    }

    static SsmParameterSource source(String command, Settings settings, Map<String, String> env, Metrics metrics,
                                     PrintStream err) throws CommandFailure {
        try {
            return SsmParameterSource.create(env, metrics, SsmParameterSource.Limits.defaults(),
                    Wiring.routing(settings));
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("ssm-sidecar " + command + ": " + e.getMessage());
            throw new CommandFailure(ExitCode.CONFIG);
        }
    }

    static OutputDirectory output(String command, Settings settings, Metrics metrics, PrintStream err)
            throws CommandFailure {
        try {
            return OutputDirectory.open(Wiring.output(settings), metrics);
        } catch (OutputException e) {
            throw outputFailure(command, e, err);
        }
    }

    /**
     * Prints an output failure: CONFIG for a template that cannot be read or parsed, OUTPUT_IN_USE when another
     * process owns the directory, else OUTPUT.
     */
    static CommandFailure outputFailure(String command, OutputException e, PrintStream err) {
        err.println("ssm-sidecar " + command + ": " + e.getMessage());
        return new CommandFailure(e instanceof OutputConfigException ? ExitCode.CONFIG
                : e instanceof OutputDirectoryInUseException ? ExitCode.OUTPUT_IN_USE : ExitCode.OUTPUT);
    }

    /**
     * Prints why a one-shot load failed and picks the exit code: SECRETS for permanent, UNAVAILABLE for timeouts.
     *
     * @param consequence the command's own last line, e.g. init's "Nothing was written."
     */
    static ExitCode reportLoadFailure(String command, StartupLoader.Result r, java.time.Duration timeout,
                                      String consequence, PrintStream err) {
        List<Failure> failures = r.requiredFailures();
        boolean permanent = failures.stream().anyMatch(f -> !f.isTransient());
        if (permanent) {
            err.println("ssm-sidecar " + command + ": " + failures.size() + " required secret(s) could not be loaded:");
        } else {
            err.println("ssm-sidecar " + command + ": SSM did not answer within the start-up timeout of "
                    + timeout.toSeconds() + "s (SIDECAR_STARTUP_TIMEOUT); " + failures.size()
                    + " required secret(s) not loaded:");
        }
        for (Failure f : failures) {
            err.println("  - " + f.describe());
        }
        err.println(consequence);
        return permanent ? ExitCode.SECRETS : ExitCode.UNAVAILABLE;
    }
}
