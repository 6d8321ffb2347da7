package io.ssmsidecar.config;

import io.ssmsidecar.reference.ProblemsException;
import java.util.List;

/**
 * Bad command line, setting, config file or reference. Holds every problem found (not just the first), each
 * naming the setting, the bad value and what is allowed; never a token or a secret. Commands exit with
 * {@code ExitCode.CONFIG}.
 */
public final class ConfigException extends ProblemsException {
    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public ConfigException(List<String> problems) {
        super(problems, "configuration problems");
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
    }
}
