package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.LocalApi;
import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.SnapshotStore;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP API of {@code exec --restart-on-change} when {@code SIDECAR_EXEC_HTTP} asks for it: {@code run}'s server,
 * token and metrics ({@link LocalApi}) over the supervisor's store and refresh engine. The only class of the mode that
 * reaches the HTTP server and Micrometer: without the setting it is never created, and none of Javalin's, Jetty's or
 * Micrometer's classes is loaded.
 */
final class SupervisedApi implements AutoCloseable {
    private static final Log LOG = Log.get(SupervisedApi.class);

    private final Settings settings;
    private final List<Reference> references;
    private final Clock clock;
    private final PrometheusMetrics metrics = PrometheusMetrics.create();
    private LocalApi api;

    /** @param references what the supervisor's engine refreshes (the command's variables) */
    SupervisedApi(Settings settings, List<Reference> references, Clock clock) {
        this.settings = settings;
        this.references = List.copyOf(references);
        this.clock = clock;
    }

    /** What the source and the engine count through, so {@code /metrics} answers as {@code run}'s does. */
    Metrics metrics() {
        return metrics;
    }

    /**
     * Starts serving {@code store} as {@code engine} keeps it; a generated token goes to {@code output}'s
     * {@code .token} once the port is bound.
     *
     * @throws ExecException 2 when the address cannot be bound, the output failure when the token cannot be written
     */
    void start(ParameterSource source, SnapshotStore store, RefreshEngine engine, Optional<OutputDirectory> output)
            throws ExecException {
        LocalApi created = new LocalApi(settings, references, source, store, engine, metrics, clock);
        try {
            created.start(output);
        } catch (Sidecar.TokenNotWritten e) {
            created.close();
            throw new ExecException(ExitCode.OUTPUT, e.getMessage());
        } catch (UncheckedIOException e) {
            created.close();
            if (e.getCause() instanceof BindException) {
                throw new ExecException(ExitCode.CONFIG, "cannot listen on " + settings.http().address() + ":"
                        + settings.http().port() + " (address in use or not available); set SIDECAR_HTTP_PORT /"
                        + " SIDECAR_HTTP_ADDRESS, or leave SIDECAR_EXEC_HTTP off");
            }
            throw e;
        }
        api = created;
        LOG.info("http API on while supervising", "address", settings.http().address(), "port", created.port(),
                "token", created.generatedToken()
                        ? "generated into " + settings.output().dir().resolve(".token") : "configured");
    }

    /** The port listened on, or -1 before {@link #start}. */
    int port() {
        return api == null ? -1 : api.port();
    }

    /** The token requests must carry, or null before {@link #start}. */
    String token() {
        return api == null ? null : api.token();
    }

    /** Stops listening (in-flight requests finish first). Idempotent. */
    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
    }
}
