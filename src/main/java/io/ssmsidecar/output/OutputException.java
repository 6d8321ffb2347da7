package io.ssmsidecar.output;

/**
 * Secrets could not be delivered to disk: the output directory is unusable, a name or template is invalid, a value
 * cannot be encoded in a bundle, or a write failed. The message names the directory, file, key or template and the
 * reason, and says what to do; it never holds a secret value. When {@link OutputDirectory#write} throws it, the
 * files the app sees are unchanged.
 */
public class OutputException extends Exception {

    public OutputException(String message) {
        super(message);
    }

    public OutputException(String message, Throwable cause) {
        super(message, cause);
    }
}
