package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;

/**
 * {@code exec} cannot go on: the message (names of variables, parameters, files and commands, never a value) is
 * printed and the wrapper exits with {@link #exitCode()}.
 */
final class ExecException extends Exception {
    private final ExitCode exitCode;

    ExecException(ExitCode exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    ExitCode exitCode() {
        return exitCode;
    }
}
