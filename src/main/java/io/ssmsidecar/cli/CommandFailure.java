package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;

/** Ends a command with an exit code after its message was printed. */
final class CommandFailure extends Exception {
    private final ExitCode code;

    CommandFailure(ExitCode code) {
        super(code.name(), null, false, false);
        this.code = code;
    }

    ExitCode code() {
        return code;
    }
}
