package io.ssmsidecar.source;

import java.util.List;

/**
 * The answer to one {@code GetParameters} batch: the parameters found (keyed back to the names
 * asked for through {@link Parameter#requestedName()}) and the names SSM reported as invalid.
 */
public record FetchResult(List<Parameter> parameters, List<String> invalid) {
    public FetchResult {
        parameters = List.copyOf(parameters);
        invalid = List.copyOf(invalid);
    }
}
