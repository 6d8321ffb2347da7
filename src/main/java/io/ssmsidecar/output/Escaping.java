package io.ssmsidecar.output;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Encodes one value for one consumer so that the consumer reads back exactly the original text. Shared by the
 * bundles and the template filters. A value that a consumer cannot represent is rejected with an error naming
 * the key, never silently altered. Messages never contain the value.
 */
final class Escaping {
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Escaping() {
    }

    /**
     * Checks that {@code key} can be a shell or dotenv variable name ({@code [A-Za-z_][A-Za-z0-9_]*}).
     *
     * @param form the bundle or filter asking, for the message
     */
    static void requireEnvName(String form, String key) throws OutputException {
        if (!ENV_NAME.matcher(key).matches()) {
            throw new OutputException("key " + FileNames.printable(key) + " cannot be written to the " + form
                    + ": a variable name must match [A-Za-z_][A-Za-z0-9_]* (keys are never renamed silently;"
                    + " rename the variable that declares it, or drop the " + form + ")");
        }
    }

    /**
     * A single-quoted POSIX shell word: {@code 'it'\''s'}. Every byte but NUL survives {@code sh}, {@code bash},
     * {@code dash} and busybox {@code ash} unchanged, because nothing inside single quotes is special.
     *
     * @throws OutputException if the value holds a NUL character, which no shell variable can hold
     */
    static String shellWord(String key, String value) throws OutputException {
        if (value.indexOf('\0') >= 0) {
            throw new OutputException("the value of " + FileNames.printable(key)
                    + " contains a NUL character, which a shell variable cannot hold; read it from its own file instead");
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /**
     * A quoted value for a dotenv file, chosen so that the npm {@code dotenv} parser returns exactly {@code value}.
     * That parser removes the quotes and nothing else, except that inside double quotes it turns {@code \n} and
     * {@code \r} into LF and CR; it turns a CR in the file into LF; a quote of the enclosing kind cannot appear
     * unescaped, and an escaped one keeps its backslash. Hence, in order of preference:
     * <ol>
     *   <li>single quotes, taken literally (newlines stay raw), when the value holds no {@code '} and no CR;</li>
     *   <li>double quotes with LF and CR written as {@code \n} and {@code \r}, when the value holds no {@code "}
     *       and no backslash directly followed by {@code n} or {@code r};</li>
     *   <li>backticks, taken literally, when the value holds no backtick and no CR.</li>
     * </ol>
     *
     * @throws OutputException naming the key when none of the three reads back exactly
     */
    static String dotenvValue(String key, String value) throws OutputException {
        boolean cr = value.indexOf('\r') >= 0;
        if (!cr && value.indexOf('\'') < 0) {
            return "'" + value + "'";
        }
        if (value.indexOf('"') < 0 && !value.contains("\\n") && !value.contains("\\r")) {
            return '"' + value.replace("\n", "\\n").replace("\r", "\\r") + '"';
        }
        if (!cr && value.indexOf('`') < 0) {
            return '`' + value + '`';
        }
        throw new OutputException("the value of " + FileNames.printable(key) + " cannot be written to a dotenv file"
                + " so that dotenv reads it back exactly (it needs a carriage return or all three quote characters"
                + " ' \" ` , and a double-quoted form would corrupt its backslashes or quotes); deliver this key as"
                + " its own file, the env bundle or the JSON bundle instead");
    }

    /** A {@code java.util.Properties} key: like a value, and every space escaped. */
    static String propertiesKey(String key) {
        return properties(key, true);
    }

    /**
     * A {@code java.util.Properties} value in pure ASCII: {@code \ = : # !} and a leading space escaped with a
     * backslash, tab/LF/CR/FF as {@code \t \n \r \f}, everything else outside printable ASCII as {@code \}{@code uXXXX}.
     * {@code Properties.load} reads it back exactly, from an InputStream (ISO-8859-1) or a UTF-8 Reader alike.
     */
    static String propertiesValue(String value) {
        return properties(value, false);
    }

    private static String properties(String s, boolean escapeAllSpaces) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case ' ' -> b.append(i == 0 || escapeAllSpaces ? "\\ " : " ");
                case '\\' -> b.append("\\\\");
                case '\t' -> b.append("\\t");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\f' -> b.append("\\f");
                case '=', ':', '#', '!' -> b.append('\\').append(c);
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** The value escaped for use inside a JSON string literal (without the surrounding quotes). */
    static String jsonStringContent(String value) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(value));
    }
}
