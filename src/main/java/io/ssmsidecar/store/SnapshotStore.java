package io.ssmsidecar.store;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Holds the current {@link Snapshot}. Readers call {@link #current()} and never block; the refresher
 * publishes a whole new snapshot with {@link #publish(Map)}. Listeners (long-poll waiters, metrics)
 * are told after each swap.
 */
public final class SnapshotStore {
    private final AtomicReference<Snapshot> current = new AtomicReference<>(Snapshot.empty());
    private final CopyOnWriteArrayList<Consumer<Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private final Clock clock;

    public SnapshotStore(Clock clock) {
        this.clock = clock;
    }

    public Snapshot current() {
        return current.get();
    }

    /** Swaps in a snapshot of {@code secrets} as a change and tells the listeners. Returns the new snapshot. */
    public Snapshot publish(Map<String, Secret> secrets) {
        return publish(secrets, true);
    }

    /**
     * Swaps in a snapshot of {@code secrets} and tells the listeners. Returns the new snapshot.
     *
     * @param changed whether a value or version changed or a key went away: only then does {@link Snapshot#change()}
     *                count up (a refresh that only renewed fetch times is not a change)
     */
    public Snapshot publish(Map<String, Secret> secrets, boolean changed) {
        Snapshot next;
        Snapshot prev;
        do {
            prev = current.get();
            next = new Snapshot(secrets, clock.instant(), prev.generation() + 1, prev.change() + (changed ? 1 : 0));
        } while (!current.compareAndSet(prev, next));
        for (Consumer<Snapshot> l : listeners) {
            l.accept(next);
        }
        return next;
    }

    public void addListener(Consumer<Snapshot> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<Snapshot> listener) {
        listeners.remove(listener);
    }

    public Clock clock() {
        return clock;
    }
}
