package io.ssmsidecar.source;

import java.time.Instant;

/**
 * One parameter as Parameter Store returned it. {@code requestedName} is the name the caller asked
 * for (with its {@code :version} or {@code :label} selector, or an ARN), {@code name} the name SSM
 * answered with. {@code secretMetadata} is the Secrets Manager metadata (Parameter Store's
 * {@code SourceResult}, read once and without the secret value) for {@code /aws/reference/secretsmanager/} names,
 * else null.
 * The generated {@code toString()} is safe: {@link SecretValue} masks itself.
 */
public record Parameter(
        String requestedName,
        String name,
        String type,
        SecretValue value,
        long version,
        String selector,
        SecretMetadata secretMetadata,
        Instant lastModified,
        String arn,
        String dataType) {
}
