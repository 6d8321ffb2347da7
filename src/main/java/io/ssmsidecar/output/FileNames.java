package io.ssmsidecar.output;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one rule for names written into the output directory: a plain file name, so no key, bundle or template
 * can reach a path outside the directory or collide with the names the atomic writer reserves (they start with a dot).
 */
final class FileNames {
    static final int MAX_LENGTH = 255;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    private static final String ALLOWED = "1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ -, not starting with a dot";

    private FileNames() {
    }

    /** Whether {@code name} is a plain file name this package writes. */
    static boolean isPlain(String name) {
        return name != null && name.length() <= MAX_LENGTH && PLAIN.matcher(name).matches();
    }

    /**
     * Checks {@code name}; {@code what} says where it came from ("key", "bundle file", ...).
     *
     * @throws OutputException naming the bad name (escaped, so control characters show) and what is allowed
     */
    static String requirePlain(String what, String name) throws OutputException {
        if (!isPlain(name)) {
            throw new OutputException(what + " " + printable(name) + " is not a plain file name for the output"
                    + " directory: use " + ALLOWED);
        }
        return name;
    }

    /** {@code name} quoted, with control characters escaped and long names shortened, for messages. */
    static String printable(String name) {
        if (name == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(name.length(), 80) + 2).append('\'');
        for (int i = 0; i < name.length() && i < 64; i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (name.length() > 64) {
            b.append("...(").append(name.length()).append(" characters)");
        }
        return b.append('\'').toString();
    }
}
