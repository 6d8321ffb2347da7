package io.ssmsidecar.reference;

import java.util.Optional;

/**
 * The rule for keys: a key names a file in the output directory, an env bundle entry and an HTTP path, so it
 * is {@code [A-Za-z0-9_][A-Za-z0-9_.-]*}, at most {@value #MAX_LENGTH} characters. That excludes {@code .},
 * {@code ..}, separators, NUL and a leading dot (reserved for the output directory's own entries).
 */
public final class Keys {
    /** The longest key allowed. */
    public static final int MAX_LENGTH = 200;

    static final String RULE = "keys use letters, digits, '_', '.' and '-', start with a letter, digit or '_',"
            + " and are at most " + MAX_LENGTH + " characters";

    private Keys() {
    }

    /**
     * Returns {@code key} if it is a valid key.
     *
     * @throws ReferenceException naming the key and the rule it breaks
     */
    public static String validate(String key) throws ReferenceException {
        Optional<String> problem = problem(key);
        if (problem.isPresent()) {
            throw new ReferenceException("key " + Printable.of(key) + " is not allowed: " + problem.get()
                    + "; " + RULE);
        }
        return key;
    }

    /** True if {@code key} is a valid key. */
    public static boolean isValid(String key) {
        return problem(key).isEmpty();
    }

    /** Why {@code name} cannot be a key (e.g. "it contains '/', a path separator"), or empty if it can. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("it is empty");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("it is " + name.length() + " characters long");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("'.' and '..' are not file names");
        }
        if (name.charAt(0) == '.') {
            return Optional.of("it starts with '.', which is reserved for the output directory's own entries");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                return Optional.of("it contains " + Printable.character(c) + ", a path separator");
            }
            if (c == 0) {
                return Optional.of("it contains a NUL character");
            }
            if (!isKeyChar(c)) {
                return Optional.of("it contains " + Printable.character(c));
            }
        }
        if (name.charAt(0) == '-') {
            return Optional.of("it starts with '-'");
        }
        return Optional.empty();
    }

    static boolean isKeyChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == '-';
    }
}
