package io.ssmsidecar.testing;

import io.ssmsidecar.localssm.LocalSsm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * An SSM implementation end-to-end tests run against: the project's own {@link LocalSsm}, or moto's independent one
 * ({@link MotoServer}). Both are seeded the same way and reached through {@link #env()} (endpoint, region, dummy
 * credentials), exactly as a user points the sidecar at them.
 */
public interface SsmBackend extends AutoCloseable {
    String name();

    /**
     * {@code AWS_ENDPOINT_URL_SSM} and {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}, region and static dummy credentials
     * for the sidecar's SDK.
     */
    Map<String, String> env();

    /** Stores a new version of a parameter (overwriting); its version number. */
    long put(String name, String value, String type);

    /** Moves {@code label} to {@code version} of {@code name}. */
    void label(String name, long version, String label);

    /**
     * Creates a Secrets Manager secret, or gives it a new current version when it exists (the old one becomes
     * AWSPREVIOUS). Returns the new version's id.
     */
    String putSecret(String id, String secretString);

    /** Creates a Secrets Manager secret whose value is {@code SecretBinary}; returns its version id. */
    String putBinarySecret(String id, byte[] secretBinary);

    /**
     * Creates the secret {@code name} in another account ({@code account}, this backend's region) with a resource
     * policy that lets this backend's own account read it, as a central security account shares a secret; its ARN.
     */
    String putSharedSecret(String account, String name, String secretString);

    void delete(String name);

    /** The parameter's ARN in this backend's account and region. */
    String arnOf(String name);

    /** Where a backend departs from AWS in a way a user journey can see (docs/local-ssm.md, "Where moto differs from AWS"). */
    enum Gap {
        /** {@code GetParameters} lists parameter ARNs as invalid instead of resolving them. */
        ARNS_NOT_RESOLVED,
        /** A secret reference's {@code SourceResult} has no {@code VersionId} / {@code VersionStages}. */
        NO_SECRET_VERSION_METADATA,
        /**
         * Another account's secret read by its ARN is {@code ResourceNotFoundException}, even with a resource
         * policy that allows the caller: each account's secrets are visible to that account's callers only.
         */
        OTHER_ACCOUNTS_SECRETS_NOT_FOUND
    }

    /** Whether this backend has {@code gap}: the tests check the backend's own answer there, by name. */
    boolean has(Gap gap);

    @Override
    void close();

    /** A fresh {@link LocalSsm} on a free port. */
    static SsmBackend localSsm() {
        try {
            return new LocalSsmBackend(LocalSsm.start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JVM's shared {@code moto_server}, emptied. */
    static SsmBackend moto() {
        return new MotoBackend(MotoServer.shared());
    }
}
