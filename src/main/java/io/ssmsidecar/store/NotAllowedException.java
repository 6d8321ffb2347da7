package io.ssmsidecar.store;

import java.util.List;

/**
 * A parameter that was not declared was asked for on demand, and its name matches none of the
 * {@code SIDECAR_ALLOW} prefixes. The message names the parameter and the allowed prefixes (names only).
 */
public final class NotAllowedException extends Exception {
    private final String name;

    public NotAllowedException(String name, List<String> allowedPrefixes) {
        super(message(name, allowedPrefixes));
        this.name = name;
    }

    private static String message(String name, List<String> allowedPrefixes) {
        return allowedPrefixes.isEmpty()
                ? "'" + name + "' is not a declared secret, and SIDECAR_ALLOW is empty, so only declared secrets are served"
                : "'" + name + "' is not a declared secret and does not start with an allowed prefix "
                        + allowedPrefixes + " (SIDECAR_ALLOW)";
    }

    /** The name as requested, with any selector. */
    public String name() {
        return name;
    }
}
