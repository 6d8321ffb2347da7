package io.ssmsidecar;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.http.ApiServer;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.store.OnDemandCache;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The localhost HTTP API over a store that a refresh engine keeps: the on-demand fetcher and cache, the
 * {@link SidecarBackend}, the server and its token. {@code run} ({@link Sidecar}) and {@code exec --restart-on-change}
 * with {@code SIDECAR_EXEC_HTTP} build it the same way. Creating one loads the HTTP server's classes (Javalin, Jetty):
 * {@code exec} creates it only when the setting is on.
 */
public final class LocalApi implements AutoCloseable {
    static final String TOKEN_FILE = ".token";

    private final Settings settings;
    private final Scheduler onDemandWaits;
    /** SSM calls on behalf of HTTP requests, on capacity of their own (see {@code SIDECAR_ON_DEMAND_CALLS}). */
    private final OnDemandFetcher fetcher;
    private final ApiServer api;
    private final String token;

    /**
     * Builds the server over {@code store} (nothing listens until {@link #start}) and hooks the on-demand entries to
     * {@code engine}'s cycles. The token is the configured one, or a new random one.
     *
     * @param references what {@code engine} keeps fresh (declared secrets are served from the store)
     */
    public LocalApi(Settings settings, List<Reference> references, ParameterSource source, SnapshotStore store,
                    RefreshEngine engine, PrometheusMetrics metrics, Clock clock) {
        this.settings = settings;
        this.token = settings.http().token().orElseGet(LocalApi::randomToken);
        metrics.readiness(() -> engine.readiness().ready());
        this.onDemandWaits = Scheduler.system("ssm-sidecar-on-demand-wait");
        this.fetcher = new OnDemandFetcher(source, Wiring.onDemand(settings), clock, onDemandWaits, metrics);
        OnDemandCache onDemand = new OnDemandCache(source, fetcher, settings.onDemand().allow(),
                settings.onDemand().cacheSize());
        engine.addCycleHook(onDemand::refreshAll);
        SidecarBackend backend = new SidecarBackend(references, store, engine, onDemand, fetcher);
        this.api = ApiServer.create(Wiring.api(settings, token), backend, metrics,
                Wiring.sdkAccess(settings, source.signingCredentials(), clock));
    }

    /**
     * Binds the port, then writes a generated token to {@code <output>/.token}: only once the port is bound, so a
     * second process that cannot bind never replaces the first one's token.
     *
     * @param output where the generated token goes; may be empty only when the token is configured
     * @throws java.io.UncheckedIOException wrapping a {@link java.net.BindException} when the address cannot be bound
     * @throws Sidecar.TokenNotWritten when the generated token cannot be written (the server is stopped again)
     */
    public LocalApi start(Optional<OutputDirectory> output) {
        api.start();
        if (generatedToken()) {
            try {
                output.orElseThrow(() -> new IllegalStateException("a generated token needs the output directory"))
                        .writeFile(TOKEN_FILE, token.getBytes(StandardCharsets.UTF_8), settings.output().fileMode());
            } catch (OutputException e) {
                api.close();
                throw new Sidecar.TokenNotWritten(e);
            }
        }
        return this;
    }

    /** Whether the token was generated here (none configured), so it is written to the output directory. */
    public boolean generatedToken() {
        return settings.http().token().isEmpty();
    }

    /** The port the server listens on (the bound one when the setting was 0). */
    public int port() {
        return api.port();
    }

    public String token() {
        return token;
    }

    /** Long-polls the server holds right now (for tests and diagnostics). */
    int waitingRequests() {
        return api.waitingRequests();
    }

    static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Stops accepting, lets in-flight requests finish, then stops the on-demand calls. Idempotent. */
    @Override
    public void close() {
        api.close();
        fetcher.close();
        onDemandWaits.close();
    }
}
