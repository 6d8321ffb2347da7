package io.ssmsidecar.store;

import java.time.Instant;

/**
 * Health of one declared reference, for {@code GET /v1/secrets}, readiness and logs.
 *
 * @param key             the reference's key (the variable name)
 * @param loaded          whether a value was ever loaded
 * @param stale           whether the last refresh of a loaded value failed (the last good value is served)
 * @param lastSuccess     the last successful fetch, or null
 * @param lastErrorCode   the error code of the last failure since the last success, or null
 * @param lastError       the reason of that failure (no values), or null
 * @param consecutiveFailures failures since the last success
 */
public record KeyStatus(String key, boolean loaded, boolean stale, Instant lastSuccess, String lastErrorCode,
                        String lastError, int consecutiveFailures) {
}
