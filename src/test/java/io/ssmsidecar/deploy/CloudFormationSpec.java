package io.ssmsidecar.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks a CloudFormation template (long-form intrinsics, as {@link YamlTree} reads it) against AWS's
 * CloudFormation resource specification: every resource type exists, every property name is one the type has
 * (at every depth), and every required property is there. The specification is the one the AWS CDK ships in the
 * npm package {@code @aws-cdk/cfnspec}, installed once under {@code target/npm/cfnspec}.
 */
final class CloudFormationSpec {

    private static final String PACKAGE = "@aws-cdk/cfnspec@2.72.1";

    private final JsonNode resourceTypes;
    private final JsonNode propertyTypes;

    private CloudFormationSpec(JsonNode spec) {
        resourceTypes = spec.path("ResourceTypes");
        propertyTypes = spec.path("PropertyTypes");
    }

    static CloudFormationSpec load(ObjectMapper json) throws IOException, InterruptedException {
        Path prefix = Path.of("target", "npm", "cfnspec").toAbsolutePath();
        Path file = prefix.resolve("node_modules/@aws-cdk/cfnspec/spec/specification.json");
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(prefix);
            Path log = prefix.resolve("npm-install.log");
            Process npm = new ProcessBuilder(npm(), "install", "--prefix", prefix.toString(), "--no-save",
                    "--no-audit", "--no-fund", "--ignore-scripts", PACKAGE)
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0 || !Files.isRegularFile(file)) {
                npm.destroyForcibly();
                throw new IllegalStateException("npm install " + PACKAGE + " failed:\n" + Files.readString(log));
            }
        }
        return new CloudFormationSpec(json.readTree(file.toFile()));
    }

    private static String npm() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "npm"))) {
                return Path.of(dir, "npm").toString();
            }
        }
        throw new IllegalStateException("npm is needed to fetch the CloudFormation specification: apt-get install npm");
    }

    /** Every problem found in the template's resources, as "Resource.Path: what is wrong"; empty when it conforms. */
    List<String> problems(JsonNode template) {
        List<String> problems = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> resources = template.path("Resources").fields();
        while (resources.hasNext()) {
            Map.Entry<String, JsonNode> resource = resources.next();
            String type = resource.getValue().path("Type").asText();
            JsonNode spec = resourceTypes.path(type);
            if (spec.isMissingNode()) {
                problems.add(resource.getKey() + ": unknown resource type " + type);
                continue;
            }
            // A resource may leave Properties out when none is required (a WaitConditionHandle has none).
            JsonNode given = resource.getValue().has("Properties")
                    ? resource.getValue().path("Properties") : JsonNodeFactory.instance.objectNode();
            checkObject(type, spec.path("Properties"), given, resource.getKey(), problems);
        }
        return problems;
    }

    private void checkObject(String resourceType, JsonNode properties, JsonNode value, String where, List<String> problems) {
        if (isIntrinsic(value)) {
            return;
        }
        if (!value.isObject()) {
            problems.add(where + ": expected an object, got " + value.getNodeType());
            return;
        }
        properties.fields().forEachRemaining(p -> {
            if (p.getValue().path("Required").asBoolean() && !value.has(p.getKey())) {
                problems.add(where + ": missing required property " + p.getKey());
            }
        });
        value.fields().forEachRemaining(field -> {
            JsonNode spec = properties.path(field.getKey());
            String at = where + "." + field.getKey();
            if (spec.isMissingNode()) {
                problems.add(at + ": unknown property");
                return;
            }
            String kind = spec.path("Type").asText();
            String item = spec.path("ItemType").asText();
            if (kind.equals("List") && !item.isEmpty() && field.getValue().isArray()) {
                int i = 0;
                for (JsonNode element : field.getValue()) {
                    for (JsonNode branch : branches(element)) {
                        checkObject(resourceType, propertyType(resourceType, item), branch, at + "[" + i + "]", problems);
                    }
                    i++;
                }
            } else if (!kind.isEmpty() && !kind.equals("List") && !kind.equals("Map")) {
                checkObject(resourceType, propertyType(resourceType, kind), field.getValue(), at, problems);
            }
        });
    }

    private JsonNode propertyType(String resourceType, String name) {
        JsonNode scoped = propertyTypes.path(resourceType + "." + name);
        return (scoped.isMissingNode() ? propertyTypes.path(name) : scoped).path("Properties");
    }

    /** The objects a list element may become: both branches of an {@code Fn::If}, except {@code AWS::NoValue}. */
    private static List<JsonNode> branches(JsonNode element) {
        if (element.has("Fn::If") && element.size() == 1) {
            List<JsonNode> out = new ArrayList<>();
            for (int i = 1; i <= 2; i++) {
                JsonNode branch = element.at("/Fn::If/" + i);
                if (!"AWS::NoValue".equals(branch.path("Ref").asText())) {
                    out.add(branch);
                }
            }
            return out;
        }
        return List.of(element);
    }

    private static boolean isIntrinsic(JsonNode value) {
        if (!value.isObject() || value.size() != 1) {
            return false;
        }
        String key = value.fieldNames().next();
        return key.equals("Ref") || key.startsWith("Fn::");
    }
}
