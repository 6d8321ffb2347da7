package io.ssmsidecar.http;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.util.JavalinBindException;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SigningCredentials;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The localhost HTTP API (Javalin on Jetty): the sidecar's own {@code /v1} endpoints, the two
 * AWS-compatible endpoints, the SDK endpoint ({@code POST /}, SSM's own protocol), probes and {@code /metrics}. {@link #close()} stops accepting, answers
 * waiting long-polls at once, lets in-flight requests finish and returns within about two seconds.
 *
 * <p>Lean by design, for start-up time and memory: one acceptor and one selector thread, a
 * pool of at most {@value #MAX_THREADS} platform threads, no compression, no banner, no session use.
 * Requests run on the pool's threads, not on virtual threads: every handler answers from memory or
 * waits asynchronously, and handing each short request to a virtual thread cost a third of the
 * throughput (measured in bench/RESULTS.md). Requests whose line and headers exceed
 * {@value #MAX_HEADER_BYTES} bytes are refused by Jetty (414 or 431). A body is read by {@link BodyGate} before any
 * handler runs, asynchronously and within {@link BodyGate#BODY_TIMEOUT}, so a client that stalls holds no thread.
 * Before routing, every request passes {@link Edge}: no proxy headers, a loopback or listed {@code Host}, and no
 * method override.
 */
public final class ApiServer implements AutoCloseable {
    static final int MAX_THREADS = 16;
    static final int RESPONDER_THREADS = 2;
    static final int MAX_HEADER_BYTES = 8 * 1024;
    static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";
    private static final Duration STOP_TIMEOUT = Duration.ofMillis(1800);
    /** Longer than the longest long-poll, so a waiting request is never cut as idle. */
    private static final Duration IDLE_TIMEOUT = NativeEndpoints.MAX_WAIT.plusSeconds(30);
    private static final Duration SHUTDOWN_IDLE_TIMEOUT = Duration.ofMillis(50);
    private static final Log LOG = Log.get(ApiServer.class);

    static {
        // Jetty pads an array to the cache line and, unless told how many references fit in one, asks the platform
        // MBean server whether oops are compressed: that loads ~200 JMX and JFR classes and costs tens of ms at
        // start-up. Compressed (4-byte) references are the case below 32 GiB of heap; a wrong guess costs padding only.
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        }
    }

    /**
     * How the API listens. The values come from settings the config package has checked (address syntax, port and
     * cap ranges, a non-loopback address only with {@code SIDECAR_HTTP_ALLOW_REMOTE}); they are not checked again.
     *
     * @param address        IP address to bind ({@code SIDECAR_HTTP_ADDRESS}), or {@code localhost}
     * @param port           TCP port; 0 picks a free port (see {@link ApiServer#port()})
     * @param token          the value every secret-bearing request must carry in {@code X-Aws-Parameters-Secrets-Token}
     * @param maxConnections requests waiting at once, per kind (long-polls; on-demand fetches), before 429; requests
     *                       answered from memory take no place
     * @param allowRemote    must be true to bind an address other than loopback
     * @param allowedHosts   names a request's {@code Host} may carry besides loopback ones
     *                       ({@code SIDECAR_ALLOWED_HOSTS}; see {@link Edge})
     */
    public record Options(String address, int port, String token, int maxConnections, boolean allowRemote,
                          List<String> allowedHosts) {
        public Options {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(token, "token");
            allowedHosts = List.copyOf(allowedHosts);
            // Not a setting check: a token the server generated or was handed must never make the guard a no-op.
            if (token.isBlank()) {
                throw new IllegalArgumentException("the API token must not be blank");
            }
            // Nor this: whatever builds the options, serving secrets beyond this host stays an explicit choice.
            if (!allowRemote && !loopback(address)) {
                throw new IllegalArgumentException("HTTP address " + address + " is not a loopback address; "
                        + "set SIDECAR_HTTP_ALLOW_REMOTE=true to serve secrets beyond this host");
            }
        }

        /** Only loopback {@code Host} names accepted. */
        public Options(String address, int port, String token, int maxConnections, boolean allowRemote) {
            this(address, port, token, maxConnections, allowRemote, List.of());
        }

        /** Whether {@link #address()} is a loopback address (127.0.0.0/8 or ::1) or {@code localhost}. */
        public boolean loopback() {
            return loopback(address);
        }

        /** The address to bind: {@code localhost} is the loopback address, taken without a lookup. */
        String bindAddress() {
            return address.equalsIgnoreCase("localhost") ? InetAddress.getLoopbackAddress().getHostAddress() : address;
        }

        private static boolean loopback(String address) {
            if (address.equalsIgnoreCase("localhost")) {
                return true;
            }
            // Only IP literals (what the settings allow) are parsed, so nothing here is ever looked up in DNS.
            if (!address.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                return false;
            }
            try {
                return InetAddress.getByName(address).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
    }

    private final Options options;
    private final SecretsBackend backend;
    private final QueuedThreadPool threads;
    /**
     * Writes answers decided later (long-polls, on-demand fetches): off the request pool, so a burst of them (a
     * thousand misses timing out together) never queues in front of a probe or a declared read.
     */
    private final ExecutorService responder;
    private final ChangeWaiters waiters;
    /** Counts requests in flight; once shut down, answers new ones on open connections with 503. */
    private final GracefulHandler graceful = new GracefulHandler();
    private final Javalin app;
    private volatile ServerConnector connector;
    private volatile boolean started;
    private volatile boolean closed;

    /**
     * Who may call the endpoint that answers the app's own AWS SDK ({@code SIDECAR_SDK_ENDPOINT}): nobody, requests
     * whose SigV4 signature verifies with the sidecar's own credentials, or any loopback caller.
     */
    public enum SdkMode { OFF, VERIFY, TRUST_LOOPBACK }

    /**
     * Who may call the SDK endpoint ({@code POST /}, SSM's wire protocol): the mode of {@code SIDECAR_SDK_ENDPOINT},
     * the credentials and region {@code verify} checks signatures with, and the clock it checks their date against.
     */
    public record SdkAccess(SdkMode mode, Optional<SigningCredentials> credentials, Clock clock) {
        public SdkAccess {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(clock, "clock");
            if (mode == SdkMode.VERIFY && credentials.isEmpty()) {
                throw new IllegalArgumentException("SIDECAR_SDK_ENDPOINT=verify needs the AWS credentials of the SSM "
                        + "client to check signatures with, and this parameter source has none");
            }
        }

        /** The endpoint answers every call with a message saying how to turn it on. */
        public static SdkAccess off() {
            return new SdkAccess(SdkMode.OFF, Optional.empty(), Clock.systemUTC());
        }
    }

    private ApiServer(Options options, SecretsBackend backend, PrometheusMetrics metrics, SdkAccess sdk) {
        this.options = options;
        this.backend = backend;
        this.threads = new QueuedThreadPool(MAX_THREADS, 2, 60_000);
        threads.setName("http");
        threads.setDaemon(true);
        this.responder = Executors.newFixedThreadPool(RESPONDER_THREADS, r -> {
            Thread t = new Thread(r, "http-respond");
            t.setDaemon(true);
            return t;
        });
        this.waiters = new ChangeWaiters(backend::snapshot, responder);
        Guard guard = new Guard(options.token(), options.maxConnections());
        NativeEndpoints own = new NativeEndpoints(backend, waiters, metrics);
        CompatEndpoints compat = new CompatEndpoints(backend, responder);
        Edge edge = new Edge(options.allowedHosts(), options.address());
        SdkEndpoint sdkEndpoint = new SdkEndpoint(backend, sdk, responder);
        BodyGate bodies = new BodyGate(request -> readsBody(request, edge, sdkEndpoint), BodyGate.BODY_TIMEOUT);
        this.app = Javalin.create(cfg -> {
            configure(cfg, metrics, bodies, edge);
            // Before routing, so it covers every route, probes and unknown paths included.
            cfg.routes.before(edge::check);
            route(cfg, guard, Route.LIST_SECRETS, own::list);
            route(cfg, guard, Route.GET_SECRET, own::secret);
            route(cfg, guard, Route.REFRESH, own::refresh);
            route(cfg, guard, Route.GET_PARAMETER, compat::getParameter);
            route(cfg, guard, Route.GET_SECRET_VALUE, compat::getSecretValue);
            route(cfg, guard, Route.PING, own::ping);
            route(cfg, guard, Route.HEALTHZ, own::healthz);
            route(cfg, guard, Route.READYZ, own::readyz);
            route(cfg, guard, Route.METRICS, own::metrics);
            route(cfg, guard, Route.SDK_ENDPOINT, sdkEndpoint::handle);
            for (Route r : Route.values()) {
                if (r.method == HandlerType.GET) {
                    cfg.routes.addHttpHandler(HandlerType.HEAD, r.template, ApiServer::headNotAllowed);
                }
            }
        });
    }

    /**
     * HEAD on a GET route: left to Javalin, it answers 200 with no body without running any handler, so the token,
     * forwarding guard and key lookup were skipped (a HEAD for an unknown key answered 200). The API takes GET only.
     */
    private static void headNotAllowed(Context ctx) {
        ctx.header("Allow", "GET");
        throw new ApiError(405, "MethodNotAllowed", "HEAD " + ctx.path() + " is not allowed; this path takes GET");
    }

    /** A server that is not listening yet; {@link #start()} binds it. */
    public static ApiServer create(Options options, SecretsBackend backend, PrometheusMetrics metrics) {
        return create(options, backend, metrics, SdkAccess.off());
    }

    /** As {@link #create(Options, SecretsBackend, PrometheusMetrics)}, with the SDK endpoint's access rule. */
    public static ApiServer create(Options options, SecretsBackend backend, PrometheusMetrics metrics, SdkAccess sdk) {
        return new ApiServer(Objects.requireNonNull(options, "options"), Objects.requireNonNull(backend, "backend"),
                Objects.requireNonNull(metrics, "metrics"), Objects.requireNonNull(sdk, "sdk"));
    }

    /**
     * Whether {@link BodyGate} reads a request's body: only {@code POST /} (the one route that takes one), and only
     * when its head passed the edge and the SDK endpoint's caller checks; any other request is refused or served
     * without its body being read.
     */
    private static boolean readsBody(Request request, Edge edge, SdkEndpoint sdk) {
        if (!HttpMethod.POST.is(request.getMethod())
                || !Route.SDK_ENDPOINT.template.equals(request.getHttpURI().getCanonicalPath())) {
            return false;
        }
        HttpFields headers = request.getHeaders();
        String targetHost = request.getHttpURI().getHost();
        String local = Request.getLocalAddr(request);
        return edge.refusal(headers::get, targetHost, local) == null
                && sdk.readsBody(headers::get, Request.getRemoteAddr(request), targetHost, local);
    }

    private void configure(JavalinConfig cfg, PrometheusMetrics metrics, BodyGate bodies, Edge edge) {
        cfg.startup.showJavalinBanner = false;
        cfg.startup.showOldJavalinVersionWarning = false;
        cfg.startup.startupWatcherEnabled = false;
        cfg.http.generateEtags = false;
        cfg.http.prefer405over404 = true;
        cfg.http.maxRequestSize = 16 * 1024;
        cfg.http.asyncTimeout = IDLE_TIMEOUT.toMillis();
        cfg.http.compressionStrategy = CompressionStrategy.NONE;

        Server server = new Server(threads);
        server.setStopTimeout(STOP_TIMEOUT.toMillis());
        server.setStopAtShutdown(false);
        server.setHandler(graceful);
        // Bodies are read (asynchronously, with a deadline) before a request reaches a thread Javalin would hold.
        graceful.setHandler(bodies);
        org.eclipse.jetty.server.Handler.Wrapper noPath = edge.targetsWithoutPath();
        bodies.setHandler(noPath);
        // Javalin attaches its servlet inside the innermost wrapper: behind this one, it never sees the override header.
        noPath.setHandler(Edge.methodAsSent());
        cfg.unsafe.jettyInternal.server = server;
        cfg.jetty.modifyHttpConfiguration(http -> {
            http.setRequestHeaderSize(MAX_HEADER_BYTES);
            http.setResponseHeaderSize(MAX_HEADER_BYTES);
            http.setSendServerVersion(false);
            http.setSendXPoweredBy(false);
        });
        cfg.jetty.addConnector((jetty, http) -> {
            // One acceptor thread: with none, Jetty cannot close the listening socket before it stops.
            ServerConnector connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
            this.connector = connector;
            connector.setHost(options.bindAddress());
            connector.setPort(options.port());
            connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
            // Requests in flight are done when Jetty stops (see close()); idle connections then close at once.
            connector.setShutdownIdleTimeout(SHUTDOWN_IDLE_TIMEOUT.toMillis());
            return connector;
        });
        cfg.requestLogger.http((ctx, ms) -> {
            String route = Guard.route(ctx);
            metrics.httpRequest(route, ctx.statusCode(), Duration.ofNanos((long) (ms * 1_000_000)));
            // Route template, not path or query: one shape per endpoint, and no header is ever logged.
            if (LOG.enabled(Log.Level.DEBUG)) {
                LOG.debug("http request", "method", ctx.method(), "route", route, "status", ctx.statusCode(),
                        "ms", Math.round(ms * 10) / 10.0);
            }
        });
        cfg.routes.exception(Exception.class, ErrorMapper::handle);
        // Javalin answers its own 404/405 itself unless HttpResponseException has a handler of its own.
        cfg.routes.exception(HttpResponseException.class, ErrorMapper::handle);
    }

    private static void route(JavalinConfig cfg, Guard guard, Route route, Handler handler) {
        cfg.routes.addHttpHandler(route.method, route.template, guard.wrap(route, handler));
    }

    /**
     * Binds the address and starts serving.
     *
     * @throws UncheckedIOException wrapping a {@link BindException} when the address or port cannot be bound
     * @throws IllegalStateException when called twice
     */
    public synchronized ApiServer start() {
        if (started) {
            throw new IllegalStateException("the API server was already started");
        }
        started = true;
        backend.addSnapshotListener(waiters);
        try {
            app.start();
        } catch (RuntimeException e) {
            closed = true;
            backend.removeSnapshotListener(waiters);
            stopQuietly();
            responder.shutdown();
            if (e instanceof JavalinBindException) {
                BindException bind = new BindException("cannot listen on " + options.address() + ":" + options.port()
                        + ": " + rootCause(e).getMessage());
                bind.initCause(e);
                throw new UncheckedIOException(bind);
            }
            throw e;
        }
        if (!options.loopback()) {
            LOG.warn("http API listens beyond loopback; anyone who can reach it and knows the token can read secrets",
                    "address", options.address(), "port", port());
        }
        LOG.info("http API listening", "address", options.address(), "port", port(),
                "maxConnections", options.maxConnections());
        return this;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /** The bound port (the picked one when {@link Options#port()} was 0). */
    public int port() {
        if (!started) {
            throw new IllegalStateException("the API server is not started");
        }
        return app.port();
    }

    /** Long-polls waiting right now (for tests and diagnostics). */
    public int waitingRequests() {
        return waiters.size();
    }

    /**
     * Stops accepting connections, answers long-polls, waits (bounded) for requests in flight, then
     * closes every connection and frees the port. Idle keep-alive connections do not delay it.
     */
    @Override
    public synchronized void close() {
        if (!started || closed) {
            return;
        }
        closed = true;
        long begin = System.nanoTime();
        ServerConnector listening = connector;
        if (listening != null) {
            listening.close();
        }
        waiters.releaseAll();
        backend.removeSnapshotListener(waiters);
        try {
            graceful.shutdown().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("http requests still running at stop; closing their connections",
                    "inFlight", graceful.getCurrentRequestCount());
        } catch (ExecutionException e) {
            LOG.warn("http graceful stop failed", "error", e.getCause().getClass().getName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopQuietly();
        responder.shutdown();
        LOG.info("http API stopped", "ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    }

    private void stopQuietly() {
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("http API did not stop cleanly", "error", e.getClass().getName());
        }
    }
}
