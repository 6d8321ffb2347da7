package io.ssmsidecar;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.output.ChangeNotifier;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputConfigException;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.store.Snapshot;
import io.ssmsidecar.store.SnapshotStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The running daemon: wires source → store → outputs and the HTTP API, and owns their lifecycle. The only class
 * that sees every package. {@link #start()} returns once the API listens (so {@code /healthz} answers at once);
 * the first load runs on the refresh thread and {@code /readyz} turns 200 when every required secret is written.
 */
public final class Sidecar implements AutoCloseable {
    private static final Log LOG = Log.get(Sidecar.class);
    static final String TOKEN_FILE = LocalApi.TOKEN_FILE;

    private final Settings settings;
    private final ParameterSource source;
    private final SnapshotStore store;
    private final OutputDirectory output;
    private final Scheduler refreshScheduler;
    private final Scheduler notifyScheduler;
    private final ChangeNotifier notifier;
    private final RefreshEngine engine;
    private final LocalApi api;
    /** Whether the files were written once: later writes tell the change receivers. Engine thread only. */
    private boolean filesWritten;
    /** Completed when the first write fails for a reason only the configuration can fix (a template too large). */
    private final java.util.concurrent.CompletableFuture<OutputException> startFailure =
            new java.util.concurrent.CompletableFuture<>();

    /**
     * Builds every part; nothing runs until {@link #start()}. Writes the generated token file when no token is set.
     *
     * @throws OutputException when the output directory is unusable
     */
    public Sidecar(Settings settings, ParameterSource source, PrometheusMetrics metrics, Clock clock)
            throws OutputException {
        this(settings, source, metrics, clock, Scheduler.system("ssm-sidecar-refresh"),
                Scheduler.system("ssm-sidecar-notify"), new SplittableRandom(new SecureRandom().nextLong()));
    }

    /** As the public constructor, with the refresh and notification schedulers and the randomness given (tests). */
    Sidecar(Settings settings, ParameterSource source, PrometheusMetrics metrics, Clock clock,
            Scheduler refreshScheduler, Scheduler notifyScheduler, SplittableRandom random) throws OutputException {
        this.settings = settings;
        this.source = source;
        this.store = new SnapshotStore(clock);
        this.output = OutputDirectory.open(Wiring.output(settings), metrics);
        this.refreshScheduler = refreshScheduler;
        this.notifyScheduler = notifyScheduler;
        this.notifier = new ChangeNotifier(Wiring.notifier(settings), notifyScheduler, clock, metrics, random.split());
        this.engine = new RefreshEngine(settings.references(), new io.ssmsidecar.store.Resolver(source, clock), store,
                refreshScheduler, clock, random.split(), Wiring.refresh(settings), this::apply, metrics);
        engine.checkValues(output::cannotCarry);
        this.api = new LocalApi(settings, settings.references(), source, store, engine, metrics, clock);
    }

    /**
     * Starts the API, writes the generated token file, then starts the first load. Returns at once. The token is
     * written only once the directory is locked (by the constructor) and the port bound: a second sidecar that cannot
     * bind must not replace the first one's token.
     *
     * @throws TokenNotWritten when the generated token cannot be written (the API is stopped again)
     */
    public Sidecar start() {
        api.start(Optional.of(output));
        LOG.info("listening", "address", settings.http().address(), "port", api.port(),
                "secrets_declared", settings.references().size(),
                "token", settings.http().token().isPresent() ? "configured"
                        : "generated into " + settings.output().dir().resolve(TOKEN_FILE));
        engine.start();
        return this;
    }

    /** Waits until {@code /readyz} would answer 200, up to {@code timeout}. For the demo and tests. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object signal = new Object();
        java.util.function.Consumer<Snapshot> wake = s -> {
            synchronized (signal) {
                signal.notifyAll();
            }
        };
        store.addListener(wake);
        try {
            synchronized (signal) {
                while (!engine.readiness().ready()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    // Re-checked at least every 100 ms: readiness also depends on the file write after a publish.
                    signal.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                }
                return true;
            }
        } finally {
            store.removeListener(wake);
        }
    }

    /**
     * Completes when the first write failed for a reason no retry can fix (a template that renders past
     * {@code SIDECAR_TEMPLATE_MAX_BYTES}): {@code run} then exits with the configuration error. A later such failure
     * only fails that write, keeping the previous files.
     */
    public java.util.concurrent.CompletionStage<OutputException> startFailure() {
        return startFailure;
    }

    /** The generated token file could not be written; the cause says why. */
    public static final class TokenNotWritten extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TokenNotWritten(OutputException cause) {
            super(cause.getMessage(), cause);
        }

        @Override
        public synchronized OutputException getCause() {
            return (OutputException) super.getCause();
        }
    }

    /** Why {@code /readyz} would answer 503 now, or {@code ready}. */
    public String readinessReason() {
        return engine.readiness().reason();
    }

    public int port() {
        return api.port();
    }

    /** Long-polls the API holds right now (for tests and diagnostics). */
    int waitingRequests() {
        return api.waitingRequests();
    }

    public String token() {
        return api.token();
    }

    public void requestRefresh() {
        engine.requestRefresh();
    }

    public SnapshotStore store() {
        return store;
    }

    /** Writes the files once every required reference has loaded; before that a partial set is never written. */
    private boolean apply(Snapshot snapshot, Set<String> changed, boolean allRequiredLoaded) {
        if (!allRequiredLoaded) {
            return true;
        }
        try {
            output.write(snapshot);
        } catch (OutputException ex) {
            LOG.error("writing the output files failed; the previous files are intact", "dir", settings.output().dir(),
                    "reason", ex.getMessage());
            if (!filesWritten && ex instanceof OutputConfigException) {
                startFailure.complete(ex);
            }
            return false;
        }
        boolean first = !filesWritten;
        filesWritten = true;
        if (first) {
            LOG.info("files written", "dir", settings.output().dir(), "keys", snapshot.size());
        } else {
            notifier.changed(snapshot, changed);
        }
        return true;
    }

    /**
     * Stops accepting, lets in-flight requests finish, stops refreshing and notifying. Each component stops its own
     * work; the schedulers are closed here, by whoever created them (the rule in {@link Scheduler}).
     */
    @Override
    public void close() {
        api.close();
        engine.close();
        refreshScheduler.close();
        notifier.close();
        notifyScheduler.close();
        source.close();
        output.close();
    }
}
