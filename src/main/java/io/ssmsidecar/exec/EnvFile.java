package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads {@code --env-file}: UTF-8, one {@code KEY=VALUE} per line.
 * <ul>
 *   <li>Blank lines and lines starting with {@code #} (after spaces) are skipped; an {@code export } prefix is allowed.</li>
 *   <li>KEY is {@code [A-Za-z_][A-Za-z0-9_]*}; spaces around it and around {@code =} are ignored.</li>
 *   <li>Unquoted VALUE: the rest of the line without surrounding spaces, taken literally ({@code #}, {@code $}, quotes
 *       and backslashes inside it are kept, so {@code ssm:///db#password} needs no quoting). Empty is allowed.</li>
 *   <li>{@code 'single-quoted'}: literal up to the next {@code '}; no escapes.</li>
 *   <li>{@code "double-quoted"}: {@code \\}, {@code \"}, {@code \n}, {@code \r}, {@code \t} and {@code \$} are escapes;
 *       any other backslash is an error. Nothing is expanded.</li>
 *   <li>After a closing quote only spaces or a {@code # comment} may follow. A value never spans lines.</li>
 *   <li>A later line for the same KEY wins over an earlier one. A value cannot hold a NUL character.</li>
 * </ul>
 * Errors name the file, the line number and the key, never the line's text (it may hold a literal secret).
 */
final class EnvFile {
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Big enough for thousands of references; a bigger file is almost certainly the wrong one. */
    static final long MAX_BYTES = 1024 * 1024;

    private EnvFile() {
    }

    /** The variables of {@code file}, in file order. */
    static Map<String, String> read(Path file) throws ExecException {
        String text;
        try {
            // Read at most one byte past the limit, whatever the file claims: /dev/zero, a FIFO or /proc files report
            // size 0, and reading them whole would never end (or end in an OutOfMemoryError).
            // Opening a FIFO with no writer blocks for ever: refuse anything but a regular file before opening it.
            if (!Files.readAttributes(file, BasicFileAttributes.class).isRegularFile()) {
                throw new ExecException(ExitCode.CONFIG, "--env-file " + file + ": not a regular file (a FIFO, device"
                        + " or directory); give the path of a file");
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes((int) MAX_BYTES + 1);
            }
            if (bytes.length > MAX_BYTES) {
                throw new ExecException(ExitCode.CONFIG, "--env-file " + file + ": larger than " + MAX_BYTES + " bytes");
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ExecException(ExitCode.CONFIG, "--env-file " + file + ": not valid UTF-8");
        } catch (IOException e) {
            throw new ExecException(ExitCode.CONFIG, "--env-file " + file + ": cannot read it ("
                    + e.getClass().getSimpleName() + ")");
        }
        return parse(file.toString(), text);
    }

    static Map<String, String> parse(String name, String text) throws ExecException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = List.of(text.split("\n", -1));
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            String where = "--env-file " + name + ", line " + (i + 1);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("export ") || trimmed.startsWith("export\t")) {
                trimmed = trimmed.substring("export".length()).strip();
            }
            int eq = trimmed.indexOf('=');
            if (eq < 0) {
                throw new ExecException(ExitCode.CONFIG, where + ": expected KEY=VALUE (no '=' found)");
            }
            String key = trimmed.substring(0, eq).strip();
            if (!KEY.matcher(key).matches()) {
                throw new ExecException(ExitCode.CONFIG, where + ": the name before '=' is not a variable name "
                        + "(allowed: letters, digits and _, not starting with a digit)");
            }
            String value = value(trimmed.substring(eq + 1).strip(), where + " (" + key + ")");
            if (value.indexOf('\0') >= 0) {
                // The command's environment cannot hold it: exec would fail later with an internal error.
                throw new ExecException(ExitCode.CONFIG, where + " (" + key + "): the value contains a NUL character, "
                        + "which an environment variable cannot hold");
            }
            out.put(key, value);
        }
        return out;
    }

    private static String value(String raw, String where) throws ExecException {
        if (raw.isEmpty() || (raw.charAt(0) != '\'' && raw.charAt(0) != '"')) {
            return raw;
        }
        char quote = raw.charAt(0);
        StringBuilder value = new StringBuilder();
        int i = 1;
        for (; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == quote) {
                break;
            }
            if (c == '\\' && quote == '"') {
                if (++i == raw.length()) {
                    break;
                }
                char escaped = raw.charAt(i);
                switch (escaped) {
                    case '\\', '"', '$' -> value.append(escaped);
                    case 'n' -> value.append('\n');
                    case 'r' -> value.append('\r');
                    case 't' -> value.append('\t');
                    default -> throw new ExecException(ExitCode.CONFIG, where + ": a backslash in a double-quoted "
                            + "value must start one of the escapes \\\\ \\\" \\n \\r \\t \\$");
                }
            } else {
                value.append(c);
            }
        }
        if (i >= raw.length()) {
            throw new ExecException(ExitCode.CONFIG, where + ": the value's opening " + quote
                    + " is not closed on the same line");
        }
        String rest = raw.substring(i + 1).strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) {
            throw new ExecException(ExitCode.CONFIG, where + ": only a # comment may follow the closing " + quote);
        }
        return value.toString();
    }
}
