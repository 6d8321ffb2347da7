package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each deployment path of docs/deployment.md, walked as written, in order, with Debian's AWS CLI v2 against moto
 * (see {@link DeploymentWalk}): a step whose command no longer matches the files (a renamed family, log group, role
 * or file; a trust policy the role cannot be created with; a template parameter the deploy does not pass) fails
 * the walk or the checks of what it left. What moto cannot do (run a task, pull an image) is out of reach here;
 * {@code scripts/container-test} runs the image.
 */
class DeploymentWalkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "123456789012";

    private static MotoServer moto;

    @TempDir
    Path scratch;

    private DeploymentWalk walk;
    private String vpc;
    private String subnets;
    private String keyArn;

    /** A moto of its own: the ECS path attaches the AWS managed AmazonECSTaskExecutionRolePolicy. */
    @BeforeAll
    static void startMoto() {
        moto = MotoServer.startDedicated(Map.of("MOTO_IAM_LOAD_MANAGED_POLICIES", "true"));
    }

    @AfterAll
    static void stopMoto() {
        moto.close();
    }

    /** What the pages assume exists: a VPC with two subnets, and a customer managed KMS key with an alias. */
    @BeforeEach
    void anAccountWithAVpcAndAKey() throws Exception {
        moto.reset();
        walk = new DeploymentWalk(moto.endpoint(), scratch);
        vpc = walk.aws("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16").at("/Vpc/VpcId").asText();
        String a = walk.aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")
                .at("/Subnet/SubnetId").asText();
        String b = walk.aws("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.2.0/24")
                .at("/Subnet/SubnetId").asText();
        subnets = a + "," + b;
        keyArn = moto.call("kms", "TrentService.CreateKey", Map.of("Description", "my-app")).at("/KeyMetadata/Arn").asText();
        moto.call("kms", "TrentService.CreateAlias", Map.of("AliasName", "alias/my-app", "TargetKeyId", keyArn));
    }

    @Test
    void ecsSidecarPath_createsRolesSecretsClusterTaskAndService_thatNameEachOther() throws Exception {
        DeploymentWalk.Result result = walk.run("ecs-sidecar",
                Map.of("VPC_ID=vpc-0123", "VPC_ID=" + vpc, "SUBNETS=subnet-0123,subnet-4567", "SUBNETS=" + subnets));

        assertThat(result.exitCode()).as(result.output()).isZero();
        String image = ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com/ssm-sidecar:0.1.0";
        assertThat(result.recorded()).containsExactly(
                "docker login --username AWS --password-stdin " + ACCOUNT + ".dkr.ecr.us-east-1.amazonaws.com",
                "docker buildx build --platform linux/amd64 -t " + image + " --push .");

        JsonNode task = ecs("DescribeTaskDefinition", Map.of("taskDefinition", "my-app-sidecar")).path("taskDefinition");
        JsonNode sidecar = task.path("containerDefinitions").path(0);
        assertThat(sidecar.path("image").asText()).as("the image step 1 pushed").isEqualTo(image);
        assertThat(moto.call("ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
                Map.of("repositoryNames", List.of("ssm-sidecar"))).at("/repositories/0/repositoryUri").asText() + ":0.1.0")
                .isEqualTo(image);
        String logGroup = sidecar.at("/logConfiguration/options/awslogs-group").asText();
        assertThat(moto.call("logs", "Logs_20140328.DescribeLogGroups", Map.of("logGroupNamePrefix", logGroup))
                .at("/logGroups/0/logGroupName").asText()).as("the log group the task writes to").isEqualTo(logGroup);

        assertRole(task.path("taskRoleArn").asText(), "examples/iam-trust-ecs-tasks.json");
        assertRole(task.path("executionRoleArn").asText(), "examples/iam-trust-ecs-task-execution.json");
        assertThat(walk.aws("iam", "list-attached-role-policies", "--role-name", roleName(task.path("executionRoleArn")))
                .at("/AttachedPolicies/0/PolicyArn").asText())
                .endsWith(":policy/service-role/AmazonECSTaskExecutionRolePolicy");
        JsonNode policy = walk.aws("iam", "get-role-policy", "--role-name", roleName(task.path("taskRoleArn")),
                "--policy-name", "ssm-sidecar").path("PolicyDocument");
        assertThat(policy.toString()).as("kms:Decrypt on the key that encrypts the secrets")
                .contains("\"Resource\":\"" + keyArn + "\"").doesNotContain("1234abcd");

        assertThat(ssm("GetParameter", Map.of("Name", "/prod/my-app/db/password")).at("/Parameter/Type").asText())
                .isEqualTo("SecureString");
        assertThat(moto.call("secretsmanager", "secretsmanager.DescribeSecret", Map.of("SecretId", "prod/my-app/api"))
                .path("KmsKeyId").asText()).isEqualTo(keyArn);
        assertThat(ssm("GetParametersByPath", Map.of("Path", "/prod/my-app/config")).path("Parameters")).isNotEmpty();

        JsonNode service = ecs("DescribeServices", Map.of("cluster", "my-app-sidecar",
                "services", List.of("my-app-sidecar"))).path("services").path(0);
        assertThat(service.path("taskDefinition").asText()).endsWith(":task-definition/my-app-sidecar:1");
        JsonNode network = service.at("/networkConfiguration/awsvpcConfiguration");
        assertThat(String.join(",", texts(network.path("subnets")))).isEqualTo(subnets);
        assertThat(network.path("assignPublicIp").asText()).isEqualTo("DISABLED");
        String group = network.path("securityGroups").path(0).asText();
        JsonNode rules = walk.aws("ec2", "describe-security-groups", "--group-ids", group).at("/SecurityGroups/0");
        assertThat(rules.path("VpcId").asText()).isEqualTo(vpc);
        assertThat(rules.path("IpPermissions")).as("nothing comes in").isEmpty();
        assertThat(rules.path("IpPermissionsEgress")).singleElement().satisfies(egress -> {
            assertThat(egress.path("FromPort").asInt()).isEqualTo(443);
            assertThat(egress.path("ToPort").asInt()).isEqualTo(443);
        });
    }

    @Test
    void ecsSidecarPath_staysApartFromTheStackOfTheSameName() throws Exception {
        JsonNode task = JSON.readTree(Path.of("ecs-task-sidecar.json").toFile());
        String block = DeploymentWalk.block("ecs-sidecar");

        assertThat(task.path("family").asText()).isNotEqualTo(TemplateRender.STACK);
        task.path("containerDefinitions").forEach(container ->
                assertThat(container.at("/logConfiguration/options/awslogs-group").asText())
                        .as("the stack's log group is /ecs/" + TemplateRender.STACK)
                        .isNotEqualTo("/ecs/" + TemplateRender.STACK));
        assertThat(block).contains("--task-definition " + task.path("family").asText(),
                "--log-group-name " + task.at("/containerDefinitions/0/logConfiguration/options/awslogs-group").asText());
    }

    @Test
    void cloudFormationPath_reachesCreateComplete_withTheKeyOfTheSecureString() throws Exception {
        DeploymentWalk.Result result = walk.run("cloudformation",
                Map.of("VPC_ID=vpc-0123", "VPC_ID=" + vpc, "SUBNETS=subnet-0123,subnet-4567", "SUBNETS=" + subnets));

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.recorded()).hasSize(2).allSatisfy(line -> assertThat(line).startsWith("docker "));
        JsonNode stack = walk.aws("cloudformation", "describe-stacks", "--stack-name", TemplateRender.STACK)
                .at("/Stacks/0");
        assertThat(stack.path("StackStatus").asText()).isEqualTo("CREATE_COMPLETE");
        assertThat(parameter(stack, "KmsKeyArn")).as("step 3 passes the key of step 2").isEqualTo(keyArn);
        assertThat(ssm("GetParameter", Map.of("Name", "/prod/my-app/db/password")).at("/Parameter/Type").asText())
                .isEqualTo("SecureString");
        assertThat(ecs("ListServices", Map.of("cluster", TemplateRender.STACK)).path("serviceArns"))
                .as("the service in the cluster named after the stack").hasSize(1);
        assertThat(ssm("GetParameter", Map.of("Name", "/prod/my-app/config/log-level")).at("/Parameter/Value").asText())
                .isEqualTo("info");
    }

    @Test
    void eksIrsaPath_createsTheOidcProvider_andATrustPolicyNamingTheIssuerWithoutHttps() throws Exception {
        walk.aws("eks", "create-cluster", "--name", "my-cluster", "--role-arn", "arn:aws:iam::" + ACCOUNT + ":role/eks",
                "--resources-vpc-config", "subnetIds=" + subnets);
        String issuer = walk.aws("eks", "describe-cluster", "--name", "my-cluster")
                .at("/cluster/identity/oidc/issuer").asText();
        String host = issuer.substring("https://".length());

        DeploymentWalk.Result result = walk.run("eks-irsa", Map.of());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.recorded()).containsExactly("kubectl apply -k examples/kubernetes");
        String provider = "arn:aws:iam::" + ACCOUNT + ":oidc-provider/" + host;
        assertThat(walk.aws("iam", "list-open-id-connect-providers").toString()).contains(provider);
        JsonNode trust = walk.aws("iam", "get-role", "--role-name", "my-app-ssm-sidecar")
                .at("/Role/AssumeRolePolicyDocument/Statement/0");
        assertThat(trust.at("/Principal/Federated").asText()).isEqualTo(provider);
        assertThat(trust.at("/Condition/StringEquals").path(host + ":sub").asText())
                .isEqualTo("system:serviceaccount:default:my-app");
        assertThat(trust.toString()).doesNotContain("https://", "EXAMPLE");
        assertThat(walk.aws("iam", "get-role-policy", "--role-name", "my-app-ssm-sidecar", "--policy-name",
                "ssm-sidecar").at("/PolicyDocument/Statement/0/Action").asText()).isEqualTo("ssm:GetParameters");
    }

    @Test
    void eksPodIdentityPath_createsTheRole_andRecordsTheStepsMotoCannotRun() throws Exception {
        DeploymentWalk.Result result = walk.run("eks-pod-identity", Map.of());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.recorded()).containsExactly("aws eks create-addon", "aws eks create-pod-identity-association",
                "kubectl apply -k examples/kubernetes",
                "kubectl annotate serviceaccount my-app eks.amazonaws.com/role-arn-",
                "kubectl rollout restart deployment my-app");
        JsonNode trust = walk.aws("iam", "get-role", "--role-name", "my-app-ssm-sidecar")
                .at("/Role/AssumeRolePolicyDocument");
        assertThat(trust).isEqualTo(JSON.readTree(Files.readString(Path.of("examples/iam-trust-eks-pod-identity.json"))));
        assertThat(DeploymentWalk.block("eks-pod-identity"))
                .contains("--addon-name eks-pod-identity-agent", "--service-account my-app", "--namespace default");
    }

    @Test
    void aWalk_failsOnTheStepWhoseFileIsGone() throws Exception {
        Files.delete(walk.work().resolve("examples/iam-trust-ecs-tasks.json"));

        DeploymentWalk.Result result = walk.run("ecs-sidecar",
                Map.of("VPC_ID=vpc-0123", "VPC_ID=" + vpc, "SUBNETS=subnet-0123,subnet-4567", "SUBNETS=" + subnets));

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("iam-trust-ecs-tasks.json").doesNotContain("+ walk: aws ecs create-service");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static JsonNode ecs(String operation, Map<String, ?> body) {
        return moto.call("ecs", "AmazonEC2ContainerServiceV20141113." + operation, body);
    }

    private static JsonNode ssm(String operation, Map<String, ?> body) {
        return moto.call("ssm", "AmazonSSM." + operation, body);
    }

    private void assertRole(String arn, String trustFile) throws Exception {
        assertThat(arn).startsWith("arn:aws:iam::" + ACCOUNT + ":role/");
        JsonNode role = walk.aws("iam", "get-role", "--role-name", roleName(JSON.getNodeFactory().textNode(arn)));
        assertThat(role.at("/Role/Arn").asText()).isEqualTo(arn);
        assertThat(role.at("/Role/AssumeRolePolicyDocument"))
                .isEqualTo(JSON.readTree(Files.readString(walk.work().resolve(trustFile))));
    }

    private static String roleName(JsonNode arn) {
        return arn.asText().substring(arn.asText().lastIndexOf('/') + 1);
    }

    private static String parameter(JsonNode stack, String key) {
        for (JsonNode p : stack.path("Parameters")) {
            if (p.path("ParameterKey").asText().equals(key)) {
                return p.path("ParameterValue").asText();
            }
        }
        throw new AssertionError("the stack has no parameter " + key + ": " + stack.path("Parameters"));
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
