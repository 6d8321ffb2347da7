package io.ssmsidecar.reference;

import java.util.List;

/**
 * An error that reports every problem found, not just the first: one line each, in a stable order. The message is
 * the one problem, or the count and what they are ({@code "3 bad references:"}) followed by one indented line each.
 * It lives here, at the bottom of the packages, so that {@link ReferenceException} and {@code ConfigException} (and
 * anything later that checks a list of inputs) share one shape; what each line may say is the subclass's rule.
 */
public abstract class ProblemsException extends Exception {
    private final List<String> problems;

    /** {@code what} names several problems in the message, e.g. {@code "bad references"}. */
    protected ProblemsException(List<String> problems, String what) {
        super(message(problems, what));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each, in a stable order. */
    public final List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems, String what) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " " + what + ":\n  " + String.join("\n  ", problems);
    }
}
