package io.ssmsidecar.store;

import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SourceException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The SSM calls made on behalf of HTTP requests (on-demand misses, {@code refreshNow}), on capacity of their own so no
 * client can make the sidecar call SSM more than {@link Options#calls()} times at once or hold a request thread for
 * the length of a call. Concurrent fetches of one name share one call; a name SSM does not know is answered from
 * memory for {@link Options#notFoundTtl()}. A fetch that finds every call slot taken waits in a short queue for up to
 * {@link Options#maxWait()} and then fails with {@link CapacityFullException}; when the queue is full too, it fails
 * the same way after the same wait (never at once, so refused clients cannot spin).
 *
 * <p>Results are futures completed on the fetcher's own threads; nothing here blocks its caller.
 */
public final class OnDemandFetcher implements AutoCloseable {
    /** Not-found names remembered at most (names run to 2 KB: about 2 MB at worst); the oldest are forgotten first. */
    static final int NOT_FOUND_ENTRIES = 1_000;

    /**
     * @param calls       SSM calls at once ({@code SIDECAR_ON_DEMAND_CALLS})
     * @param queue       fetches waiting for a call slot; beyond, a fetch waits out {@code maxWait} without a chance
     * @param maxWait     how long a fetch waits for a call slot before {@link CapacityFullException}
     * @param notFoundTtl how long a not-found answer is remembered ({@code SIDECAR_NOT_FOUND_TTL}); zero turns it off
     */
    public record Options(int calls, int queue, Duration maxWait, Duration notFoundTtl) {
        public Options {
            if (calls < 1) {
                throw new IllegalArgumentException("on-demand calls must be at least 1, got " + calls);
            }
            if (queue < 1) {
                throw new IllegalArgumentException("on-demand queue must be at least 1, got " + queue);
            }
            Objects.requireNonNull(maxWait, "maxWait");
            Objects.requireNonNull(notFoundTtl, "notFoundTtl");
        }

        /**
         * Fetches that may wait per call slot: a burst of requests for distinct names queues briefly instead of
         * failing at once, while the queue stays short enough to drain within {@link #MAX_WAIT} at SSM's latency.
         */
        public static final int QUEUE_PER_CALL = 8;
        /**
         * How long a fetch waits for a call slot: the 429 that follows carries {@code Retry-After: 1}, so a client
         * that honours it comes back once the queue had that second to drain.
         */
        public static final Duration MAX_WAIT = Duration.ofSeconds(1);

        /** {@code calls} at once, {@link #QUEUE_PER_CALL} waiting per call slot for at most {@link #MAX_WAIT}. */
        public static Options of(int calls, Duration notFoundTtl) {
            return new Options(calls, calls * QUEUE_PER_CALL, MAX_WAIT, notFoundTtl);
        }
    }

    private final ParameterSource source;
    private final Options options;
    private final Clock clock;
    private final Scheduler timeouts;
    private final Metrics metrics;
    private final ThreadPoolExecutor pool;
    private final Map<String, CompletableFuture<Parameter>> flights = new ConcurrentHashMap<>();
    private final Map<String, Instant> notFound = new LinkedHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param timeouts ends waits that outlast {@link Options#maxWait()}; closed by whoever created it, not here
     */
    public OnDemandFetcher(ParameterSource source, Options options, Clock clock, Scheduler timeouts, Metrics metrics) {
        this.source = source;
        this.options = options;
        this.clock = clock;
        this.timeouts = timeouts;
        this.metrics = metrics;
        AtomicInteger threadNumber = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(options.calls(), options.calls(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queue()), r -> {
                    Thread t = new Thread(r, "ssm-sidecar-on-demand-" + threadNumber.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        metrics.onDemandInFlight(inFlight::get);
    }

    /**
     * Fetches {@code requestName} (name, {@code name:selector} or ARN) from SSM on the fetcher's capacity. The future
     * fails with {@link SourceException} ({@code ParameterNotFound} for a name SSM does not know, also while that
     * answer is remembered) or {@link CapacityFullException}.
     */
    public CompletableFuture<Parameter> fetch(String requestName) {
        return fetch(requestName, () -> {
            FetchResult r = source.getParameters(List.of(requestName));
            if (r.parameters().isEmpty()) {
                throw notFoundError(requestName);
            }
            return r.parameters().get(0);
        });
    }

    /**
     * Reads the Secrets Manager secret {@code secretId} ({@code GetSecretValue}: a name, or an ARN in any account) on
     * the same capacity, coalescing and not-found memory as {@link #fetch(String)}. The future fails with
     * {@link SourceException} ({@code ResourceNotFoundException} for a secret or version Secrets Manager does not
     * know, also while that answer is remembered) or {@link CapacityFullException}.
     *
     * @param versionId    the version id to read, or null
     * @param versionStage the stage to read, or null (both null: AWSCURRENT)
     */
    public CompletableFuture<Parameter> fetchSecret(String secretId, String versionId, String versionStage) {
        return fetch(secretKey(secretId, versionId, versionStage),
                () -> source.getSecretValue(secretId, versionId, versionStage));
    }

    /** The flight and not-found key of a secret read: never a parameter name (those hold no space). */
    static String secretKey(String secretId, String versionId, String versionStage) {
        return "sm://" + secretId + (versionId == null ? "" : " versionId=" + versionId)
                + (versionStage == null ? "" : " versionStage=" + versionStage);
    }

    /** One read: the parameter, or a {@link SourceException} (a not-found one is remembered). */
    private interface Read {
        Parameter call() throws SourceException;
    }

    private CompletableFuture<Parameter> fetch(String requestName, Read read) {
        if (rememberedNotFound(requestName)) {
            return CompletableFuture.failedFuture(notFoundError(requestName));
        }
        CompletableFuture<Parameter> flight = new CompletableFuture<>();
        CompletableFuture<Parameter> running = flights.putIfAbsent(requestName, flight);
        if (running != null) {
            return running.copy();
        }
        Runnable call = () -> call(requestName, read, flight);
        try {
            pool.execute(call);
        } catch (RejectedExecutionException e) {
            // The queue is full too: still answer only after the bounded wait, so a client that retries at once
            // cannot turn refusals into a busy loop that eats the CPU the probes need.
            timeouts.schedule(() -> reject(requestName, flight), options.maxWait());
            return flight.copy();
        }
        Scheduler.Task timeout = timeouts.schedule(() -> {
            // Still queued: no call slot freed up in time. Once a call has started, its own SDK timeouts bound it.
            if (pool.remove(call)) {
                reject(requestName, flight);
            }
        }, options.maxWait());
        flight.whenComplete((p, e) -> timeout.cancel());
        return flight.copy();
    }

    /** SSM calls running now. */
    int inFlight() {
        return inFlight.get();
    }

    private void reject(String requestName, CompletableFuture<Parameter> flight) {
        metrics.onDemandRejected();
        land(requestName, flight, null, new CapacityFullException(options.calls(), options.maxWait()));
    }

    private void call(String requestName, Read read, CompletableFuture<Parameter> flight) {
        inFlight.incrementAndGet();
        try {
            land(requestName, flight, read.call(), null);
        } catch (SourceException e) {
            if (isNotFound(e)) {
                remember(requestName);
            }
            land(requestName, flight, null, e);
        } catch (RuntimeException e) {
            land(requestName, flight, null, e);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Ends a flight: out of the map first, so a fetch that comes after the answer makes a call of its own. */
    private void land(String requestName, CompletableFuture<Parameter> flight, Parameter parameter, Throwable failure) {
        flights.remove(requestName, flight);
        if (failure == null) {
            flight.complete(parameter);
        } else {
            flight.completeExceptionally(failure);
        }
    }

    private boolean rememberedNotFound(String requestName) {
        synchronized (notFound) {
            Instant until = notFound.get(requestName);
            if (until == null) {
                return false;
            }
            if (clock.instant().isBefore(until)) {
                return true;
            }
            notFound.remove(requestName);
            return false;
        }
    }

    private void remember(String requestName) {
        if (options.notFoundTtl().isZero()) {
            return;
        }
        synchronized (notFound) {
            notFound.remove(requestName);
            notFound.put(requestName, clock.instant().plus(options.notFoundTtl()));
            while (notFound.size() > NOT_FOUND_ENTRIES) {
                notFound.remove(notFound.keySet().iterator().next());
            }
        }
    }

    /** The failure a future's dependants see wrapped in {@link CompletionException}, unwrapped. */
    public static Throwable cause(Throwable failure) {
        Throwable e = failure;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /**
     * The future's value (waiting for it if it is not done), with its failure thrown as the fetch failed.
     *
     * @throws NotAllowedException when the name was neither declared whole nor allowed
     * @throws SourceException     when SSM failed, or {@link CapacityFullException} when the capacity stayed full
     */
    public static <T> T resultOf(CompletableFuture<T> future) throws SourceException, NotAllowedException {
        try {
            return future.join();
        } catch (CompletionException | CancellationException failure) {
            Throwable e = cause(failure);
            if (e instanceof SourceException s) {
                throw s;
            }
            if (e instanceof NotAllowedException n) {
                throw n;
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw failure;
        }
    }

    /** SSM's and Secrets Manager's answers for a name, version or label that does not exist. */
    static boolean isNotFound(SourceException e) {
        return "ParameterNotFound".equals(e.errorCode()) || "ParameterVersionNotFound".equals(e.errorCode())
                || "ResourceNotFoundException".equals(e.errorCode());
    }

    static SourceException notFoundError(String requestName) {
        if (requestName.startsWith("sm://")) {
            return new SourceException("ResourceNotFoundException", 400, false, "Secrets Manager can't find the "
                    + "specified secret: " + requestName.substring("sm://".length()), null);
        }
        return new SourceException("ParameterNotFound", 400, false, "parameter " + requestName + " not found", null);
    }

    /**
     * Stops the call threads (a running call is interrupted); pending fetches fail. The {@code timeouts} scheduler
     * stays open: whoever created it closes it, as with every scheduler.
     */
    @Override
    public void close() {
        pool.shutdownNow();
        for (CompletableFuture<Parameter> f : flights.values()) {
            f.completeExceptionally(new CapacityFullException(options.calls(), options.maxWait()));
        }
    }
}
