package io.ssmsidecar.reference;


/**
 * One parsed {@code ssm://} reference, declared by an environment variable whose name is {@link #key()}.
 *
 * <ul>
 *   <li>{@link Kind#PARAMETER}: {@link #name()} is a parameter name or ARN, {@link #selector()} an optional
 *       version ({@code "3"}) or label ({@code "blue"}), {@link #jsonKey()} an optional key of a JSON value.</li>
 *   <li>{@link Kind#PATH}: {@link #name()} is the path prefix without the trailing {@code /*}
 *       (e.g. {@code /prod/app}); no selector, no JSON key.</li>
 * </ul>
 *
 * @param raw the reference exactly as declared (it holds no secret, only a name)
 */
public record Reference(String key, Kind kind, String name, String selector, String jsonKey, boolean optional, String raw) {

    public enum Kind { PARAMETER, PATH }

    public static final String SCHEME = "ssm://";
    /** Parameter Store's path to Secrets Manager secrets: the one spelling of it in the project but localssm's. */
    public static final String SECRETS_MANAGER_PREFIX = "/aws/reference/secretsmanager/";

    /** The name as sent to {@code GetParameters}: {@code name} or {@code name:selector}. */
    public String requestName() {
        return selector == null ? name : name + ":" + selector;
    }

    public boolean isSecretsManager() {
        return name.startsWith(SECRETS_MANAGER_PREFIX);
    }

    /**
     * The reference in its canonical form; for a parsed reference this equals {@link #raw()}, because
     * the parser accepts only canonical input.
     */
    public String format() {
        StringBuilder b = new StringBuilder(SCHEME).append(name);
        if (kind == Kind.PATH) {
            b.append("/*");
        }
        if (selector != null) {
            b.append(':').append(selector);
        }
        if (optional) {
            b.append("?optional");
        }
        if (jsonKey != null) {
            b.append('#').append(jsonKey);
        }
        return b.toString();
    }

    /** True when {@code value} declares a reference (starts with {@code ssm://}). */
    public static boolean isReference(String value) {
        return value != null && value.startsWith(SCHEME);
    }
}
