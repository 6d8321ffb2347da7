package io.ssmsidecar.cli;

import io.ssmsidecar.log.Log;

/** Installs POSIX signal handlers through {@code sun.misc.Signal} (jdk.unsupported), the one portable way in Java 17. */
final class Signals {
    private static final Log LOG = Log.get(Signals.class);

    private Signals() {
    }

    /** Runs {@code action} on a JVM signal thread when {@code name} (TERM, INT, HUP, USR1) arrives. */
    @SuppressWarnings("removal")
    static boolean on(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            return true;
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot handle signal", "signal", name, "reason", e.getMessage());
            return false;
        }
    }
}
