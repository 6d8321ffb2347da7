package io.ssmsidecar.localssm;

import java.time.Instant;
import java.util.List;

/**
 * One SSM request the endpoint answered, for tests and benchmarks that assert on call patterns.
 *
 * @param at          when it arrived, by the endpoint's clock
 * @param operation   e.g. {@code GetParameters}
 * @param names       the names, ARNs or path the request carried, as sent
 * @param accessKeyId the access key id from the request's SigV4 {@code Credential=}, or empty
 * @param status      the HTTP status of the answer
 * @param errorCode   the error code answered ({@code ThrottlingException}, ...), or null on success
 */
public record Call(Instant at, String operation, List<String> names, String accessKeyId, int status, String errorCode) {
    public Call {
        names = List.copyOf(names);
    }

    /** True when the call was answered without an error. */
    public boolean succeeded() {
        return errorCode == null;
    }

    /** True when the call was answered with {@code ThrottlingException}. */
    public boolean throttled() {
        return "ThrottlingException".equals(errorCode);
    }
}
