package io.ssmsidecar.config;

import java.util.List;

/**
 * Bad command line, setting, config file or reference. Holds every problem found (not just the first), each
 * naming the setting, the bad value and what is allowed; never a token or a secret. Commands exit with
 * {@code ExitCode.CONFIG}.
 */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public ConfigException(List<String> problems) {
        super(message(problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem, one line each, in a stable order. */
    public List<String> problems() {
        return problems;
    }

    private static String message(List<String> problems) {
        if (problems.size() == 1) {
            return problems.get(0);
        }
        return problems.size() + " configuration problems:\n  " + String.join("\n  ", problems);
    }
}
