package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.testing.Docs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The from-zero CloudFormation path of docs/deployment.md, as a new user runs it: the prerequisite {@code put-parameter} lines,
 * then {@code aws cloudformation deploy} with its {@code --parameter-overrides}. The template is rendered
 * with those values (every intrinsic resolved), checked with cfn-lint, and every reference the sidecar is given
 * must name something the stack creates or those prerequisites create: otherwise the sidecar never becomes
 * HEALTHY and the deployment rolls back.
 */
class CloudFormationStackTest {

    static final Path TEMPLATE = Path.of("examples/cloudformation/ssm-sidecar-service.yaml");
    private static final String SECTION = "CloudFormation (`examples/cloudformation/ssm-sidecar-service.yaml`)";

    @TempDir
    Path scratch;

    @Test
    void readmeCommands_inOrder_createEverythingTheSidecarReads() throws Exception {
        Readme readme = Readme.read();
        TemplateRender render = TemplateRender.of(template(), readme.overrides());

        assertThat(render.problems()).isEmpty();
        assertThat(readme.prerequisites()).containsExactly("/prod/my-app/db/password");
        assertThat(intrinsicsLeft(render.resources())).isEmpty();
        assertThat(missing(render, readme.prerequisites())).isEmpty();
        assertThat(render.resourcesOfType("AWS::SecretsManager::Secret")).singleElement().satisfies(secret -> {
            assertThat(secret.at("/Properties/Name").asText()).isEqualTo("prod/my-app/api");
            assertThat(secret.at("/Properties/GenerateSecretString/GenerateStringKey").asText()).isEqualTo("key");
            assertThat(secret.at("/Properties/GenerateSecretString/SecretStringTemplate").asText()).isEqualTo("{}");
        });
        assertThat(render.resourcesOfType("AWS::SSM::Parameter")).singleElement().satisfies(parameter -> {
            assertThat(parameter.at("/Properties/Name").asText()).startsWith("/prod/my-app/config/");
            assertThat(parameter.at("/Properties/Type").asText()).isEqualTo("String");
        });
        assertThat(render.resources().at("/Service/DependsOn").asText())
                .as("the service waits for what the stack creates").isEqualTo("SecretsCreated");
        assertThat(render.resources().at("/SecretsCreated/Metadata").toString())
                .contains("prod/my-app/api", "/prod/my-app/config/log-level");
    }

    @Test
    void optingOut_leavesThoseToTheUser_andTheCheckNamesThem() throws Exception {
        Readme readme = Readme.read();
        Map<String, String> overrides = new LinkedHashMap<>(readme.overrides());
        overrides.put("CreateApiSecret", "false");
        overrides.put("CreateConfigParameter", "false");
        TemplateRender render = TemplateRender.of(template(), overrides);

        assertThat(render.problems()).isEmpty();
        assertThat(render.resourcesOfType("AWS::SecretsManager::Secret")).isEmpty();
        assertThat(render.resourcesOfType("AWS::SSM::Parameter")).isEmpty();
        assertThat(missing(render, readme.prerequisites())).containsExactly(
                "API_KEY: the secret prod/my-app/api", "APP: a parameter under /prod/my-app/config");
        assertThat(missing(render, Set.of())).contains("DB_PASSWORD: the parameter /prod/my-app/db/password");
    }

    @Test
    void render_reportsWhatCloudFormationWouldReject() throws Exception {
        JsonNode broken = YamlTree.readAll(Files.writeString(scratch.resolve("broken.yaml"), """
                Parameters:
                  Name: {Type: String}
                Conditions:
                  Never: !Equals [a, b]
                Resources:
                  Kept:
                    Type: AWS::SSM::Parameter
                    Properties: {Name: !Sub "${Name}/${Missing}", Type: String, Value: !Ref Dropped}
                  Dropped:
                    Type: AWS::SSM::Parameter
                    Condition: Never
                    Properties: {Name: x, Type: String, Value: !GetAtt Kept.Arn}
                """)).get(0);

        assertThat(TemplateRender.of(broken, Map.of("Typo", "x")).problems()).containsExactlyInAnyOrder(
                "parameter Name has no default and no value",
                "override of an undeclared parameter Typo",
                "Ref Missing: neither a parameter nor a resource",
                "Ref Dropped: its condition is false, so it is not created");
    }

    @Test
    void privateSubnets_listTheEndpointsAFargateTaskNeeds_andNoOthers() throws Exception {
        String readme = Docs.section("deployment.md", SECTION);
        int at = readme.indexOf("**Private subnets without a NAT gateway.**");
        assertThat(at).as("the private-subnets paragraph of the CloudFormation section").isNotNegative();
        String section = readme.substring(at);
        Set<String> endpoints = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| `com\\.amazonaws\\.REGION\\.([a-z0-9.]+)` \\| (interface|gateway)").matcher(section);
        while (row.find()) {
            endpoints.add(row.group(1) + " " + row.group(2));
        }
        String subnets = template().at("/Parameters/SubnetIds/Description").asText();

        assertThat(endpoints).containsExactlyInAnyOrder(
                "ecr.api interface", "ecr.dkr interface", "s3 gateway", "logs interface", "ssm interface");
        assertThat(section).contains("Not needed: `secretsmanager` and `kms`", "**ECR Public**", "**Docker Hub**",
                "**private ECR**");
        assertThat(subnets).contains("ssm", "ecr.api", "ecr.dkr", "logs", "s3 gateway", "not secretsmanager or kms");
        assertThat(template().at("/Parameters/AppImage/Description").asText()).contains("ECR Public", "private ECR");
    }

