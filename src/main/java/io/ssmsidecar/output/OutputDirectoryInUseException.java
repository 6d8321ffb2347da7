package io.ssmsidecar.output;

/**
 * Another process (or another part of this one) owns the output directory, so this one must not touch it: nothing
 * was created, cleaned or written. The message names the directory and, where known, the holder's pid.
 */
public final class OutputDirectoryInUseException extends OutputException {

    OutputDirectoryInUseException(String message) {
        super(message);
    }
}
