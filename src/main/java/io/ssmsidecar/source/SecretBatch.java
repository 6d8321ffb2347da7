package io.ssmsidecar.source;

import java.util.List;
import java.util.Map;

/**
 * The answer to one Secrets Manager {@code BatchGetSecretValue} call: the secrets found (keyed back to the ids asked
 * for through {@link Parameter#requestedName()}) and, per id asked for, the error Secrets Manager reported for it.
 */
public record SecretBatch(List<Parameter> found, Map<String, SourceException> errors) {
    public SecretBatch {
        found = List.copyOf(found);
        errors = Map.copyOf(errors);
    }
}
