package io.ssmsidecar.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ssmsidecar.json.Jackson;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An AWS JSON 1.1 request document read with Jackson's streaming parser: top-level members as String, Boolean, Long,
 * a List, or a marker for an object; an explicit null is a member left out. Type mismatches are SSM's
 * {@code SerializationException}, missing required members its {@code ValidationException} wording.
 */
final class RequestBody {
    private static final Object NESTED = new Object();

    private RequestBody() {
    }

    static Map<String, Object> parse(byte[] body) {
        Map<String, Object> members = new HashMap<>();
        if (body.length == 0) {
            return members;
        }
        try (JsonParser parser = Jackson.FACTORY.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw serialization("the request body must be a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                Object value = switch (token) {
                    case VALUE_STRING -> parser.getText();
                    case VALUE_TRUE, VALUE_FALSE -> token == JsonToken.VALUE_TRUE;
                    case VALUE_NUMBER_INT -> parser.getLongValue();
                    case VALUE_NULL -> null;
                    case START_ARRAY -> array(parser);
                    default -> {
                        parser.skipChildren();
                        yield NESTED;
                    }
                };
                // An explicit null is the member left out, as the service reads it; given again, the last one counts.
                if (value != null) {
                    members.put(field, value);
                } else {
                    members.remove(field);
                }
            }
            // A second document after the first would be read by nothing here, but perhaps by a proxy in between.
            if (parser.nextToken() != null) {
                throw serialization("the request body must be one JSON object with nothing after it");
            }
        } catch (IOException e) {
            throw serialization("the request body is not valid JSON");
        }
        return members;
    }

    private static Object array(JsonParser parser) throws IOException {
        List<Object> items = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.VALUE_STRING) {
                items.add(parser.getText());
            } else {
                parser.skipChildren();
                items.add(NESTED);
            }
        }
        return items;
    }

    static String optionalString(Map<String, Object> req, String member) {
        Object v = req.get(member);
        if (v == null) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw serialization("Member " + member + " must be a string");
        }
        return s;
    }

    static String requiredString(Map<String, Object> req, String member) {
        String s = optionalString(req, member);
        if (s == null) {
            throw ApiError.badRequest("1 validation error detected: Value null at '" + lowerFirst(member)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return s;
    }

    static boolean bool(Map<String, Object> req, String member) {
        Object v = req.get(member);
        if (v == null) {
            return false;
        }
        if (!(v instanceof Boolean b)) {
            throw serialization("Member " + member + " must be a boolean");
        }
        return b;
    }

    static int integer(Map<String, Object> req, String member, int fallback) {
        Object v = req.get(member);
        if (v == null) {
            return fallback;
        }
        if (!(v instanceof Long n) || n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw serialization("Member " + member + " must be an integer");
        }
        return n.intValue();
    }

    static List<String> strings(Map<String, Object> req, String member) {
        Object v = req.get(member);
        if (v == null) {
            throw ApiError.badRequest("1 validation error detected: Value null at '" + lowerFirst(member)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object item : list) {
                if (!(item instanceof String s)) {
                    throw serialization("Member " + member + " must be a list of strings");
                }
                out.add(s);
            }
            return out;
        }
        throw serialization("Member " + member + " must be a list of strings");
    }

    private static ApiError serialization(String message) {
        return new ApiError(400, "SerializationException", message);
    }

    private static String lowerFirst(String s) {
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
