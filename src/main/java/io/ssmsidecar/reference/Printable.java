package io.ssmsidecar.reference;

/**
 * Renders user input (names, references, setting values; never secret values) for an error message:
 * plain visible ASCII is shown as it is, anything else is quoted with control, quote and non-ASCII
 * characters escaped (so NUL, newlines and look-alike letters are visible), and long input is shortened.
 */
public final class Printable {
    /** Input longer than this is shortened in messages. */
    static final int MAX_SHOWN = 120;

    private Printable() {
    }

    /** {@code s} as it should appear in an error message. */
    public static String of(String s) {
        boolean plain = !s.isEmpty() && s.length() <= MAX_SHOWN;
        for (int i = 0; plain && i < s.length(); i++) {
            char c = s.charAt(i);
            plain = c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '\\';
        }
        if (plain) {
            return s;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_SHOWN) + 16).append('"');
        int shown = Math.min(s.length(), MAX_SHOWN);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        b.append(c);
                    } else {
                        b.append(String.format("\\u%04x", (int) c));
                    }
                }
            }
        }
        b.append('"');
        if (shown < s.length()) {
            b.append("... (").append(s.length()).append(" characters)");
        }
        return b.toString();
    }

    /** One character for a message: {@code '/'}, or an escape such as {@code '\u0000'}. */
    static String character(char c) {
        if (c >= 0x20 && c < 0x7f && c != '\'') {
            return "'" + c + "'";
        }
        return c == '\'' ? "\"'\"" : String.format("'\\u%04x'", (int) c);
    }
}
