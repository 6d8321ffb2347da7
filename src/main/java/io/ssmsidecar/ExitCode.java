package io.ssmsidecar;

/** The process exit codes, documented in docs/commands.md ("Exit codes"). */
public enum ExitCode {
    /** Success. */
    OK(0),
    /** {@code healthcheck}: the daemon is not ready or not reachable. */
    NOT_READY(1),
    /** Bad command line, setting, config file or reference. Nothing was fetched or written. */
    CONFIG(2),
    /** A required secret could not be loaded (not found, access denied, bad JSON key, ...). Nothing was written. */
    SECRETS(3),
    /** SSM stayed unreachable or throttled until the start-up timeout ran out. Nothing was written. */
    UNAVAILABLE(4),
    /** The output directory is unusable or a file could not be written. */
    OUTPUT(5),
    /** {@code run}/{@code init}: another process owns the output directory. Nothing was changed. */
    OUTPUT_IN_USE(6),
    /** {@code exec}: the command was found but could not be run. */
    EXEC_CANNOT_RUN(126),
    /** {@code exec}: the command was not found. */
    EXEC_NOT_FOUND(127),
    /** A bug: an unexpected internal error. */
    INTERNAL(70);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
