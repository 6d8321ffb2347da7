package io.ssmsidecar.source;

/**
 * A call to the parameter source failed. {@link #isTransient()} sorts the failure: throttling, 5xx,
 * timeouts and I/O errors are transient (retry, keep the last good value); not found, access denied,
 * bad KMS key and validation errors are permanent. The message carries names and AWS error codes,
 * never a value.
 *
 * <p>Not final: the on-demand fetcher's "capacity full" refusal is a {@code ThrottlingException} of the sidecar's
 * own, so every caller that maps SSM errors maps it too, and can still tell it apart by type.
 */
public class SourceException extends Exception {
    /** The codes AWS services answer when a caller exceeds its rate (the SDK's own list, and SSM's). */
    static final java.util.Set<String> THROTTLING_CODES = java.util.Set.of("ThrottlingException", "ThrottledException",
            "Throttling", "TooManyUpdates", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
            "RequestThrottledException", "SlowDown", "PriorRequestNotComplete");
    private final String errorCode;
    private final int statusCode;
    private final boolean isTransient;

    public SourceException(String errorCode, int statusCode, boolean isTransient, String message, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
        this.statusCode = statusCode;
        this.isTransient = isTransient;
    }

    /** AWS error code such as {@code ThrottlingException}, or a local code such as {@code IOError}. */
    public String errorCode() {
        return errorCode;
    }

    /** HTTP status SSM answered with, or 0 when no answer came (timeout, connection refused). */
    public int statusCode() {
        return statusCode;
    }

    public boolean isTransient() {
        return isTransient;
    }

    /** True when the service (or the sidecar's own capacity) refused the call for rate: back off, do not hammer. */
    public boolean isThrottling() {
        return isThrottlingCode(errorCode);
    }

    /** True for the error codes AWS services and the SDK use for throttling ({@code ThrottlingException}, ...). */
    public static boolean isThrottlingCode(String code) {
        return THROTTLING_CODES.contains(code);
    }
}
