package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.cli.Main;
import io.ssmsidecar.reference.Reference;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IAM documents users copy: {@code examples/iam-policy.json} and the CloudFormation stack's task role are what
 * {@code ssm-sidecar policy} prints for their references, and that output passes cfn-lint's IAM policy rules
 * (embedded in an {@code AWS::IAM::ManagedPolicy}, as {@code aws iam create-policy} would take it).
 */
class IamDocumentsTest {

    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    static final String KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path IAM_POLICY = Path.of("examples/iam-policy.json");
    static final Path ECS_TASK_ROLE_TRUST = Path.of("examples/iam-trust-ecs-tasks.json");
    static final Path ECS_EXECUTION_ROLE_TRUST = Path.of("examples/iam-trust-ecs-task-execution.json");

    @TempDir
    Path scratch;

    @Test
    void examplePolicy_isWhatThePolicyCommandPrints_forTheExampleTask() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode container : JSON.readTree(Path.of("ecs-task-sidecar.json").toFile()).path("containerDefinitions")) {
            if (container.path("name").asText().equals("ssm-sidecar")) {
                container.path("environment").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
            }
        }

        String printed = policy(env, "--account", ACCOUNT, "--region", REGION, "--kms-key-arn", KEY);

        assertThat(Files.readString(IAM_POLICY)).isEqualTo(printed);
    }

    @Test
    void stackTaskRole_isWhatThePolicyCommandPrints_forTheStacksReferences() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>(CloudFormationStackTest.Readme.read().overrides());
        overrides.put("KmsKeyArn", KEY);
        TemplateRender withKey = TemplateRender.of(CloudFormationStackTest.template(), overrides);
        overrides.put("KmsKeyArn", "");
        TemplateRender withoutKey = TemplateRender.of(CloudFormationStackTest.template(), overrides);

        JsonNode expected = JSON.readTree(policy(sidecarEnv(withKey), "--account", TemplateRender.ACCOUNT,
                "--region", TemplateRender.REGION, "--kms-key-arn", KEY));

        assertThat(withKey.problems()).isEmpty();
        assertThat(taskRolePolicy(withKey)).isEqualTo(expected);
        // With the AWS managed keys (no KmsKeyArn) the stack leaves kms:Decrypt out; everything else is the same.
        ArrayNode withoutDecrypt = ((ArrayNode) expected.path("Statement").deepCopy());
        withoutDecrypt.remove(withoutDecrypt.size() - 1);
        assertThat(taskRolePolicy(withoutKey).path("Statement")).isEqualTo(withoutDecrypt);
    }

    @Test
    void ecsTrustPolicies_areTheStacksRoles_withoutTheSid() throws Exception {
        TemplateRender render = TemplateRender.of(CloudFormationStackTest.template(),
                CloudFormationStackTest.Readme.read().overrides());

        for (Map.Entry<Path, String> trust : Map.of(ECS_TASK_ROLE_TRUST, "TaskRole",
                ECS_EXECUTION_ROLE_TRUST, "ExecutionRole").entrySet()) {
            ObjectNode file = (ObjectNode) JSON.readTree(Files.readString(trust.getKey()));
            ((ObjectNode) file.path("Statement").path(0)).remove("Sid");
            assertThat(file).as(trust.getKey().toString())
                    .isEqualTo(render.resources().at("/" + trust.getValue() + "/Properties/AssumeRolePolicyDocument"));
        }
    }

    @Test
    void policyCommandOutput_passesCfnLintsIamRules() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DB_PASSWORD", "ssm:///prod/db/password:3");
        env.put("LITTLE", "ssm://my.little.secret");
        env.put("API_KEY", "ssm:///aws/reference/secretsmanager/prod/api#key");
        env.put("APP", "ssm:///prod/app/*");
        env.put("LEGACY", "ssm://arn:aws:ssm:eu-west-1:111122223333:parameter/legacy/token");
        env.put("SIDECAR_ALLOW", "/prod/shared/,/aws/reference/secretsmanager/prod-");
        List<JsonNode> documents = List.of(
                JSON.readTree(policy(env, "--account", ACCOUNT, "--region", REGION, "--kms-key-arn", KEY)),
                JSON.readTree(policy(env, "--account", ACCOUNT, "--region", REGION)),
                JSON.readTree(Files.readString(IAM_POLICY)));

        CfnLint.Result result = CfnLint.check(managedPolicies(documents, scratch), scratch);

        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();
    }

    @Test
    void eksTrustPolicies_passCfnLintsIamRules_asRoleTrustPolicies() throws Exception {
        ObjectNode template = JSON.createObjectNode().put("AWSTemplateFormatVersion", "2010-09-09");
        ObjectNode resources = template.putObject("Resources");
        for (Path file : List.of(DeploymentFilesTest.POD_IDENTITY_TRUST, DeploymentFilesTest.IRSA_TRUST,
                ECS_TASK_ROLE_TRUST, ECS_EXECUTION_ROLE_TRUST)) {
            ObjectNode properties = resources.putObject(file.getFileName().toString().replaceAll("[^A-Za-z]", ""))
                    .put("Type", "AWS::IAM::Role").putObject("Properties");
            properties.set("AssumeRolePolicyDocument", JSON.readTree(file.toFile()));
            properties.putArray("ManagedPolicyArns").add("arn:aws:iam::123456789012:policy/my-app-ssm-sidecar");
        }
        Path file = Files.writeString(scratch.resolve("trust.json"), template.toPrettyString());

        CfnLint.Result result = CfnLint.check(file, scratch);

        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();
    }

    @Test
    void policyForSmReferences_grantsEachSecretAndTheBatch_andPassesCfnLintsIamRules() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DB", "sm://prod/db#password");
        env.put("DB_OLD", "sm://prod/db:AWSPREVIOUS#password");
        env.put("SHARED", "sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab");
        env.put("PARTIAL", "sm://arn:aws:secretsmanager:us-west-2:210987654321:secret:shared/cert");
        JsonNode withKey = JSON.readTree(policy(env, "--account", ACCOUNT, "--region", REGION, "--kms-key-arn", KEY));
        JsonNode single = JSON.readTree(policy(Map.of("DB", "sm://prod/db"), "--account", ACCOUNT, "--region", REGION));

        JsonNode statements = withKey.path("Statement");
        assertThat(statements.get(0).path("Sid").asText()).isEqualTo("GetDeclaredSecrets");
        assertThat(statements.get(0).path("Action").asText()).isEqualTo("secretsmanager:GetSecretValue");
        assertThat(statements.get(0).path("Resource").toString()).isEqualTo("[\"arn:aws:secretsmanager:" + REGION + ":"
                + ACCOUNT + ":secret:prod/db-??????\",\"arn:aws:secretsmanager:us-west-2:210987654321:secret:"
                + "shared/cert-??????\",\"arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab\"]");
        assertThat(statements.get(1).path("Action").asText()).isEqualTo("secretsmanager:BatchGetSecretValue");
        assertThat(statements.get(1).path("Resource").asText()).isEqualTo("*");
        assertThat(statements.get(2).path("Action").asText()).isEqualTo("kms:Decrypt");
        // A key decrypts only through its own region's services: the us-east-1 key is granted through us-east-1's
        // Secrets Manager alone (the other regions' secrets need their own --kms-key-arn, or none for aws/secretsmanager).
        assertThat(statements.get(2).toString()).contains("secretsmanager." + REGION + ".amazonaws.com")
                .doesNotContain("eu-west-1").doesNotContain("ssm.");
        assertThat(single.toString()).as("one secret is read with GetSecretValue alone")
                .doesNotContain("BatchGetSecretValue");

        CfnLint.Result result = CfnLint.check(managedPolicies(List.of(withKey, single), scratch), scratch);
        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();
    }

    @Test
    void policyForSecretPrefixes_repeatedKeys_andTheOwningAccountsPolicies_passCfnLintsRules() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("APP", "sm://prod/app/*?tag=team=pay");
        env.put("SHARED", "sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab");
        String westKey = "arn:aws:kms:eu-west-1:210987654321:key/mrk-0123456789abcdef0123456789abcdef";
        String role = "arn:aws:iam::" + ACCOUNT + ":role/my-app-task";
        JsonNode identity = JSON.readTree(policy(env, "--account", ACCOUNT, "--region", REGION, "--kms-key-arn", KEY,
                "--kms-key-arn", westKey));
        JsonNode resource = JSON.readTree(policy(env, "--region", REGION, "--for", "resource-policy",
                "--task-role-arn", role));
        JsonNode key = JSON.readTree(policy(env, "--region", REGION, "--for", "kms-key-policy", "--task-role-arn", role));
        assertThat(identity.toString()).contains("secretsmanager:ListSecrets", "DecryptThroughParameterStoreOnlyEuWest1");

        CfnLint.Result result = CfnLint.check(withOwnerPolicies(managedPolicies(List.of(identity), scratch), resource,
                key), scratch);
        assertThat(result.output()).isEmpty();
        assertThat(result.clean()).isTrue();

        // The same check refuses a broken key policy. (cfn-lint 1.x has no rules for a secret's ResourcePolicy: it
        // checks that one as a property only, which is why its grammar is asserted exactly in PolicyCommandTest.)
        ((ObjectNode) key.path("Statement").path(0)).put("Action", "kms:Decrypted");
        CfnLint.Result broken = CfnLint.check(withOwnerPolicies(managedPolicies(List.of(identity), scratch), resource,
                key), scratch);
        assertThat(broken.clean()).isFalse();
        assertThat(broken.output()).contains("W3037", "'decrypted' is not one of");
    }

    /** Adds the owning account's secret resource policy and a key with that key policy statement to {@code template}. */
    private static Path withOwnerPolicies(Path template, JsonNode resourcePolicy, JsonNode keyPolicy) throws Exception {
        ObjectNode t = (ObjectNode) JSON.readTree(template.toFile());
        ObjectNode resources = (ObjectNode) t.path("Resources");
        ObjectNode secretPolicy = resources.putObject("SecretPolicy").put("Type", "AWS::SecretsManager::ResourcePolicy")
                .putObject("Properties");
        secretPolicy.put("SecretId", "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/api-Xy12Ab");
        secretPolicy.set("ResourcePolicy", resourcePolicy);
        ObjectNode keyProperties = resources.putObject("Key").put("Type", "AWS::KMS::Key").putObject("Properties");
        ObjectNode document = keyPolicy.deepCopy();
        // A key policy keeps its administrators: the account's root first, then the statement policy printed.
        ObjectNode admin = JSON.createObjectNode().put("Sid", "KeyAdministration").put("Effect", "Allow");
        admin.putObject("Principal").put("AWS", "arn:aws:iam::210987654321:root");
        admin.put("Action", "kms:*").put("Resource", "*");
        ((com.fasterxml.jackson.databind.node.ArrayNode) document.path("Statement")).insert(0, admin);
        keyProperties.set("KeyPolicy", document);
        return Files.writeString(template, t.toPrettyString());
    }

    @Test
    void cfnLintsIamRules_catchABrokenStatement() throws Exception {
        ObjectNode document = (ObjectNode) JSON.readTree(Files.readString(IAM_POLICY));
        ((ObjectNode) document.path("Statement").path(0)).put("Effect", "Allowed");
        ((ObjectNode) document.path("Statement").path(1)).put("Action", "ssm:GetParameterz");

        CfnLint.Result result = CfnLint.check(managedPolicies(List.of(document), scratch), scratch);

        assertThat(result.clean()).isFalse();
        assertThat(result.output()).contains("E3510", "'Allowed' is not one of ['Allow', 'Deny']", "getparameterz");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** Runs {@code ssm-sidecar policy} in-process with exactly {@code env}; fails unless it exits 0. */
    static String policy(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] full = new String[args.length + 1];
        full[0] = "policy";
        System.arraycopy(args, 0, full, 1, args.length);
        int code = Main.run(full, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A template with one {@code AWS::IAM::ManagedPolicy} per document, for cfn-lint's IAM rules. */
    static Path managedPolicies(List<JsonNode> documents, Path dir) throws Exception {
        ObjectNode template = JSON.createObjectNode().put("AWSTemplateFormatVersion", "2010-09-09");
        ObjectNode resources = template.putObject("Resources");
        for (int i = 0; i < documents.size(); i++) {
            resources.putObject("Policy" + i).put("Type", "AWS::IAM::ManagedPolicy")
                    .putObject("Properties").set("PolicyDocument", documents.get(i));
        }
        return Files.writeString(Files.createTempFile(dir, "iam-policies", ".json"),
                template.toPrettyString());
    }

    private static Map<String, String> sidecarEnv(TemplateRender render) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        for (Reference ref : CloudFormationStackTest.sidecarReferences(render)) {
            env.put(ref.key(), ref.raw());
        }
        return env;
    }

    private static JsonNode taskRolePolicy(TemplateRender render) {
        List<JsonNode> policies = new ArrayList<>();
        render.resources().at("/TaskRole/Properties/Policies").forEach(p -> policies.add(p.path("PolicyDocument")));
        assertThat(policies).hasSize(1);
        return policies.get(0);
    }
}
