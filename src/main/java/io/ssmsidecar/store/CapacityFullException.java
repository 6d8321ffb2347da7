package io.ssmsidecar.store;

import io.ssmsidecar.source.SourceException;
import java.time.Duration;

/**
 * The on-demand capacity is taken: every SSM call slot was busy for as long as a request may wait. A throttling error
 * of the sidecar's own ({@code ThrottlingException}, HTTP 429, transient); {@link #retryAfter()} says when to retry.
 */
public final class CapacityFullException extends SourceException {
    private static final long serialVersionUID = 1L;

    private final Duration retryAfter;

    CapacityFullException(int calls, Duration waited) {
        super("ThrottlingException", 429, true, "the sidecar's " + calls + " on-demand SSM call slots"
                + " (SIDECAR_ON_DEMAND_CALLS) stayed busy for " + waited.toMillis() + " ms; retry shortly", null);
        this.retryAfter = Duration.ofSeconds(Math.max(1, waited.toSeconds()));
    }

    /** When a retry may find a free slot: whole seconds, at least one (for a {@code Retry-After} header). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
