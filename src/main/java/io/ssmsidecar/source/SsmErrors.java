package io.ssmsidecar.source;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns SDK exceptions into {@link SourceException}s, sorted the way the refresh loop needs them:
 * transient (throttling, 5xx, timeouts, I/O: retry and keep the last good value) or permanent (not found, access
 * denied, bad KMS key, validation, other 4xx). Messages name the operation, the names or path and the AWS error
 * code. They carry the service's own error message, which for read operations holds names and ARNs only (this
 * source never sends a value), but never the text of an unreadable answer, which could.
 */
final class SsmErrors {
    private static final Set<String> TRANSIENT = Set.of("InternalServerError", "InternalFailure", "ServiceUnavailable",
            "ServiceUnavailableException", "RequestTimeout", "RequestTimeoutException", "ExpiredToken",
            "ExpiredTokenException", "IDPCommunicationError");
    private static final List<Class<? extends IOException>> SAFE_IO_MESSAGES = List.of(ConnectException.class,
            SocketTimeoutException.class, UnknownHostException.class, NoRouteToHostException.class,
            SocketException.class, SSLException.class, InterruptedIOException.class);
    private static final int MAX_AWS_MESSAGE = 400;

    /** A failure and the outcome label for metrics: throttled, transient or permanent. */
    record Classified(SourceException exception, String outcome) {
    }

    private SsmErrors() {
    }

    static Classified classify(String operation, List<String> subjects, SdkException e) {
        String where = operation + " " + subjects;
        RoleNotAssumed assume = cause(e, RoleNotAssumed.class);
        if (assume != null && assume.getCause() instanceof SdkException sts) {
            // The call never left: the role it needs could not be assumed. Sorted as STS's answer is; one code for
            // all such failures, so the Resolver knows every call through the role would fail the same way.
            Classified why = classify(where + ": " + RoleNotAssumed.FAILED + assume.roleArn(), sts);
            SourceException x = why.exception();
            return of(new SourceException(ASSUME_ROLE_FAILED, x.statusCode(), x.isTransient(), x.getMessage(), e),
                    why.outcome());
        }
        return classify(where, e);
    }

    /** {@code e}, sorted; its message starts with {@code where}. */
    private static Classified classify(String where, SdkException e) {
        if (e instanceof AwsServiceException service) {
            return service(where, service);
        }
        if (e instanceof ApiCallAttemptTimeoutException || e instanceof ApiCallTimeoutException) {
            return of(new SourceException("Timeout", 0, true, where + ": no answer from SSM within the "
                    + (e instanceof ApiCallTimeoutException ? "call" : "attempt") + " timeout", e), "transient");
        }
        if (e instanceof AbortedException) {
            Thread.currentThread().interrupt();
            return of(new SourceException("Aborted", 0, true, where + ": interrupted", e), "transient");
        }
        IOException io = cause(e, IOException.class);
        if (io != null) {
            return of(new SourceException("IOError", 0, true, where + ": cannot reach SSM: " + describe(io), e),
                    "transient");
        }
        String message = e.getMessage() == null ? "" : e.getMessage();
        if (message.startsWith("Unable to load credentials")) {
            return of(new SourceException("CredentialsError", 0, false, where + ": no AWS credentials: "
                    + truncate(message, 1000), e), "permanent");
        }
        return of(new SourceException("ClientError", 0, true, where + ": the SDK failed ("
                + e.getClass().getSimpleName() + ")", e), "transient");
    }

    /** The error code of a call that failed because the role it goes through could not be assumed. */
    static final String ASSUME_ROLE_FAILED = "AssumeRoleFailed";

    private static Classified service(String where, AwsServiceException e) {
        int status = e.statusCode();
        String code = e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null
                ? e.awsErrorDetails().errorCode() : "HTTP" + status;
        String awsMessage = e.awsErrorDetails() != null ? e.awsErrorDetails().errorMessage() : null;
        boolean throttled = e.isThrottlingException() || SourceException.isThrottlingCode(code) || status == 429;
        boolean isTransient = throttled || status >= 500 || TRANSIENT.contains(code);
        String message = where + ": " + code + " (HTTP " + status + ")"
                + (awsMessage == null || awsMessage.isBlank() ? "" : ": " + truncate(awsMessage, MAX_AWS_MESSAGE));
        return of(new SourceException(code, status, isTransient, message, e),
                throttled ? "throttled" : isTransient ? "transient" : "permanent");
    }

    private static Classified of(SourceException e, String outcome) {
        return new Classified(e, outcome);
    }

    /** The type of an I/O failure, with its message only for network errors whose messages are known to be safe. */
    private static String describe(IOException io) {
        for (Class<? extends IOException> safe : SAFE_IO_MESSAGES) {
            if (safe.isInstance(io) && io.getMessage() != null) {
                return io.getClass().getSimpleName() + ": " + truncate(io.getMessage(), 200);
            }
        }
        return io.getClass().getSimpleName();
    }

    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
