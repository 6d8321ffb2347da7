package io.ssmsidecar.migrate;

import java.util.List;

/** The task cannot be migrated exactly: each problem names the container and entry, and why. Nothing is printed. */
public final class MigrationException extends Exception {
    private final List<String> problems;

    MigrationException(List<String> problems) {
        super(String.join("; ", problems), null, false, false);
        this.problems = List.copyOf(problems);
    }

    /** Every problem found, one line each. */
    public List<String> problems() {
        return problems;
    }
}
