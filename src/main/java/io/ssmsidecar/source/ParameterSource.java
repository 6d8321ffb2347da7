package io.ssmsidecar.source;

import java.util.List;
import java.util.Optional;

/**
 * Where parameter values come from. The AWS SDK stays inside this package ({@link SsmParameterSource} and its
 * helpers); everything else sees this interface and the plain types beside it. Implementations are thread-safe.
 */
public interface ParameterSource extends AutoCloseable {

    /** SSM's limit on names in one {@code GetParameters} call. */
    int MAX_NAMES_PER_CALL = 10;

    /**
     * One {@code GetParameters} call, always with decryption.
     *
     * @param names 1 to {@value #MAX_NAMES_PER_CALL} distinct names, ARNs or {@code name:selector}s
     * @throws IllegalArgumentException for an empty or oversized batch
     * @throws SourceException when the call fails as a whole
     */
    FetchResult getParameters(List<String> names) throws SourceException;

    /**
     * Every parameter below {@code path}, recursively, with decryption, following {@code NextToken}
     * until the last page.
     *
     * @throws SourceException when a page fails; no partial list is returned
     */
    List<Parameter> getParametersByPath(String path) throws SourceException;

    /**
     * The credentials and region this source signs its calls with, for checking the signature of an app's request
     * (the SDK endpoint's {@code verify} mode); empty for a source that does not sign (test doubles).
     */
    default Optional<SigningCredentials> signingCredentials() {
        return Optional.empty();
    }

    @Override
    void close();
}
