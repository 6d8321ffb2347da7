package io.ssmsidecar.output;

import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds snapshots for tests: version = generation, so every set has its own version tags. */
final class Snapshots {
    private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");

    private Snapshots() {
    }

    static Snapshot of(long generation, Map<String, String> values) {
        Map<String, Secret> secrets = new LinkedHashMap<>();
        values.forEach((k, v) -> secrets.put(k,
                new Secret(k, "/app/" + k, SecretValue.of(v), generation, null, T0, T0, null)));
        return new Snapshot(secrets, T0, generation);
    }

    static Snapshot of(Map<String, String> values) {
        return of(1, values);
    }
}
