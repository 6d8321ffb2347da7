package io.ssmsidecar.localssm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a seed file (format in docs/local-ssm.md, "Seed file") and applies it in order: a repeated parameter name
 * adds a version, a repeated secret id rotates the secret. Errors name the file, the entry and the key, never a value.
 */
final class Seed {
    private static final List<String> ROOT_KEYS = List.of("parameters", "secrets");
    private static final List<String> PARAMETER_KEYS = List.of("name", "value", "type", "labels", "description", "tier");
    private static final List<String> SECRET_KEYS = List.of("id", "secretString");

    private Seed() {
    }

    static void apply(Path file, ObjectMapper json, LocalSsm target) throws IOException {
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IOException("cannot read seed file " + file + ": " + e.getClass().getSimpleName(), e);
        }
        JsonNode root;
        try {
            root = json.readTree(content);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("seed file " + file + ": not valid JSON (line "
                    + e.getLocation().getLineNr() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("seed file " + file + ": must hold a JSON object with "
                    + "\"parameters\" and/or \"secrets\"");
        }
        checkKeys(root, ROOT_KEYS, "seed file " + file);
        JsonNode parameters = list(root, "parameters", file);
        for (int i = 0; i < parameters.size(); i++) {
            String where = "seed file " + file + ": parameters[" + i + "]";
            JsonNode p = parameters.get(i);
            checkKeys(p, PARAMETER_KEYS, where);
            String name = text(p, "name", where, true);
            try {
                long version = target.put(name, text(p, "value", where, true),
                        p.has("type") ? text(p, "type", where, true) : "String",
                        text(p, "description", where, false), text(p, "tier", where, false));
                List<String> labels = strings(p, "labels", where);
                if (!labels.isEmpty()) {
                    target.label(name, version, labels.toArray(String[]::new));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " (" + name + "): " + e.getMessage(), e);
            }
        }
        JsonNode secrets = list(root, "secrets", file);
        for (int i = 0; i < secrets.size(); i++) {
            String where = "seed file " + file + ": secrets[" + i + "]";
            JsonNode s = secrets.get(i);
            checkKeys(s, SECRET_KEYS, where);
            String id = text(s, "id", where, true);
            try {
                target.putSecret(id, text(s, "secretString", where, true));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " (" + id + "): " + e.getMessage(), e);
            }
        }
    }

    private static JsonNode list(JsonNode root, String key, Path file) {
        JsonNode n = root.path(key);
        if (n.isMissingNode()) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException("seed file " + file + ": \"" + key + "\" must be a list");
        }
        return n;
    }

    private static void checkKeys(JsonNode node, List<String> allowed, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": must be a JSON object");
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(where + ": unknown key '" + k + "' (allowed: "
                        + String.join(", ", allowed) + ")");
            }
        });
    }

    private static String text(JsonNode node, String key, String where, boolean required) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            if (required) {
                throw new IllegalArgumentException(where + ": \"" + key + "\" is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" must be a string");
        }
        return n.asText();
    }

    private static List<String> strings(JsonNode node, String key, String where) {
        List<String> out = new ArrayList<>();
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(where + ": \"" + key + "\" must be a list of strings");
        }
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new IllegalArgumentException(where + ": \"" + key + "\" must be a list of strings");
            }
            out.add(e.asText());
        }
        return out;
    }
}
