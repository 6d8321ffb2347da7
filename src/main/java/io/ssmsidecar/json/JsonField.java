package io.ssmsidecar.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * Reads one top-level field of a JSON object value: the {@code #key} of a reference and the {@code {{ KEY#field }}}
 * of a template. A string field yields its text, any other field its JSON text. The failure carries no part of the
 * value (Jackson's own messages may quote it), so each caller words the message in its own terms.
 */
public final class JsonField {
    private JsonField() {
    }

    /** Why a field could not be read. */
    public enum Problem {
        /** The value is not JSON. */
        NOT_JSON,
        /** The value is JSON but not an object. */
        NOT_OBJECT,
        /** The object has no such field. */
        NO_FIELD
    }

    /** A field that could not be read; {@link #keys()} is the object's size for {@link Problem#NO_FIELD}, else 0. */
    public static final class Missing extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;
        private final int keys;

        Missing(Problem problem, int keys) {
            super(problem.name(), null, false, false);
            this.problem = problem;
            this.keys = keys;
        }

        public Problem problem() {
            return problem;
        }

        public int keys() {
            return keys;
        }
    }

    /**
     * The value of {@code field} in the JSON object {@code json}.
     *
     * @throws Missing when {@code json} is not JSON, not an object, or has no such field
     */
    public static String read(String json, String field) throws Missing {
        JsonNode node;
        try {
            node = Jackson.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new Missing(Problem.NOT_JSON, 0);
        }
        if (node == null || !node.isObject()) {
            throw new Missing(Problem.NOT_OBJECT, 0);
        }
        JsonNode f = node.get(field);
        if (f == null) {
            throw new Missing(Problem.NO_FIELD, node.size());
        }
        return f.isTextual() ? f.textValue() : f.toString();
    }
}
