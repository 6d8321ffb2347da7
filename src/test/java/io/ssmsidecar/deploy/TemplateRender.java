package io.ssmsidecar.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a CloudFormation template (long-form intrinsics, as {@link YamlTree} reads it) the way CloudFormation
 * would for given parameter values: conditions are evaluated, resources whose condition is false are dropped,
 * and every {@code Ref}, {@code Fn::GetAtt}, {@code Fn::Sub}, {@code Fn::If}, {@code Fn::Join}, {@code Fn::Select}
 * and {@code Fn::Equals}/{@code Not}/{@code And}/{@code Or} is resolved. A {@code Ref} to a parameter gives its
 * value; to a resource, what CloudFormation returns for the types the project's templates use (a parameter's
 * name, a secret's ARN) or {@code <Logical>} otherwise; a {@code GetAtt} gives a role's ARN for a role's
 * {@code Arn}, {@code <Logical.Attribute>} otherwise.
 * Whatever cannot be resolved (an undeclared name, a resource whose condition is false, a parameter with no
 * value) is collected in {@link #problems()}, so a test can assert there are none.
 */
final class TemplateRender {

    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    static final String STACK = "my-app";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    private static final String NO_VALUE = "AWS::NoValue";

    private final JsonNode template;
    private final Map<String, JsonNode> values = new LinkedHashMap<>();
    private final Map<String, Boolean> conditions = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final ObjectNode resources = NODES.objectNode();
    private ObjectNode rendered;

    private TemplateRender(JsonNode template) {
        this.template = template;
    }

    /**
     * Renders {@code template} with the parameter values {@code overrides} (as {@code aws cloudformation deploy
     * --parameter-overrides} gives them: text; a {@code List<...>} parameter is comma-separated) and each
     * parameter's default otherwise.
     */
    static TemplateRender of(JsonNode template, Map<String, String> overrides) {
        TemplateRender render = new TemplateRender(template);
        render.values.put("AWS::AccountId", NODES.textNode(ACCOUNT));
        render.values.put("AWS::Region", NODES.textNode(REGION));
        render.values.put("AWS::Partition", NODES.textNode("aws"));
        render.values.put("AWS::URLSuffix", NODES.textNode("amazonaws.com"));
        render.values.put("AWS::StackName", NODES.textNode(STACK));
        render.values.put("AWS::StackId",
                NODES.textNode("arn:aws:cloudformation:" + REGION + ":" + ACCOUNT + ":stack/" + STACK + "/id"));
        template.path("Parameters").properties().forEach(p -> {
            String given = overrides.containsKey(p.getKey()) ? overrides.get(p.getKey())
                    : p.getValue().has("Default") ? p.getValue().path("Default").asText() : null;
            if (given == null) {
                render.problems.add("parameter " + p.getKey() + " has no default and no value");
                render.values.put(p.getKey(), NODES.textNode("<no value>"));
                return;
            }
            if (p.getValue().path("Type").asText().startsWith("List<")
                    || p.getValue().path("Type").asText().equals("CommaDelimitedList")) {
                ArrayNode list = NODES.arrayNode();
                for (String item : given.split(",")) {
                    list.add(item.trim());
                }
                render.values.put(p.getKey(), list);
            } else {
                render.values.put(p.getKey(), NODES.textNode(given));
            }
            JsonNode allowed = p.getValue().path("AllowedValues");
            if (allowed.isArray() && !allowed.toString().contains("\"" + given + "\"")) {
                render.problems.add("parameter " + p.getKey() + "=" + given + " is not one of " + allowed);
            }
            String pattern = p.getValue().path("AllowedPattern").asText(null);
            if (pattern != null && !java.util.regex.Pattern.compile(pattern).matcher(given).matches()) {
                render.problems.add("parameter " + p.getKey() + "=" + given + " does not match its AllowedPattern "
                        + pattern);
            }
        });
        overrides.keySet().stream().filter(k -> !template.path("Parameters").has(k))
                .forEach(k -> render.problems.add("override of an undeclared parameter " + k));
        template.path("Conditions").fieldNames().forEachRemaining(render::condition);
        template.path("Resources").properties().forEach(r -> {
            String condition = r.getValue().path("Condition").asText(null);
            if (condition == null || render.condition(condition)) {
                render.resources.set(r.getKey(), r.getValue());
            }
        });
        ObjectNode rendered = NODES.objectNode();
        render.resources.properties().forEach(r -> {
            JsonNode dependsOn = r.getValue().path("DependsOn");
            for (JsonNode d : dependsOn.isArray() ? dependsOn : NODES.arrayNode().add(dependsOn)) {
                if (!dependsOn.isMissingNode() && !render.resources.has(d.asText())) {
                    render.problems.add(r.getKey() + " DependsOn " + d.asText() + ", which is not created");
                }
            }
            rendered.set(r.getKey(), render.resolve(r.getValue()));
        });
        render.rendered = rendered;
        return render;
    }

    /** The resources CloudFormation would create, every intrinsic resolved. */
    ObjectNode resources() {
        return rendered;
    }

    /** The resources of one type. */
    List<JsonNode> resourcesOfType(String type) {
        List<JsonNode> out = new ArrayList<>();
        rendered.elements().forEachRemaining(r -> {
            if (r.path("Type").asText().equals(type)) {
                out.add(r);
            }
        });
        return out;
    }

    /** What could not be resolved; empty for a template CloudFormation would accept with these values. */
    List<String> problems() {
        return problems;
    }

    private boolean condition(String name) {
        if (conditions.containsKey(name)) {
            return conditions.get(name);
        }
        JsonNode definition = template.path("Conditions").path(name);
        if (definition.isMissingNode()) {
            problems.add("undeclared condition " + name);
            return false;
        }
        conditions.put(name, false);
        boolean value = truth(resolve(definition));
        conditions.put(name, value);
        return value;
    }

    private boolean truth(JsonNode node) {
        if (!node.isBoolean()) {
            problems.add("a condition evaluated to " + node + ", not true or false");
            return false;
        }
        return node.booleanValue();
    }

    /** Resolves every intrinsic below {@code node}; returns null for {@code AWS::NoValue}. */
    private JsonNode resolve(JsonNode node) {
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            for (JsonNode element : node) {
                JsonNode value = resolve(element);
                if (value != null) {
                    out.add(value);
                }
            }
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        if (node.size() == 1) {
            String function = node.fieldNames().next();
            JsonNode argument = node.path(function);
            switch (function) {
                case "Ref":
                    return ref(argument.asText());
                case "Condition":
                    return NODES.booleanNode(condition(argument.asText()));
                case "Fn::GetAtt":
                    return getAtt(argument.path(0).asText(), argument.path(1).asText());
                case "Fn::Sub":
                    return sub(argument);
                case "Fn::If":
                    return resolve(condition(argument.path(0).asText()) ? argument.path(1) : argument.path(2));
                case "Fn::Equals":
                    return NODES.booleanNode(resolve(argument.path(0)).equals(resolve(argument.path(1))));
                case "Fn::Not":
                    return NODES.booleanNode(!truth(resolve(argument.path(0))));
                case "Fn::And", "Fn::Or": {
                    boolean and = function.equals("Fn::And");
                    boolean result = and;
                    for (JsonNode operand : argument) {
                        result = and ? result && truth(resolve(operand)) : result || truth(resolve(operand));
                    }
                    return NODES.booleanNode(result);
                }
                case "Fn::Join": {
                    List<String> parts = new ArrayList<>();
                    resolve(argument.path(1)).forEach(p -> parts.add(p.asText()));
                    return NODES.textNode(String.join(argument.path(0).asText(), parts));
                }
                case "Fn::Select":
                    return resolve(argument.path(1)).path(resolve(argument.path(0)).asInt());
                default:
                    if (function.startsWith("Fn::")) {
                        problems.add("the renderer does not know " + function);
                        return NODES.textNode("<" + function + ">");
                    }
            }
        }
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            JsonNode value = resolve(field.getValue());
            if (value != null) {
                out.set(field.getKey(), value);
            }
        }
        return out;
    }

    private JsonNode ref(String name) {
        if (name.equals(NO_VALUE)) {
            return null;
        }
        if (values.containsKey(name)) {
            return values.get(name);
        }
        JsonNode resource = resources.path(name);
        if (resource.isMissingNode()) {
            problems.add(template.path("Resources").has(name)
                    ? "Ref " + name + ": its condition is false, so it is not created"
                    : "Ref " + name + ": neither a parameter nor a resource");
            return NODES.textNode("<unresolved " + name + ">");
        }
        // What Ref returns, for the types whose value the project's checks read.
        JsonNode properties = resolve(resource.path("Properties"));
        return switch (resource.path("Type").asText()) {
            case "AWS::SSM::Parameter" -> properties.path("Name");
            case "AWS::SecretsManager::Secret" -> NODES.textNode("arn:aws:secretsmanager:" + REGION + ":" + ACCOUNT
                    + ":secret:" + properties.path("Name").asText() + "-AbCdEf");
            default -> NODES.textNode("<" + name + ">");
        };
    }

    private JsonNode getAtt(String resource, String attribute) {
        if (!resources.has(resource)) {
            problems.add("GetAtt " + resource + "." + attribute + ": "
                    + (template.path("Resources").has(resource) ? "its condition is false" : "no such resource"));
        }
        // A role's ARN in its real form: the ECS API takes it as the task's role.
        if (attribute.equals("Arn") && resources.path(resource).path("Type").asText().equals("AWS::IAM::Role")) {
            return NODES.textNode("arn:aws:iam::" + ACCOUNT + ":role/" + STACK + "-" + resource);
        }
        return NODES.textNode("<" + resource + "." + attribute + ">");
    }

    private JsonNode sub(JsonNode argument) {
        String text = argument.isArray() ? argument.path(0).asText() : argument.asText();
        JsonNode local = argument.isArray() ? argument.path(1) : NODES.objectNode();
        Matcher m = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String variable = m.group(1);
            String replacement;
            if (variable.startsWith("!")) {
                replacement = "${" + variable.substring(1) + "}";
            } else if (local.has(variable)) {
                replacement = resolve(local.path(variable)).asText();
            } else if (variable.contains(".") && !values.containsKey(variable)) {
                String[] parts = variable.split("\\.", 2);
                replacement = getAtt(parts[0], parts[1]).asText();
            } else {
                JsonNode value = ref(variable);
                replacement = value == null ? "" : value.isArray() ? join(value) : value.asText();
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return NODES.textNode(out.toString());
    }

    private static String join(JsonNode list) {
        List<String> parts = new ArrayList<>();
        list.forEach(p -> parts.add(p.asText()));
        return String.join(",", parts);
    }
}
