package io.ssmsidecar.reference;

import java.util.List;

/**
 * A malformed {@code ssm://} reference, key or path-derived key. Each problem names the variable (or key)
 * and the reason; none holds more of a value than the reference itself, which is a name, never a secret.
 */
public final class ReferenceException extends ProblemsException {
    ReferenceException(String problem) {
        this(List.of(problem));
    }

    ReferenceException(List<String> problems) {
        super(problems, "bad references");
    }
}
