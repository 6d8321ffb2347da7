package io.ssmsidecar.reference;

import java.util.List;

/**
 * A malformed {@code ssm://} reference, key or path-derived key. Each problem names the variable (or key)
 * and the reason; none holds more of a value than the reference itself, which is a name, never a secret.
 */
public final class ReferenceException extends Exception {
    private final List<String> problems;

    ReferenceException(String problem) {
        this(List.of(problem));
    }

    ReferenceException(List<String> problems) {
        super(message(problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each, in a stable order. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " bad references:\n  " + String.join("\n  ", problems);
    }
}
