package io.ssmsidecar.exec;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import io.ssmsidecar.store.SnapshotStore;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The wiring of {@code exec --restart-on-change}: the usual {@link RefreshEngine} (interval, jitter, backoff, last
 * good value on failure) on the supervisor's scheduler thread, whose changes become the command's next environment.
 * Files and bundles are written as {@code run} writes them when an output directory is given. The HTTP API is served
 * only when a {@link SupervisedApi} is given ({@code SIDECAR_EXEC_HTTP}), from before the command starts until the
 * supervisor's exit; without one nothing listens and none of its classes is loaded.
 */
final class SupervisedRun implements AutoCloseable {
    private static final Log LOG = Log.get(SupervisedRun.class);
    private final Scheduler scheduler;
    private final Supervisor supervisor;
    private final RefreshEngine engine;
    private final RandomGenerator random;
    private final Settings settings;
    private final SnapshotStore store;
    private final Optional<OutputDirectory> output;
    private final ParameterSource source;
    private final Optional<SupervisedApi> api;
    /** The environment of the next start: the newest values, on the scheduler thread. */
    private Map<String, String> wanted;

    /**
     * @param references what to refresh; none means the command is only supervised (signals, exit status, reaping)
     * @param envs       builds the command's environment from the refreshed secrets
     * @param output     where to write the secrets as files too, or empty
     * @param api        the HTTP API to serve while supervising, or empty (then nothing listens)
     */
    SupervisedRun(List<Reference> references, ParameterSource source, Settings settings, ChildEnvironment envs,
                  Scheduler scheduler, Clock clock, RandomGenerator random, Supervisor.Starter starter,
                  Optional<PosixCalls> posix, Optional<OutputDirectory> output, Optional<SupervisedApi> api) {
        this.scheduler = scheduler;
        this.random = random;
        this.settings = settings;
        this.output = output;
        this.source = source;
        this.api = api;
        this.store = new SnapshotStore(clock);
        this.supervisor = new Supervisor(scheduler, starter, Supervisor.Options.from(settings.supervision()), posix);
        // Not api.map(SupervisedApi::metrics): linking that method reference would load the API's class when it is off.
        Metrics metrics = api.isPresent() ? api.get().metrics() : Metrics.noop();
        this.engine = references.isEmpty() && api.isEmpty() ? null : new RefreshEngine(references,
                new Resolver(source, clock),
                store, scheduler, clock, random,
                RefreshEngine.Options.of(settings.refresh().interval(), Optional.empty()),
                (snapshot, changed, complete) -> {
                    // Files first: a restarted command that also reads them finds the new ones.
                    boolean written = !complete || write(snapshot);
                    wanted = envs.refreshed(snapshot.secrets(), wanted);
                    supervisor.changed(wanted);
                    return written;
                }, metrics);
        // As in run: a value the files cannot carry (a binary secret and an env bundle) is a failed key while running.
        if (engine != null && output.isPresent()) {
            engine.checkValues(output.get()::cannotCarry);
        }
    }

    /**
     * Starts the HTTP API when there is one, installs the signal handlers, starts the command with {@code env} and
     * schedules the refreshes. The first refresh comes 0.5 to 1.5 intervals after start (the start-up load was the
     * first fetch), then the engine's own schedule; with the HTTP API the engine's own first load starts at once
     * instead, because {@code /readyz} is the engine's to answer (one more round of calls at start). The future
     * completes with exec's status once the command is over and the API has stopped listening.
     *
     * @throws ExecException when the HTTP API cannot start (the command is not started then)
     */
    CompletableFuture<Integer> start(Map<String, String> env, Map<String, Secret> loaded,
                                     Exec.SignalHandlers signals) throws ExecException {
        // The engine starts from these values (a later failure keeps them); files are written when asked for.
        if (!write(store.publish(loaded))) {
            return CompletableFuture.completedFuture(io.ssmsidecar.ExitCode.OUTPUT.code());
        }
        if (api.isPresent()) {
            api.get().start(source, store, engine, output);
        }
        for (String signal : Supervisor.SIGNALS) {
            signals.on(signal, () -> supervisor.signalled(signal));
        }
        scheduler.schedule(() -> wanted = env, java.time.Duration.ZERO);
        supervisor.start(env);
        if (engine != null) {
            engine.startLoaded(api.isPresent() ? java.time.Duration.ZERO
                    : Backoff.jitter(settings.refresh().interval(), 0.5, random));
        }
        // Nothing listens once the command is over: the API stops before exec's status is known.
        return supervisor.exit().thenApply(status -> {
            if (api.isPresent()) {
                api.get().close();
            }
            return status;
        });
    }

    /** The HTTP API's port, or -1 when it is off or not started (tests). */
    int apiPort() {
        return api.isPresent() ? api.get().port() : -1;
    }

    private boolean write(Snapshot snapshot) {
        if (output.isEmpty()) {
            return true;
        }
        try {
            output.get().write(snapshot);
            return true;
        } catch (OutputException e) {
            LOG.error("writing the output files failed; the previous files are intact", "dir", output.get().path(),
                    "reason", e.getMessage());
            return false;
        }
    }

    Supervisor supervisor() {
        return supervisor;
    }

    /** Asks for a refresh now (tests; the engine coalesces). */
    void refreshNow() {
        if (engine != null) {
            engine.requestRefresh();
        }
    }

    @Override
    public void close() {
        if (api.isPresent()) {
            api.get().close();
        }
        if (engine != null) {
            engine.close();
        }
        scheduler.close();
        output.ifPresent(OutputDirectory::close);
    }
}
