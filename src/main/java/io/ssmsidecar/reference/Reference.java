package io.ssmsidecar.reference;

import java.util.List;

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
 *   <li>{@link Kind#SECRET_PREFIX} ({@code sm://PREFIX/*}): {@link #name()} is the name prefix without the trailing
 *       {@code /*} (e.g. {@code prod/app}); no selector, no JSON key; {@link #tags()} the tag filters, if any.</li>
 * </ul>
 *
 * @param raw the reference exactly as declared (it holds no secret, only a name)
 */
public record Reference(String key, Kind kind, String name, String selector, String jsonKey, boolean optional, String raw,
                        List<Tag> tags) {

    public enum Kind { PARAMETER, PATH, SECRET, SECRET_PREFIX }

    /**
     * A tag filter of an {@code sm://PREFIX/*} reference ({@code ?tag=KEY=VALUE}, or {@code ?tag=KEY} for any value):
     * only secrets carrying this tag are loaded.
     *
     * @param value the exact tag value, or null when any value matches
     */
    public record Tag(String key, String value) {
        String format() {
            return value == null ? key : key + "=" + value;
        }
    }

    public Reference {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A reference without tag filters (every kind but a filtered {@link Kind#SECRET_PREFIX}). */
    public Reference(String key, Kind kind, String name, String selector, String jsonKey, boolean optional, String raw) {
        this(key, kind, name, selector, jsonKey, optional, raw, List.of());
    }

    /** True for a reference that loads many keys, one per parameter or secret found: {@code ssm://PATH/*}, {@code sm://PREFIX/*}. */
    public boolean isPrefix() {
        return kind == Kind.PATH || kind == Kind.SECRET_PREFIX;
    }

    /** What a failure of a prefix reference names: {@code /prod/app/*} for a path, the reference itself for secrets. */
    public String prefixLabel() {
        return kind == Kind.PATH ? name + "/*" : raw;
    }

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
        return (kind == Kind.PARAMETER || kind == Kind.PATH) && name.startsWith(SECRETS_MANAGER_PREFIX);
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
        boolean secret = kind == Kind.SECRET || kind == Kind.SECRET_PREFIX;
        StringBuilder b = new StringBuilder(secret ? SECRETS_MANAGER_SCHEME : SCHEME).append(name);
        if (isPrefix()) {
            b.append("/*");
        }
        if (selector != null) {
            b.append(':').append(selector);
        }
        char separator = '?';
        if (optional) {
            b.append("?optional");
            separator = '&';
        }
        for (Tag tag : tags) {
            b.append(separator).append("tag=").append(tag.format());
            separator = '&';
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
