package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.SnapshotStore;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** {@code init}: resolve every declared reference once, write the files, exit. */
public final class InitCommand implements Command {
    private static final Log LOG = Log.get(InitCommand.class);

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
        return "Usage: ssm-sidecar init [FLAGS]\n\n"
                + "Resolves every ssm:// reference of the environment once, writes one file per key (plus any bundles and\n"
                + "templates) to the output directory as one atomic set, and exits 0. If a required secret cannot be\n"
                + "loaded, prints every failure, writes nothing and exits 3 (permanent) or 4 (SSM unavailable until the\n"
                + "start-up timeout). Transient failures are retried with backoff until SIDECAR_STARTUP_TIMEOUT.\n\n"
                + SettingsLoader.help(name());
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            return init(args, env, out, err).code();
        } catch (CommandFailure f) {
            return f.code().code();
        }
    }

    private ExitCode init(List<String> args, Map<String, String> env, PrintStream out, PrintStream err)
            throws CommandFailure {
        Settings settings = CommandSupport.settings(name(), args, env, err);
        if (settings.references().isEmpty()) {
            err.println("ssm-sidecar init: no secrets declared: set at least one environment variable to an ssm:// "
                    + "reference, e.g. DB_PASSWORD=ssm:///prod/db/password");
            return ExitCode.CONFIG;
        }
        // Region, endpoint and credentials are checked before the output directory is created or locked: a
        // configuration error leaves nothing behind.
        try (SsmParameterSource source = CommandSupport.source(name(), settings, env, Metrics.noop(), err);
             OutputDirectory output = CommandSupport.output(name(), settings, Metrics.noop(), err)) {
            return init(settings, source, output, err);
        }
    }

    private ExitCode init(Settings settings, SsmParameterSource source, OutputDirectory output, PrintStream err) {
        Clock clock = Clock.systemUTC();
        long t0 = System.nanoTime();
        StartupLoader.Result r = StartupLoader.standard(new Resolver(source, clock), clock)
                .load(settings.references(), settings.refresh().startupTimeout());
        if (!r.ok()) {
            return CommandSupport.reportLoadFailure(name(), r, settings.refresh().startupTimeout(), "Nothing was written.",
                    err);
        }
        SnapshotStore store = new SnapshotStore(clock);
        try {
            output.write(store.publish(r.secrets()));
        } catch (OutputException e) {
            // CONFIG for a template that would render past SIDECAR_TEMPLATE_MAX_BYTES, OUTPUT for the directory.
            return CommandSupport.outputFailure(name(), e, err).code();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        LOG.info("secrets written", "count", r.secrets().size(), "calls", r.calls(), "ms", ms,
                "dir", settings.output().dir());
        return ExitCode.OK;
    }
}
