package io.ssmsidecar.http;

import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.NotAllowedException;
import io.ssmsidecar.store.Readiness;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import io.ssmsidecar.store.SnapshotStore;
import io.ssmsidecar.testing.Await;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real, small backend over a real {@link SnapshotStore}: declared secrets live in the store, other
 * parameters in a map standing in for SSM (served when they match the allowed prefixes), and errors can
 * be planted per name. {@link #blockParameterCalls()} makes {@link #fetchParameter} wait on a latch.
 */
final class InMemoryBackend implements SecretsBackend {
    static final Instant NOW = Instant.parse("2026-03-01T10:15:30.250Z");
    static final Readiness READY = Readiness.READY;

    final SnapshotStore store = new SnapshotStore(Clock.fixed(NOW, ZoneOffset.UTC));
    final Map<String, Parameter> ssm = new ConcurrentHashMap<>();
    final Map<String, SourceException> failures = new ConcurrentHashMap<>();
    final Map<String, KeyStatus> statuses = new ConcurrentHashMap<>();
    final AtomicInteger refreshRequests = new AtomicInteger();
    final AtomicInteger parameterCalls = new AtomicInteger();
    final AtomicInteger bypassCalls = new AtomicInteger();
    volatile List<String> allow = List.of();
    /** Thrown by {@link #fetchParameter} when set: a bug in the backend. */
    volatile RuntimeException crash;
    volatile Readiness readiness = READY;
    private volatile CountDownLatch gate;
    private final AtomicInteger blockedCalls = new AtomicInteger();

    static Parameter parameter(String name, String value, long version) {
        return new Parameter(name, name, "SecureString", SecretValue.of(value), version, null, null,
                NOW.minusSeconds(3600), "arn:aws:ssm:us-east-1:123456789012:parameter" + (name.startsWith("/") ? "" : "/")
                + name, "text");
    }

    static Secret secret(String key, String parameterName, String value, long version) {
        return new Secret(key, parameterName, SecretValue.of(value), version, null, NOW.minusSeconds(3600), NOW,
                parameter(parameterName, value, version));
    }

    /** Publishes the declared secrets, replacing the previous set. */
    Snapshot declare(Secret... secrets) {
        Map<String, Secret> byKey = new java.util.TreeMap<>();
        for (Secret s : secrets) {
            byKey.put(s.key(), s);
        }
        return store.publish(byKey);
    }

    /** Every later {@link #fetchParameter} call waits until {@link #release()}. */
    void blockParameterCalls() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    /** Waits (bounded) until {@code n} parameter calls are blocked on the gate. */
    void awaitBlocked(int n) {
        Await.until(() -> blockedCalls.get() >= n, () -> "only " + blockedCalls.get() + " of " + n + " calls arrived");
    }

    @Override
    public Snapshot snapshot() {
        return store.current();
    }

    @Override
    public Optional<KeyStatus> status(String key) {
        return Optional.ofNullable(statuses.get(key));
    }

    /**
     * Answers at once, as the sidecar does for declared and cached names; while calls are blocked, each runs on a
     * thread of its own and completes when released, as an on-demand SSM call does.
     */
    @Override
    public CompletableFuture<Parameter> fetchParameter(String requestName, boolean bypassCache) {
        if (gate == null) {
            return lookup(requestName, bypassCache);
        }
        CompletableFuture<Parameter> later = new CompletableFuture<>();
        Thread call = new Thread(() -> lookup(requestName, bypassCache).whenComplete((p, e) -> {
            if (e != null) {
                later.completeExceptionally(e);
            } else {
                later.complete(p);
            }
        }), "in-memory-ssm-call");
        call.setDaemon(true);
        call.start();
        return later;
    }

    private CompletableFuture<Parameter> lookup(String requestName, boolean bypassCache) {
        try {
            return CompletableFuture.completedFuture(parameterNow(requestName, bypassCache));
        } catch (SourceException | NotAllowedException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Parameter parameterNow(String requestName, boolean bypassCache) throws SourceException, NotAllowedException {
        parameterCalls.incrementAndGet();
        if (bypassCache) {
            bypassCalls.incrementAndGet();
        }
        CountDownLatch g = gate;
        if (g != null) {
            blockedCalls.incrementAndGet();
            try {
                if (!g.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        if (crash != null) {
            throw crash;
        }
        SourceException failure = failures.get(requestName);
        if (failure != null) {
            throw failure;
        }
        Optional<Parameter> declared = store.current().secrets().values().stream()
                .map(Secret::parameter).filter(p -> p.requestedName().equals(requestName)).findFirst();
        if (declared.isPresent()) {
            return declared.get();
        }
        String bare = requestName.replaceFirst(":[^/:]*$", "");
        if (allow.stream().noneMatch(bare::startsWith)) {
            throw new NotAllowedException(requestName);
        }
        Parameter p = ssm.get(requestName);
        if (p == null) {
            throw new SourceException("ParameterNotFound", 400, false, "parameter '" + requestName + "' not found", null);
        }
        return p;
    }

    @Override
    public Readiness readiness() {
        return readiness;
    }

    @Override
    public void requestRefresh() {
        refreshRequests.incrementAndGet();
    }

    @Override
    public void addSnapshotListener(Consumer<Snapshot> listener) {
        store.addListener(listener);
    }

    @Override
    public void removeSnapshotListener(Consumer<Snapshot> listener) {
        store.removeListener(listener);
    }
}