    @Test
    void template_passesCfnLint() throws Exception {
        CfnLint.Result result = CfnLint.check(TEMPLATE, scratch);

        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();
    }

    @Test
    void cfnLint_findsAReferenceToNothing() throws Exception {
        Path broken = Files.writeString(scratch.resolve("broken.yaml"),
                Files.readString(TEMPLATE).replace("!Ref ApiSecretName", "!Ref ApiSecretNam"));

        CfnLint.Result result = CfnLint.check(broken, scratch);

        assertThat(result.clean()).isFalse();
        assertThat(result.output()).contains("ApiSecretNam");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    static JsonNode template() throws Exception {
        return YamlTree.readAll(TEMPLATE).get(0);
    }

    /** The sidecar container's references in the rendered template. */
    static List<Reference> sidecarReferences(TemplateRender render) throws Exception {
        List<Reference> references = new ArrayList<>();
        for (JsonNode container : render.resources().at("/TaskDefinition/Properties/ContainerDefinitions")) {
            if (container.path("Name").asText().equals("ssm-sidecar")) {
                for (JsonNode variable : container.path("Environment")) {
                    if (Reference.isReference(variable.path("Value").asText())) {
                        references.add(ReferenceParser.parse(variable.path("Name").asText(),
                                variable.path("Value").asText()));
                    }
                }
            }
        }
        assertThat(references).as("the sidecar's references").isNotEmpty();
        return references;
    }

    /** Each sidecar reference that neither the stack nor the prerequisites create, as "KEY: what is missing". */
    private static List<String> missing(TemplateRender render, Set<String> prerequisites) throws Exception {
        Set<String> parameters = new TreeSet<>(prerequisites);
        render.resourcesOfType("AWS::SSM::Parameter").forEach(p -> parameters.add(p.at("/Properties/Name").asText()));
        Set<String> secrets = new TreeSet<>();
        render.resourcesOfType("AWS::SecretsManager::Secret").forEach(s -> secrets.add(s.at("/Properties/Name").asText()));
        List<String> missing = new ArrayList<>();
        for (Reference ref : sidecarReferences(render)) {
            if (ref.optional()) {
                continue;
            }
            if (ref.kind() == Reference.Kind.PATH) {
                if (parameters.stream().noneMatch(p -> p.startsWith(ref.name() + "/"))) {
                    missing.add(ref.key() + ": a parameter under " + ref.name());
                }
            } else if (ref.isSecretsManager()) {
                String id = ref.name().substring(Reference.SECRETS_MANAGER_PREFIX.length());
                if (!secrets.contains(id)) {
                    missing.add(ref.key() + ": the secret " + id);
                }
            } else if (!parameters.contains(ref.name())) {
                missing.add(ref.key() + ": the parameter " + ref.name());
            }
        }
        return missing;
    }

    private static List<String> intrinsicsLeft(JsonNode node) {
        List<String> left = new ArrayList<>();
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(name -> {
                if (name.equals("Ref") || name.startsWith("Fn::")) {
                    left.add(name + " " + node.path(name));
                }
            });
        }
        node.elements().forEachRemaining(child -> left.addAll(intrinsicsLeft(child)));
        return left;
    }

    /** The CloudFormation section of docs/deployment.md: its prerequisite names and the deploy command's parameter values. */
    record Readme(Set<String> prerequisites, Map<String, String> overrides) {
        private static final Pattern PUT_PARAMETER = Pattern.compile("(?m)^aws ssm put-parameter --name (\\S+) --type SecureString ");
        private static final Pattern DEPLOY = Pattern.compile(
                "(?m)^aws cloudformation deploy --template-file examples/cloudformation/ssm-sidecar-service.yaml(.*)$");

        static Readme read() throws Exception {
            String section = Docs.section("deployment.md", SECTION).replace("\\\n", " ");
            Set<String> prerequisites = new TreeSet<>();
            Matcher put = PUT_PARAMETER.matcher(section);
            while (put.find()) {
                prerequisites.add(put.group(1));
            }
            Matcher deploy = DEPLOY.matcher(section);
            assertThat(deploy.find()).as("an 'aws cloudformation deploy' command in docs/deployment.md").isTrue();
            assertThat(section.indexOf("aws ssm put-parameter")).as("the prerequisites come before the deploy")
                    .isLessThan(deploy.start());
            String[] words = deploy.group(1).trim().split("\\s+");
            Map<String, String> overrides = new LinkedHashMap<>();
            boolean inOverrides = false;
            for (String word : words) {
                if (word.startsWith("--")) {
                    inOverrides = word.equals("--parameter-overrides");
                } else if (inOverrides) {
                    String[] pair = word.split("=", 2);
                    overrides.put(pair[0], pair[1]);
                }
            }
            return new Readme(prerequisites, overrides);
        }
    }
}
