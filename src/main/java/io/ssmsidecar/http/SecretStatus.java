package io.ssmsidecar.http;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Refresh health of one declared secret, shown by {@code GET /v1/secrets}.
 *
 * @param stale         the value is the last good one, kept after refreshes failed
 * @param lastErrorCode the error code of the last failed refresh (e.g. {@code ParameterNotFound}), if the last one failed
 * @param lastSuccess   when the value was last fetched successfully
 */
public record SecretStatus(boolean stale, Optional<String> lastErrorCode, Instant lastSuccess) {
    public SecretStatus {
        Objects.requireNonNull(lastErrorCode, "lastErrorCode");
        Objects.requireNonNull(lastSuccess, "lastSuccess");
    }

    /** A secret whose last refresh succeeded at {@code lastSuccess}. */
    public static SecretStatus fresh(Instant lastSuccess) {
        return new SecretStatus(false, Optional.empty(), lastSuccess);
    }
}
