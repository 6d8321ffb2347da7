package io.ssmsidecar.output;

/**
 * The outputs as configured cannot work, whatever the directory: a template that cannot be read or parsed (the
 * message names the file and, for a syntax error, the line). Found before the directory is touched or anything is
 * fetched, so the commands report it as a configuration error, not as an unusable directory. Also a binary secret
 * (Secrets Manager's SecretBinary) bound for a bundle form that cannot carry bytes: found when first rendered.
 */
public final class OutputConfigException extends OutputException {

    OutputConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
