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

    public Snapshot(Map<String, Secret> secrets, Instant takenAt, long generation) {
        this.secrets = Collections.unmodifiableMap(new TreeMap<>(secrets));
        this.takenAt = takenAt;
        this.generation = generation;
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

    /** Increases by one on every swap; 0 for the empty snapshot. */
    public long generation() {
        return generation;
    }

    public int size() {
        return secrets.size();
    }

    @Override
    public String toString() {
        return "Snapshot[generation=" + generation + ", keys=" + secrets.keySet() + "]";
    }
}
