package io.ssmsidecar.output;

import io.ssmsidecar.json.JsonField;
import io.ssmsidecar.source.SecretValue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A user template with placeholders, parsed once at start-up and rendered on every write. The syntax is
 * deliberately small and runs no code:
 * <pre>
 *   {{ KEY }}                  the value of KEY
 *   {{ KEY#field }}            a top-level field of KEY's JSON value (strings as-is, anything else as JSON)
 *   {{ KEY | json }}           a filter; several may follow each other: {{ KEY#field | base64 | json }}
 *   {{ "{{" }}                 a literal {{ (any "text" in a placeholder is written as it is)
 * </pre>
 * Filters: {@code json} (escaped for inside a JSON string), {@code properties} (escaped as a .properties value),
 * {@code shell} (a single-quoted shell word), {@code dotenv} (a quoted dotenv value), {@code base64}.
 * In a run of braces such as {@code {{{}, the last two open the placeholder and the others are text; a
 * {@code }}} outside a placeholder is text.
 */
final class Template {
    static final long MAX_SIZE = 1024 * 1024;
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern FIELD = Pattern.compile("[^\\s|#\"]+");
    private static final String SYNTAX = "expected {{ KEY }}, {{ KEY#field }} or {{ \"text\" }}, optionally followed by"
            + " | filter (" + Arrays.stream(Filter.values()).map(Filter::label).collect(Collectors.joining(", ")) + ")";

    /** What the template writes, in order. */
    private sealed interface Part permits Text, Placeholder { }

    private record Text(String text, int utf8Length) implements Part {
        Text(String text) {
            this(text, Template.utf8Length(text));
        }
    }

    private record Placeholder(int line, String key, String field, List<Filter> filters) implements Part { }

    /** A transformation applied to the value, after any field selection. */
    enum Filter {
        JSON, PROPERTIES, SHELL, DOTENV, BASE64;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        String apply(String key, String value) throws OutputException {
            return switch (this) {
                case JSON -> Escaping.jsonStringContent(value);
                case PROPERTIES -> Escaping.propertiesValue(value);
                case SHELL -> Escaping.shellWord(key, value);
                case DOTENV -> Escaping.dotenvValue(key, value);
                case BASE64 -> Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
            };
        }

        static Filter of(String label) {
            for (Filter f : values()) {
                if (f.label().equals(label)) {
                    return f;
                }
            }
            return null;
        }
    }

    private final String source;
    private final List<Part> parts;
    private final Set<String> keys;

    private Template(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
        Set<String> k = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p instanceof Placeholder ph) {
                k.add(ph.key());
            }
        }
        this.keys = Collections.unmodifiableSet(k);
    }

    /**
     * Reads and parses the template file {@code source} (UTF-8, at most 1 MiB).
     *
     * @throws OutputConfigException naming the file, and for a syntax error the line and placeholder
     */
    static Template load(Path source) throws OutputConfigException {
        try {
            return read(source);
        } catch (OutputException e) {
            // The template is configuration: nothing was fetched or written when it fails.
            throw new OutputConfigException(e.getMessage(), e);
        }
    }

    private static Template read(Path source) throws OutputException {
        byte[] bytes;
        try {
            // Opening a FIFO with no writer blocks for ever: refuse anything but a regular file before opening it.
            if (!Files.readAttributes(source, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
                throw new OutputException("template " + source + " is not a regular file (a FIFO, device or"
                        + " directory); mount the template file into the sidecar and check SIDECAR_TEMPLATES");
            }
            // Bounded by what is read, not by the size the file claims (/dev/zero or a /proc file claims 0).
            try (java.io.InputStream in = Files.newInputStream(source)) {
                bytes = in.readNBytes((int) MAX_SIZE + 1);
            }
        } catch (IOException e) {
            throw new OutputException("template " + source + " cannot be read: " + IoReasons.reason(e)
                    + "; mount the file into the sidecar and check SIDECAR_TEMPLATES", e);
        }
        if (bytes.length > MAX_SIZE) {
            throw new OutputException("template " + source + " is larger than 1 MiB; templates are for config files");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new OutputException("template " + source + " is not valid UTF-8", e);
        }
        return parse(source.toString(), text);
    }

    /** Parses {@code text}; {@code source} names it in messages. */
    static Template parse(String source, String text) throws OutputException {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        // Line numbers are counted as the parse moves forward, never from the start again: a 1 MiB template of
        // placeholders took minutes when each one rescanned the text before it (issue 18).
        int line = 1;
        int counted = 0;
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            if (open < 0) {
                parts.add(new Text(text.substring(i)));
                break;
            }
            while (open + 2 < text.length() && text.charAt(open + 2) == '{') {
                open++;
            }
            if (open > i) {
                parts.add(new Text(text.substring(i, open)));
            }
            line += newlines(text, counted, open);
            counted = open;
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw new OutputException("template " + source + " line " + line + ": {{ is never closed by }}");
            }
            parts.add(placeholder(source, line, text.substring(open + 2, close)));
            i = close + 2;
        }
        return new Template(source, parts);
    }

    private static Part placeholder(String source, int line, String body) throws OutputException {
        String content = body.strip();
        if (content.length() >= 2 && content.startsWith("\"") && content.endsWith("\"")
                && content.indexOf('"', 1) == content.length() - 1) {
            return new Text(content.substring(1, content.length() - 1));
        }
        String[] pieces = content.split("\\|", -1);
        String target = pieces[0].strip();
        int hash = target.indexOf('#');
        String key = hash < 0 ? target : target.substring(0, hash).strip();
        String field = hash < 0 ? null : target.substring(hash + 1).strip();
        if (!KEY.matcher(key).matches() || (field != null && !FIELD.matcher(field).matches())) {
            throw new OutputException("template " + source + " line " + line + ": "
                    + FileNames.printable("{{" + body + "}}") + " is not a placeholder: " + SYNTAX);
        }
        List<Filter> filters = new ArrayList<>();
        for (int p = 1; p < pieces.length; p++) {
            String label = pieces[p].strip();
            Filter f = Filter.of(label);
            if (f == null) {
                throw new OutputException("template " + source + " line " + line + ": unknown filter "
                        + FileNames.printable(label) + " for key " + key + ": use one of "
                        + Arrays.stream(Filter.values()).map(Filter::label).collect(Collectors.joining(", ")));
            }
            filters.add(f);
        }
        return new Placeholder(line, key, field, filters);
    }

    private static int newlines(String text, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** The length of {@code s} in UTF-8, without encoding it. */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Where the template came from, for messages. */
    String source() {
        return source;
    }

    /** Every key the template names, in order of first use. */
    Set<String> keys() {
        return keys;
    }

    /**
     * Checks that every key the template names is among {@code available}.
     *
     * @throws OutputException naming the template, line and first missing key
     */
    void requireKeys(Set<String> available) throws OutputException {
        for (Part p : parts) {
            if (p instanceof Placeholder ph && !available.contains(ph.key())) {
                throw new OutputException("template " + source + " line " + ph.line() + ": unknown key " + ph.key()
                        + " (the loaded keys are " + (available.isEmpty() ? "none" : String.join(", ", available))
                        + "); declare it or fix the placeholder");
            }
        }
    }

    /**
     * Renders the template with {@code values} to UTF-8, refusing to build more than {@code maxBytes}.
     *
     * @throws OutputConfigException when the output would be larger than {@code maxBytes}
     *                               ({@code SIDECAR_TEMPLATE_MAX_BYTES}): nothing past the limit is built
     * @throws OutputException naming the template, line and key for an unknown key, a missing JSON field or a
     *                         value a filter cannot encode; never the value
     */
    byte[] render(Map<String, SecretValue> values) throws OutputException {
        return render(values, Integer.MAX_VALUE - 8);
    }

    byte[] render(Map<String, SecretValue> values, int maxBytes) throws OutputException {
        requireKeys(values.keySet());
        StringBuilder b = new StringBuilder();
        long bytes = 0;
        // A field is read once per render, not once per placeholder: each read parses the whole JSON value.
        Map<String, String> fields = new java.util.HashMap<>();
        for (Part p : parts) {
            if (p instanceof Text t) {
                bytes += t.utf8Length();
                if (bytes > maxBytes) {
                    throw tooLarge(maxBytes, null);
                }
                b.append(t.text());
            } else if (p instanceof Placeholder ph) {
                String value = values.get(ph.key()).reveal();
                if (ph.field() != null) {
                    String raw = value;
                    value = fields.get(ph.key() + "#" + ph.field());
                    if (value == null) {
                        value = field(ph, raw);
                        fields.put(ph.key() + "#" + ph.field(), value);
                    }
                }
                for (Filter f : ph.filters()) {
                    try {
                        value = f.apply(ph.key(), value);
                    } catch (OutputException e) {
                        throw new OutputException("template " + source + " line " + ph.line() + ": " + e.getMessage());
                    }
                }
                bytes += utf8Length(value);
                if (bytes > maxBytes) {
                    throw tooLarge(maxBytes, ph);
                }
                b.append(value);
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private OutputConfigException tooLarge(int maxBytes, Placeholder at) {
        return new OutputConfigException("template " + source + " would render more than " + maxBytes + " bytes"
                + (at == null ? "" : " (reached at line " + at.line() + ", key " + at.key() + ")")
                + "; raise SIDECAR_TEMPLATE_MAX_BYTES or make the template smaller", null);
    }

    private String field(Placeholder ph, String value) throws OutputException {
        try {
            return JsonField.read(value, ph.field());
        } catch (JsonField.Missing e) {
            if (e.problem() == JsonField.Problem.NO_FIELD) {
                throw new OutputException("template " + source + " line " + ph.line() + ": the JSON value of " + ph.key()
                        + " has no field " + FileNames.printable(ph.field()));
            }
            throw new OutputException("template " + source + " line " + ph.line() + ": the value of " + ph.key()
                    + " is not a JSON object, so {{ " + ph.key() + "#" + ph.field() + " }} cannot read a field of it");
        }
    }
}
