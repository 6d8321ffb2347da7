package io.ssmsidecar.store;

/** A name was asked for on demand that is neither declared nor under an allowed prefix ({@code SIDECAR_ALLOW}). */
public final class NotAllowedException extends Exception {
    public NotAllowedException(String name) {
        super("parameter " + name + " is not declared and does not match SIDECAR_ALLOW");
    }

    /** A secret read from Secrets Manager directly: {@code why} says which entry it lacks. */
    public NotAllowedException(String secretId, String why) {
        super("secret " + secretId + " is not declared and " + why);
    }
}
