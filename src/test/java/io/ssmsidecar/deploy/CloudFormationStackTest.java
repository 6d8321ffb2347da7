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
    void template_passesCfnLintsInformationalChecks_includingExplicitDeletionPolicies() throws Exception {
        CfnLint.Result result = CfnLint.check(TEMPLATE, scratch, "--include-checks", "I");

        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();
        JsonNode resources = template().path("Resources");
        assertThat(resources.at("/ApiSecret/DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(resources.at("/LogGroup/DeletionPolicy").asText()).isEqualTo("Delete");
    }

    @Test
    void cfnLintsInformationalChecks_askForTheDeletionPolicyOfTheSecret() throws Exception {
        Path without = Files.writeString(scratch.resolve("no-policy.yaml"), Files.readString(TEMPLATE)
                .replace("    DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain\n", ""));

        CfnLint.Result result = CfnLint.check(without, scratch, "--include-checks", "I");

        assertThat(result.output()).contains("I3011");
    }

    @Test
    void kmsKeyArn_takesAKeyArn_andRefusesAnAliasArn_whoseDecryptStatementCouldNeverMatch() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(Readme.read().overrides());
        assertThat(overrides.get("KmsKeyArn")).as("step 3 passes the key of step 2").isEqualTo(Readme.EXAMPLE_KEY);
        assertThat(TemplateRender.of(template(), overrides).problems()).isEmpty();

        overrides.put("KmsKeyArn", "arn:aws:kms:us-east-1:123456789012:alias/my-app");
        assertThat(TemplateRender.of(template(), overrides).problems()).singleElement().asString()
                .contains("KmsKeyArn", "alias/my-app", "AllowedPattern");
        overrides.put("KmsKeyArn", "");
        assertThat(TemplateRender.of(template(), overrides).problems()).isEmpty();
        assertThat(template().at("/Parameters/KmsKeyArn/ConstraintDescription").asText())
                .contains("not an alias ARN", "describe-key");
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
        /** The key the walks' {@code kms describe-key} stands for: {@code examples/iam-policy.json}'s. */
        static final String EXAMPLE_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        private static final Pattern ASSIGNMENT = Pattern.compile("(?m)^([A-Z_]+)=(\\$\\(.*\\)|\\S+)");
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
            Map<String, String> variables = variables(section.substring(0, deploy.start()));
            String[] words = deploy.group(1).trim().split("\\s+");
            Map<String, String> overrides = new LinkedHashMap<>();
            boolean inOverrides = false;
            for (String word : words) {
                if (word.startsWith("--")) {
                    inOverrides = word.equals("--parameter-overrides");
                } else if (inOverrides) {
                    String[] pair = word.split("=", 2);
                    overrides.put(pair[0], expand(pair[1], variables));
                }
            }
            return new Readme(prerequisites, overrides);
        }

        /**
         * The shell variables the block sets before the deploy, in order: a literal as written, a command
         * substitution as what it prints for the example account ({@code sts get-caller-identity}) and key
         * ({@code kms describe-key}); any other command is an error, so a new one is given a value here.
         */
        private static Map<String, String> variables(String block) {
            Map<String, String> variables = new LinkedHashMap<>();
            Matcher m = ASSIGNMENT.matcher(block);
            while (m.find()) {
                String value = m.group(2);
                if (value.startsWith("$(")) {
                    if (value.contains("sts get-caller-identity")) {
                        value = TemplateRender.ACCOUNT;
                    } else if (value.contains("kms describe-key")) {
                        value = EXAMPLE_KEY;
                    } else {
                        throw new AssertionError("no example value for " + m.group(1) + "=" + value);
                    }
                }
                variables.put(m.group(1), expand(value, variables));
            }
            return variables;
        }

        private static String expand(String text, Map<String, String> variables) {
            Matcher m = Pattern.compile("\\$\\{?([A-Z_]+)}?").matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = variables.get(m.group(1));
                if (value == null) {
                    throw new AssertionError("$" + m.group(1) + " is used before the block sets it: " + text);
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            return m.appendTail(out).toString();
        }
    }
}
