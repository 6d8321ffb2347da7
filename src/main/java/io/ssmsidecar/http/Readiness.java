package io.ssmsidecar.http;

import java.util.Objects;

/**
 * The answer of {@code GET /readyz}: ready, or not ready with a reason for operators
 * (names and counts only, e.g. "2 of 5 required secrets not loaded yet: DB_PASSWORD, API_KEY").
 */
public record Readiness(boolean ready, String reason) {
    /** Every required secret is loaded and written. */
    public static final Readiness READY = new Readiness(true, "ready");

    public Readiness {
        Objects.requireNonNull(reason, "reason");
    }

    /** Not ready; {@code reason} is shown to operators in the 503 body, so it names keys and counts, never values. */
    public static Readiness notReady(String reason) {
        return new Readiness(false, reason);
    }
}
