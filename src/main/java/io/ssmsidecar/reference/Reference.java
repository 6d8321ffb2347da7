package io.ssmsidecar.reference;


/**
 * One parsed {@code ssm://} or {@code sm://} reference, declared by an environment variable whose name is
 * {@link #key()}.
 *
 * <ul>
 *   <li>{@link Kind#PARAMETER}: {@link #name()} is a parameter name or ARN, {@link #selector()} an optional
 *       version ({@code "3"}) or label ({@code "blue"}), {@link #jsonKey()} an optional key of a JSON value.</li>
 *   <li>{@link Kind#PATH}: {@link #name()} is the path prefix without the trailing {@code /*}
 *       (e.g. {@code /prod/app}); no selector, no JSON key.</li>
 *   <li>{@link Kind#SECRET} ({@code sm://}): {@link #name()} is a Secrets Manager secret name or full secret ARN,
 *       {@link #selector()} an optional version stage ({@code AWSPREVIOUS}) or version id (a UUID),
 *       {@link #jsonKey()} an optional key of a JSON value.</li>
 * </ul>
 *
 * @param raw the reference exactly as declared (it holds no secret, only a name)
 */
public record Reference(String key, Kind kind, String name, String selector, String jsonKey, boolean optional, String raw) {

    public enum Kind { PARAMETER, PATH, SECRET }

    public static final String SCHEME = "ssm://";
    /** The scheme of a reference read from Secrets Manager directly ({@link Kind#SECRET}). */
    public static final String SECRETS_MANAGER_SCHEME = "sm://";
    /** Parameter Store's path to Secrets Manager secrets: the one spelling of it in the project but localssm's. */
    public static final String SECRETS_MANAGER_PREFIX = "/aws/reference/secretsmanager/";

    /** The name as sent to {@code GetParameters}: {@code name} or {@code name:selector}. */
    public String requestName() {
        return selector == null ? name : name + ":" + selector;
    }

    /** True for a Secrets Manager secret read through Parameter Store ({@code ssm:///aws/reference/secretsmanager/}). */
    public boolean isSecretsManager() {
        return kind != Kind.SECRET && name.startsWith(SECRETS_MANAGER_PREFIX);
    }

    /** For {@link Kind#SECRET}: the selector is a version id (a UUID), not a version stage. */
    public boolean selectorIsVersionId() {
        return kind == Kind.SECRET && selector != null && ReferenceParser.isVersionId(selector);
    }

    /**
     * The reference in its canonical form; for a parsed reference this equals {@link #raw()}, because
     * the parser accepts only canonical input.
     */
    public String format() {
        StringBuilder b = new StringBuilder(kind == Kind.SECRET ? SECRETS_MANAGER_SCHEME : SCHEME).append(name);
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

    /** True when {@code value} declares a reference (starts with {@code ssm://} or {@code sm://}). */
    public static boolean isReference(String value) {
        return value != null && (value.startsWith(SCHEME) || value.startsWith(SECRETS_MANAGER_SCHEME));
    }
}
