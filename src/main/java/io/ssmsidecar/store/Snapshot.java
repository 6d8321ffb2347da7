package io.ssmsidecar.store;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable view of every resolved secret by key, taken at one instant. Swapped whole by
 * {@link SnapshotStore}, so readers see a consistent set without locking.
 */
public final class Snapshot {
    private static final Snapshot EMPTY = new Snapshot(Map.of(), Instant.EPOCH, 0);

    private final Map<String, Secret> secrets;
    private final Instant takenAt;
    private final long generation;
    private final long change;

    /** A snapshot whose every swap was a change ({@code change == generation}), as tests and {@code init} make. */
    public Snapshot(Map<String, Secret> secrets, Instant takenAt, long generation) {
        this(secrets, takenAt, generation, generation);
    }

    public Snapshot(Map<String, Secret> secrets, Instant takenAt, long generation, long change) {
        this.secrets = Collections.unmodifiableMap(new TreeMap<>(secrets));
        this.takenAt = takenAt;
        this.generation = generation;
        this.change = change;
    }

    public static Snapshot empty() {
        return EMPTY;
    }

    /** Secrets by key, sorted by key. */
    public Map<String, Secret> secrets() {
        return secrets;
    }

    public Optional<Secret> get(String key) {
        return Optional.ofNullable(secrets.get(key));
    }

    public Instant takenAt() {
        return takenAt;
    }

    /**
     * Increases by one on every swap, including the refreshes that only renewed fetch times; 0 for the empty
     * snapshot. For "has anything been published since"; what users see is {@link #change()}.
     */
    public long generation() {
        return generation;
    }

    /**
     * The number of published changes: 1 for the first load, then one more for each swap that changed a value or a
     * version or removed a key; unchanged refreshes and retries keep it. Change notifications and logs call it
     * {@code generation}, so a receiver sees consecutive numbers (unless {@code SIDECAR_NOTIFY_WINDOW} folds
     * several changes into one notification).
     */
    public long change() {
        return change;
    }

    public int size() {
        return secrets.size();
    }

    @Override
    public String toString() {
        return "Snapshot[generation=" + generation + ", change=" + change + ", keys=" + secrets.keySet() + "]";
    }
}
