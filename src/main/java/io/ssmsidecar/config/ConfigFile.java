package io.ssmsidecar.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.reference.Printable;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The optional JSON config file: settings under their config keys (camelCase, as the {@link Settings} fields),
 * {@code "secrets": {"KEY": "ssm://..."}}, and {@code bundles}/{@code templates} as arrays of strings or objects.
 */
final class ConfigFile {
    static final int MAX_BYTES = 1 << 20;
    static final String SECRETS = "secrets";

    static final ConfigFile NONE = new ConfigFile(null, Map.of(), Map.of());

    /** The file's path as given, for messages; null for {@link #NONE}. */
    final String path;
    final Map<Option, Raw> settings;
    /** Declared secrets, key to reference text, in file order. */
    final Map<String, String> secrets;

    private ConfigFile(String path, Map<Option, Raw> settings, Map<String, String> secrets) {
        this.path = path;
        this.settings = settings;
        this.secrets = secrets;
    }

    /** Reads the file {@code from} names; every problem goes to {@code problems}. */
    static ConfigFile read(Raw from, List<String> problems) {
        String shown = Printable.of(from.text());
        if (from.text().isEmpty()) {
            problems.add(from.origin() + " is empty; give the path of a JSON file");
            return NONE;
        }
        JsonNode root;
        try {
            root = Jackson.strictMapper().readTree(SmallFile.read(Path.of(from.text()), MAX_BYTES));
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.add("config file " + shown + " is not valid JSON"
                    + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + firstLine(e.getOriginalMessage()));
            return NONE;
        } catch (IOException e) {
            problems.add("config file " + shown + " (" + from.origin() + ") cannot be read: " + SmallFile.reason(e));
            return NONE;
        } catch (InvalidPathException e) {
            problems.add(from.origin() + " is not a usable path: " + shown);
            return NONE;
        }
        if (root == null || !root.isObject()) {
            problems.add("config file " + shown + " must hold a JSON object ({...})");
            return NONE;
        }
        return parse(shown, root, problems);
    }

    private static ConfigFile parse(String shown, JsonNode root, List<String> problems) {
        Map<Option, Raw> settings = new EnumMap<>(Option.class);
        Map<String, String> secrets = new LinkedHashMap<>();
        List<String> known = Stream.concat(Stream.of(Option.values()).map(o -> o.configKey)
                .filter(k -> k != null), Stream.of(SECRETS)).toList();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String key = field.getKey();
            JsonNode value = field.getValue();
            String origin = key + " in " + shown;
            if (key.equals(SECRETS)) {
                secrets(origin, value, secrets, problems);
                continue;
            }
            Option option = Stream.of(Option.values()).filter(o -> key.equals(o.configKey)).findFirst().orElse(null);
            if (option == null) {
                problems.add("unknown key " + Printable.of(key) + " in config file " + shown
                        + (key.equals("token")
                        ? " (the token is not read from the config file; use tokenFile or SIDECAR_TOKEN)"
                        : Suggestions.hint(key, known)));
            } else if (value.isArray() && option.isList()) {
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < value.size(); i++) {
                    Object item = item(origin + "[" + i + "]", value.get(i), problems);
                    if (item != null) {
                        items.add(item);
                    }
                }
                settings.put(option, new Raw(null, items, origin));
            } else {
                String text = scalar(origin, value, problems);
                if (text != null) {
                    settings.put(option, Raw.text(text, origin));
                }
            }
        }
        return new ConfigFile(shown, settings, secrets);
    }

    private static void secrets(String origin, JsonNode value, Map<String, String> secrets, List<String> problems) {
        if (!value.isObject()) {
            problems.add(origin + " must be an object of KEY: \"ssm://...\" entries");
            return;
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (e.getValue().isTextual()) {
                secrets.put(e.getKey(), e.getValue().textValue());
            } else {
                problems.add(origin + ": the value of " + Printable.of(e.getKey())
                        + " must be a string such as \"ssm:///prod/db/password\"");
            }
        }
    }

    /** A list item: a string, or an object of scalar fields. */
    private static Object item(String origin, JsonNode node, List<String> problems) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (!node.isObject()) {
            problems.add(origin + " must be a string or an object");
            return null;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String text = scalar(origin + "." + e.getKey(), e.getValue(), problems);
            if (text != null) {
                fields.put(e.getKey(), text);
            }
        }
        return fields;
    }

    /** A scalar as text (numbers and booleans too, so one validator serves env, flags and the file). */
    private static String scalar(String origin, JsonNode node, List<String> problems) {
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.asText();
        }
        problems.add(origin + " must be a string, number or boolean, got " + (node.isNull() ? "null"
                : node.isArray() ? "an array" : "an object"));
        return null;
    }

    private static String firstLine(String message) {
        String line = message == null ? "" : message.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
