package io.ssmsidecar.http;

import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Long-poll waiters: each waits for one key's version tag to differ from the one its client holds.
 * No thread waits: a waiter is a future completed by the snapshot listener (on a change) or by a
 * delayed task (when the wait ends), always on {@code executor} so the publishing thread never writes
 * responses.
 */
final class ChangeWaiters implements Consumer<Snapshot> {
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private final Supplier<Snapshot> current;
    private final Executor executor;
    private volatile boolean closed;

    ChangeWaiters(Supplier<Snapshot> current, Executor executor) {
        this.current = current;
        this.executor = executor;
    }

    /**
     * Completes when the secret under {@code key} no longer has {@code versionTag} (changed or removed),
     * or when {@code wait} has passed, or when the server closes. The caller re-reads the snapshot.
     */
    CompletableFuture<Void> await(String key, String versionTag, Duration wait) {
        Waiter waiter = new Waiter(key, versionTag);
        waiters.add(waiter);
        // A snapshot published between the caller's read and add() told nobody: look once more.
        check(waiter, current.get());
        if (closed) {
            finish(waiter);
        }
        CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS, executor)
                .execute(() -> finish(waiter));
        return waiter.future;
    }

    @Override
    public void accept(Snapshot snapshot) {
        for (Waiter waiter : waiters) {
            check(waiter, snapshot);
        }
    }

    /** Ends every wait now (the server is closing): each client gets its answer at once. */
    void releaseAll() {
        closed = true;
        for (Waiter waiter : waiters) {
            finish(waiter);
        }
    }

    int size() {
        return waiters.size();
    }

    private void check(Waiter waiter, Snapshot snapshot) {
        Optional<Secret> now = snapshot.get(waiter.key);
        if (now.isEmpty() || !now.get().versionTag().equals(waiter.versionTag)) {
            finish(waiter);
        }
    }

    private void finish(Waiter waiter) {
        if (waiters.remove(waiter)) {
            try {
                executor.execute(() -> waiter.future.complete(null));
            } catch (RejectedExecutionException e) {
                // The pool is stopping; answering on this thread beats leaving the client hanging.
                waiter.future.complete(null);
            }
        }
    }

    private static final class Waiter {
        final String key;
        final String versionTag;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Waiter(String key, String versionTag) {
            this.key = key;
            this.versionTag = versionTag;
        }
    }
}
