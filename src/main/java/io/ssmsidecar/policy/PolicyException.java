package io.ssmsidecar.policy;

import java.util.List;

/** The policy cannot be written: each problem names the bad or missing option or reference and what is allowed. */
public final class PolicyException extends Exception {
    private final List<String> problems;

    PolicyException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each. */
    public List<String> problems() {
        return problems;
    }
}
