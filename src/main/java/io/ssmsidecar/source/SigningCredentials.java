package io.ssmsidecar.source;

import java.util.Objects;

/**
 * The AWS credentials and region this sidecar signs its own SSM calls with, for checking that a request from
 * the app was signed with the same ones (the SDK endpoint's {@code verify} mode). Thread-safe.
 */
public interface SigningCredentials {

    /** The region the sidecar's SSM client is configured for, e.g. {@code eu-west-1}. */
    String region();

    /**
     * The credentials as currently resolved (the provider's cache).
     *
     * @throws SourceException when no credentials can be resolved
     */
    Keys current() throws SourceException;

    /**
     * Resolves the credentials again, past any cache, for a request signed with keys that may have just rotated.
     * Costs a call to the credentials source (the container endpoint, STS); callers bound how often.
     *
     * @throws SourceException when no credentials can be resolved
     */
    Keys resolveAgain() throws SourceException;

    /**
     * One set of keys. {@code secretAccessKey} masks itself; {@code sessionToken} is null for long-term keys.
     * The record's {@code toString()} names the key id only.
     */
    record Keys(String accessKeyId, SecretValue secretAccessKey, String sessionToken) {
        public Keys {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        }

        @Override
        public String toString() {
            return "Keys[" + accessKeyId + (sessionToken == null ? "" : ", session") + "]";
        }
    }
}
