package io.ssmsidecar.http;

import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.CapacityFullException;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.NotAllowedException;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.Readiness;
import io.ssmsidecar.store.Snapshot;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Everything the HTTP API needs from the rest of the sidecar, and nothing about how it is done
 * (SSM calls, caches, schedules). Implemented by the wiring; every method is called from request
 * threads concurrently and never blocks (except the convenience {@link #parameter}).
 */
public interface SecretsBackend {

    /** The declared secrets as currently resolved. Never blocks. */
    Snapshot snapshot();

    /**
     * Refresh health of the secret under {@code key} in the current snapshot (for a key that came from a
     * path reference, the path reference's status); empty shows the secret as fresh since its fetch.
     */
    Optional<KeyStatus> status(String key);

    /**
     * The parameter for the AWS-compatible endpoints: {@code requestName} is a name, {@code name:version},
     * {@code name:label} or an ARN. A parameter declared whole (not only through {@code #key} references) comes from
     * the snapshot at once; others are fetched on demand (and kept fresh) when they match {@code SIDECAR_ALLOW}.
     * Never blocks: SSM calls run on the sidecar's bounded on-demand capacity, one per name at once.
     *
     * <p>The future fails with {@link NotAllowedException} when the name is neither declared whole nor allowed, with
     * {@link SourceException} when SSM answered with an error or did not answer, and with
     * {@link CapacityFullException} (a {@code SourceException} with code {@code ThrottlingException}, status 429 and a
     * {@link CapacityFullException#retryAfter()}) when every on-demand call slot stayed busy. Failures reach
     * dependent stages wrapped in {@link java.util.concurrent.CompletionException}.
     *
     * @param bypassCache fetch from SSM now even when a cached value exists ({@code refreshNow=true})
     */
    CompletableFuture<Parameter> fetchParameter(String requestName, boolean bypassCache);

    /**
     * A Secrets Manager secret declared whole by an {@code sm://} reference (not only through {@code #key}
     * references), from the snapshot: {@code secretId} is its name, ARN or partial ARN, {@code selector} the declared
     * version stage or version id (null for AWSCURRENT). Never blocks.
     */
    default Optional<Parameter> declaredSecret(String secretId, String selector) {
        return Optional.empty();
    }

    /**
     * The Secrets Manager secret {@code secretId} (a name, or a full or partial ARN in any account) for the
     * {@code /secretsmanager/get} endpoint and the SDK endpoint's {@code GetSecretValue} and
     * {@code BatchGetSecretValue}: declared by an {@code sm://} reference, from the snapshot (fetched fresh on the
     * on-demand capacity when {@code bypassCache}); else covered by an {@code sm://} entry of {@code SIDECAR_ALLOW},
     * read from Secrets Manager directly on demand; else through Parameter Store's
     * {@code /aws/reference/secretsmanager/} path as {@link #fetchParameter} reads it. Never blocks; fails as
     * {@link #fetchParameter} does, and with {@code ResourceNotFoundException} for a secret Secrets Manager does not
     * know.
     *
     * @param versionId    the version id asked for, or null
     * @param versionStage the stage asked for, or null (both null: AWSCURRENT)
     */
    default CompletableFuture<Parameter> fetchSecret(String secretId, String versionId, String versionStage,
                                                     boolean bypassCache) {
        String selector = versionId != null ? versionId : versionStage;
        Optional<Parameter> declared = declaredSecret(secretId, selector);
        if (declared.isPresent()) {
            return CompletableFuture.completedFuture(declared.get());
        }
        return fetchParameter(io.ssmsidecar.reference.Reference.SECRETS_MANAGER_PREFIX + secretId
                + (selector == null ? "" : ":" + selector), bypassCache);
    }

    /**
     * The parameter paths declared by path references ({@code ssm:///prod/app/*} declares {@code /prod/app}); every
     * parameter below them is in {@link #snapshot()}, so the SDK endpoint answers {@code GetParametersByPath} on them
     * (or below them) from memory.
     */
    default List<String> declaredPaths() {
        return List.of();
    }

    /**
     * Whether every required secret has been loaded and written, and if not, why. The reason is shown to
     * operators in the 503 body of {@code /readyz}, so it names keys and counts, never values.
     */
    Readiness readiness();

    /** Asks for a refresh cycle soon; concurrent requests coalesce into one. Never blocks. */
    void requestRefresh();

    /** Tells {@code listener} about every new snapshot (long-poll waiters). Called once when the server starts. */
    void addSnapshotListener(Consumer<Snapshot> listener);

    /** Stops telling {@code listener}; called when the server closes. */
    void removeSnapshotListener(Consumer<Snapshot> listener);
}
