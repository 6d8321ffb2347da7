package io.ssmsidecar.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.source.SecretValue;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The bundle forms: all secrets in one file that an app already knows how to read. Each renders a map of key to
 * value (in the map's order) to bytes, escaping every value so its consumer reads back exactly the original.
 * Rendering is pure: nothing touches the disk, so a value that cannot be encoded fails before any file is written.
 */
enum BundleFormat {
    /** {@code export KEY='value'} lines for {@code . file} in sh, bash, dash or busybox ash. */
    ENV("env") {
        @Override
        byte[] render(Map<String, SecretValue> values) throws OutputException {
            return lines(values, (key, value) -> {
                Escaping.requireEnvName("env bundle", key);
                return "export " + key + '=' + Escaping.shellWord(key, value) + '\n';
            });
        }
    },
    /** {@code KEY='value'} lines as the npm {@code dotenv} package (and most dotenv readers) parse them. */
    DOTENV("dotenv") {
        @Override
        byte[] render(Map<String, SecretValue> values) throws OutputException {
            return lines(values, (key, value) -> {
                Escaping.requireEnvName("dotenv bundle", key);
                String quoted = Escaping.dotenvValue(key, value);
                String line = key + '=' + quoted + '\n';
                if (quoted.length() >= 3 && quoted.charAt(quoted.length() - 2) == '\\') {
                    // dotenv reads a backslash before a quote as part of the value and would then look for a
                    // later closing quote at the end of some line; this comment offers it one that fails.
                    line += "#" + quoted.charAt(0) + " (the value above ends with a backslash)\n";
                }
                return line;
            });
        }
    },
    /** {@code KEY=value} lines in pure ASCII for {@code java.util.Properties.load}. */
    PROPERTIES("properties") {
        @Override
        byte[] render(Map<String, SecretValue> values) throws OutputException {
            return lines(values, (key, value) ->
                    Escaping.propertiesKey(key) + '=' + Escaping.propertiesValue(value) + '\n');
        }
    },
    /** One JSON object, key to value, UTF-8. */
    JSON("json") {
        @Override
        byte[] render(Map<String, SecretValue> values) throws OutputException {
            Map<String, String> plain = new LinkedHashMap<>();
            values.forEach((k, v) -> plain.put(k, v.reveal()));
            try {
                byte[] json = Jackson.prettyWriter().writeValueAsBytes(plain);
                byte[] withNewline = Arrays.copyOf(json, json.length + 1);
                withNewline[json.length] = '\n';
                return withNewline;
            } catch (JsonProcessingException e) {
                // Never include e's message: Jackson may quote the content it choked on.
                throw new OutputException("the JSON bundle could not be rendered (" + e.getClass().getSimpleName() + ")");
            }
        }
    };

    private final String kind;

    BundleFormat(String kind) {
        this.kind = kind;
    }

    /** The name used in {@code SIDECAR_BUNDLES}. */
    String kind() {
        return kind;
    }

    /** Renders every value, in the map's order. */
    abstract byte[] render(Map<String, SecretValue> values) throws OutputException;

    /** One line (or a few) per key and value. */
    private interface LineWriter {
        String line(String key, String value) throws OutputException;
    }

    static String binaryReason(String key) {
        return "secret " + key + " is binary (a Secrets Manager SecretBinary), which env, dotenv and properties "
                + "bundles cannot carry; read it from its own file, or from a json bundle (base64)";
    }

    /** True for the formats of text lines (env, dotenv, properties), which cannot carry a binary value. */
    boolean linesOfText() {
        return this != JSON;
    }

    /** The lines of every entry, in the map's order, as UTF-8 (pure ASCII for properties). */
    private static byte[] lines(Map<String, SecretValue> values, LineWriter writer) throws OutputException {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, SecretValue> e : values.entrySet()) {
            if (e.getValue().isBinary()) {
                // Lines of text cannot carry bytes, and base64 here would be read as the value itself.
                throw new OutputConfigException(binaryReason(e.getKey()), null);
            }
            b.append(writer.line(e.getKey(), e.getValue().reveal()));
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The format called {@code kind}.
     *
     * @throws OutputException naming the unknown kind and the allowed ones
     */
    static BundleFormat of(String kind) throws OutputException {
        for (BundleFormat f : values()) {
            if (f.kind.equals(kind.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new OutputException("unknown bundle kind " + FileNames.printable(kind) + ": use one of "
                + Arrays.stream(values()).map(BundleFormat::kind).collect(Collectors.joining(", ")));
    }
}
