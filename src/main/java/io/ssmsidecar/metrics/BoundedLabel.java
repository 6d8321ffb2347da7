package io.ssmsidecar.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps one label's cardinality bounded: the first {@value #MAX_VALUES} distinct values pass, later
 * new ones become {@code other}, and null or blank becomes {@code unknown}. A caller that passes an
 * unexpected string (a raw path, an error message) cannot grow the registry without limit.
 */
final class BoundedLabel {
    static final int MAX_VALUES = 50;
    static final String OTHER = "other";

    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    String value(String raw) {
        if (raw == null || raw.isBlank()) {
            return "unknown";
        }
        if (seen.contains(raw)) {
            return raw;
        }
        synchronized (seen) {
            if (seen.size() < MAX_VALUES) {
                seen.add(raw);
                return raw;
            }
        }
        return seen.contains(raw) ? raw : OTHER;
    }
}
