package io.ssmsidecar.deploy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads YAML files (every document of a multi-document file) into Jackson trees, turning CloudFormation's
 * short-form intrinsic tags into their long JSON form, as CloudFormation itself does:
 * {@code !Ref X} becomes {@code {"Ref": "X"}}, {@code !GetAtt A.B} becomes {@code {"Fn::GetAtt": ["A", "B"]}},
 * {@code !Sub s} becomes {@code {"Fn::Sub": "s"}}, and so on. An unknown tag is an error naming it.
 */
final class YamlTree {

    private static final List<String> FUNCTIONS = List.of("Base64", "Cidr", "FindInMap", "GetAtt", "GetAZs",
            "ImportValue", "Join", "Select", "Split", "Sub", "Transform", "And", "Equals", "If", "Not", "Or");
    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private YamlTree() {
    }

    static List<JsonNode> readAll(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (JsonParser parser = YAML.createParser(file.toFile())) {
            while (parser.nextToken() != null) {
                documents.add(value(parser, file));
            }
        }
        return documents;
    }

    private static JsonNode value(JsonParser parser, Path file) throws IOException {
        Object typeId = parser.getTypeId();
        String tag = typeId == null ? null : typeId.toString();
        JsonNode node = switch (parser.currentToken()) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    if (object.has(name)) {
                        throw new IOException(file + ": duplicate key '" + name + "' at " + parser.currentLocation());
                    }
                    object.set(name, value(parser, file));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    array.add(value(parser, file));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDecimalValue());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(parser.getBooleanValue());
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException(file + ": unexpected " + parser.currentToken() + " at "
                    + parser.currentLocation());
        };
        return tag == null || tag.startsWith("tag:yaml.org,2002:") ? node : intrinsic(tag, node, file);
    }

    private static JsonNode intrinsic(String tag, JsonNode argument, Path file) throws IOException {
        ObjectNode call = NODES.objectNode();
        if (tag.equals("Ref") || tag.equals("Condition")) {
            call.set(tag, argument);
        } else if (tag.equals("GetAtt") && argument.isTextual()) {
            String[] parts = argument.asText().split("\\.", 2);
            if (parts.length != 2) {
                throw new IOException(file + ": !GetAtt needs Resource.Attribute, got '" + argument.asText() + "'");
            }
            call.set("Fn::GetAtt", NODES.arrayNode().add(parts[0]).add(parts[1]));
        } else if (FUNCTIONS.contains(tag)) {
            call.set("Fn::" + tag, argument);
        } else {
            throw new IOException(file + ": unknown tag !" + tag + "; CloudFormation knows !Ref, !Condition and !"
                    + String.join(", !", FUNCTIONS));
        }
        return call;
    }
}
