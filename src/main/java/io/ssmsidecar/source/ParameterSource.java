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

    /** Secrets Manager's limit on ids in one {@code BatchGetSecretValue} call. */
    int MAX_SECRETS_PER_BATCH = 20;

    /**
     * One Secrets Manager {@code GetSecretValue} call ({@code sm://} references).
     *
     * @param secretId    a secret name or ARN (any account, any region)
     * @param versionId   the version id to read, or null
     * @param versionStage the version stage to read, or null (both null: AWSCURRENT)
     * @return the secret as a {@link Parameter}: its Secrets Manager name, a value (binary for a
     *         {@code SecretBinary}), and metadata with its ARN, version id and stages
     * @throws SourceException when the call fails
     */
    default Parameter getSecretValue(String secretId, String versionId, String versionStage) throws SourceException {
        throw new SourceException("Unsupported", 0, false, "this source does not read Secrets Manager", null);
    }

    /**
     * One Secrets Manager {@code BatchGetSecretValue} call by {@code SecretIdList}: the AWSCURRENT version of each.
     *
     * @param secretIds 1 to {@value #MAX_SECRETS_PER_BATCH} distinct secret names or ARNs
     * @throws SourceException when the call fails as a whole
     */
    default SecretBatch batchGetSecretValue(List<String> secretIds) throws SourceException {
        throw new SourceException("Unsupported", 0, false, "this source does not read Secrets Manager", null);
    }

    /**
     * Which ids may share one batch call ({@code GetParameters}, {@code BatchGetSecretValue}): ids with equal groups
     * are served by one client (one region, one set of credentials). A source with one client answers one group.
     */
    default String batchGroup(String id) {
        return "";
    }

    /**
     * Every secret of the caller's account and region whose name starts with {@code prefix} ({@code sm://PREFIX/*}),
     * in its AWSCURRENT version, following {@code NextToken} until the last page. Without tags, one
     * {@code BatchGetSecretValue} with a {@code name} filter per page of {@value #MAX_SECRETS_PER_BATCH}; with tags,
     * {@code ListSecrets} (which answers each secret's tags, so a tag's key and value are matched as one pair, not as
     * two independent prefix filters) and then {@code BatchGetSecretValue} by id for the secrets that match.
     *
     * @param prefix the name prefix, ending in {@code /}; only names that start with it exactly are answered
     * @param tags   tag key to the exact value required, or to null for any value; empty for no tag filter
     * @return the secrets found, each with its name as {@link Parameter#requestedName()}, and the errors Secrets
     *         Manager reported for single secrets, by the secret id it named
     * @throws SourceException when a call fails as a whole; no partial list is returned
     */
    default SecretBatch secretsByPrefix(String prefix, java.util.Map<String, String> tags) throws SourceException {
        throw new SourceException("Unsupported", 0, false, "this source does not read Secrets Manager", null);
    }

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
