package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.source.SsmParameterSource;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** {@code run}: the long-running sidecar. Exits 0 on SIGTERM/SIGINT after a graceful stop; SIGHUP refreshes now. */
public final class RunCommand implements Command {
    private static final Log LOG = Log.get(RunCommand.class);

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
        return "Usage: ssm-sidecar run [FLAGS]\n\n"
                + "Loads every ssm:// reference of the environment, writes the files, serves them on the localhost HTTP\n"
                + "API (default " + CommandSupport.DEFAULTS.http().address() + ":" + CommandSupport.DEFAULTS.http().port()
                + ") and refreshes them every SIDECAR_REFRESH_INTERVAL until SIGTERM.\n"
                + "SIGHUP or POST /v1/refresh refreshes at once. SSM unreachable at start is retried with backoff;\n"
                + "GET /readyz turns 200 once every required secret is loaded and written.\n\n"
                + SettingsLoader.help(name());
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            return serve(CommandSupport.settings(name(), args, env, err), env, err, sidecar -> { }).code();
        } catch (CommandFailure f) {
            return f.code().code();
        }
    }

    /**
     * Runs the daemon until SIGTERM or SIGINT: handlers first, then the daemon, then {@code started} (on the calling
     * thread), then waits. HUP asks for a refresh. Returns OK after a graceful stop.
     */
    static ExitCode serve(Settings settings, Map<String, String> env, PrintStream err, Started started)
            throws CommandFailure {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<Sidecar> running = new AtomicReference<>();
        // Handlers go in before anything starts: the JVM's default for TERM, INT and HUP is to exit (143, 130,
        // 129), so a signal arriving during start-up would otherwise kill the daemon instead of being handled.
        Signals.on("TERM", stop::countDown);
        Signals.on("INT", stop::countDown);
        Signals.on("HUP", () -> {
            Sidecar sidecar = running.get();
            if (sidecar != null) {
                LOG.info("SIGHUP: refreshing now");
                sidecar.requestRefresh();
            }
        });
        AtomicReference<OutputException> startFailure = new AtomicReference<>();
        try (Sidecar sidecar = start(settings, env, err)) {
            running.set(sidecar);
            sidecar.startFailure().thenAccept(e -> {
                startFailure.set(e);
                stop.countDown();
            });
            started.accept(sidecar);
            stop.await();
            running.set(null);
            LOG.info("stopping");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("stopped");
        if (startFailure.get() != null) {
            throw CommandSupport.outputFailure("run", startFailure.get(), err);
        }
        return ExitCode.OK;
    }

    /** What a caller of {@link #serve} does once the daemon listens; may end the command with a failure. */
    interface Started {
        void accept(Sidecar sidecar) throws CommandFailure, InterruptedException;
    }

    /** Builds and starts the daemon; the API listens when this returns. */
    static Sidecar start(Settings settings, Map<String, String> env, PrintStream err) throws CommandFailure {
        PrometheusMetrics metrics = PrometheusMetrics.create();
        SsmParameterSource source = CommandSupport.source("run", settings, env, metrics, err);
        Sidecar sidecar;
        try {
            sidecar = new Sidecar(settings, source, metrics, Clock.systemUTC());
        } catch (OutputException e) {
            source.close();
            throw CommandSupport.outputFailure("run", e, err);
        }
        try {
            return sidecar.start();
        } catch (RuntimeException e) {
            sidecar.close(); // gives the output directory up, so a retry in this process can take it
            if (e instanceof Sidecar.TokenNotWritten t) {
                throw CommandSupport.outputFailure("run", t.getCause(), err);
            }
            if (isBindFailure(e)) {
                err.println("ssm-sidecar run: cannot listen on " + settings.http().address() + ":" + settings.http().port()
                        + " (address in use or not available); set SIDECAR_HTTP_PORT / SIDECAR_HTTP_ADDRESS");
                throw new CommandFailure(ExitCode.CONFIG);
            }
            throw e;
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }
}
