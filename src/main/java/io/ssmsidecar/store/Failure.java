package io.ssmsidecar.store;

/**
 * Why one declared secret could not be loaded. Names the key, the parameter and the reason; never a value.
 *
 * @param key           the declared key (or the variable of a path reference)
 * @param parameterName the parameter name or path asked for
 * @param code          an AWS error code (ParameterNotFound, ThrottlingException, ...) or a local one (JsonKeyNotFound, ...)
 * @param reason        a human sentence naming what is wrong and what to do
 * @param isTransient   true when retrying may help (throttling, 5xx, timeouts, I/O)
 * @param optional      true when the reference was marked optional
 */
public record Failure(String key, String parameterName, String code, String reason, boolean isTransient,
                      boolean optional) {

    /**
     * True when this failure is about {@code ref}: its own key, or for a path reference its path. Never by parameter
     * name alone: the resolver gives each named reference its own failure, and several references reading other JSON
     * keys of one parameter must not share one key's failure (issue 18: a bad {@code #nokey} hid a good {@code #password}).
     */
    boolean concerns(io.ssmsidecar.reference.Reference ref) {
        return key.equals(ref.key())
                || ref.isPrefix() && parameterName.equals(ref.prefixLabel());
    }

    /** True when SSM refused the call for rate (ThrottlingException and the like): the quota is shared, back off. */
    public boolean isThrottling() {
        return io.ssmsidecar.source.SourceException.isThrottlingCode(code);
    }

    /** One line for users: {@code KEY (/prod/db/password): ParameterNotFound: reason}. */
    public String describe() {
        return key + " (" + parameterName + "): " + code + ": " + reason;
    }
}
