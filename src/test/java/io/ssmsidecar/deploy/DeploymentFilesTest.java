package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment artefacts users copy: every JSON and YAML file parses; the ECS task definitions (the root
 * one, the init variant and the one inside the CloudFormation template) pass the AWS CLI's own validation for
 * {@code register-task-definition}; the health check agrees with the Dockerfile's; the CloudFormation template
 * references only what it declares. The IAM documents are checked in {@link IamDocumentsTest}.
 */
class DeploymentFilesTest {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Path SIDECAR_TASK = Path.of("ecs-task-sidecar.json");
    private static final Path INIT_TASK = Path.of("examples/ecs-task-init.json");
    private static final Path CLOUDFORMATION = Path.of("examples/cloudformation/ssm-sidecar-service.yaml");
    private static final Path KUBERNETES = Path.of("examples/kubernetes/deployment.yaml");
    private static final Path IAM_POLICY = Path.of("examples/iam-policy.json");
    static final Path POD_IDENTITY_TRUST = Path.of("examples/iam-trust-eks-pod-identity.json");
    static final Path IRSA_TRUST = Path.of("examples/iam-trust-eks-irsa.json");
    private static final String REGISTER = "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition";

    @TempDir
    static Path home;
    private static AwsCliValidation aws;
    private static CloudFormationSpec cloudFormationSpec;

    @BeforeAll
    static void startValidationEndpoint() throws IOException {
        aws = new AwsCliValidation(home);
    }

    @AfterAll
    static void stopValidationEndpoint() {
        aws.close();
    }

    static Stream<Path> jsonFiles() throws IOException {
        return Stream.concat(Stream.of(SIDECAR_TASK), examples().filter(p -> p.toString().endsWith(".json")));
    }

    static Stream<Path> yamlFiles() throws IOException {
        return examples().filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"));
    }

    private static Stream<Path> examples() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("examples"))) {
            return files.filter(Files::isRegularFile).sorted().toList().stream();
        }
    }

    @Test
    void examples_holdOnlyFilesTheseTestsCheck() throws IOException {
        assertThat(examples()).allSatisfy(file -> assertThat(file.toString()).matches(".*\\.(json|ya?ml|md)"));
        assertThat(jsonFiles()).contains(SIDECAR_TASK, INIT_TASK, IAM_POLICY, POD_IDENTITY_TRUST, IRSA_TRUST);
        assertThat(yamlFiles()).contains(CLOUDFORMATION, KUBERNETES);
    }

    @ParameterizedTest
    @MethodSource("jsonFiles")
    void jsonFile_parsesStrictly(Path file) throws IOException {
        assertThat(JSON.readTree(file.toFile()).isObject()).as(file.toString()).isTrue();
    }

    @ParameterizedTest
    @MethodSource("yamlFiles")
    void yamlFile_parsesIntoObjects(Path file) throws IOException {
        assertThat(YamlTree.readAll(file)).isNotEmpty().allSatisfy(doc -> assertThat(doc.isObject()).isTrue());
    }

    @Test
    void yamlTree_turnsCloudFormationTagsIntoTheirLongForm() throws IOException {
        Path file = Files.writeString(home.resolve("tags.yaml"),
                "a: !Ref X\nb: !GetAtt Role.Arn\nc: !Sub 'x-${Y}'\nd: !If [C, 1, !Ref AWS::NoValue]\n");
        JsonNode doc = YamlTree.readAll(file).get(0);
        assertThat(doc.get("a")).isEqualTo(NODES.objectNode().put("Ref", "X"));
        assertThat(doc.at("/b/Fn::GetAtt").toString()).isEqualTo("[\"Role\",\"Arn\"]");
        assertThat(doc.at("/c/Fn::Sub").asText()).isEqualTo("x-${Y}");
        assertThat(doc.at("/d/Fn::If/2/Ref").asText()).isEqualTo("AWS::NoValue");
    }

    @Test
    void yamlTree_rejectsAnUnknownTag_namingIt() throws IOException {
        Path file = Files.writeString(home.resolve("bad-tag.yaml"), "a: !Reff X\n");
        assertThatThrownBy(() -> YamlTree.readAll(file)).hasMessageContaining("unknown tag !Reff");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecs-task-sidecar.json", "examples/ecs-task-init.json", "examples/ecs-task-native-secrets.json"})
    void taskDefinition_passesTheAwsCliValidation(String name) throws Exception {
        Path file = Path.of(name);
        AwsCliValidation.Result result = aws.run("ecs", "register-task-definition", file);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(AwsCliValidation.SERVICE_ERROR);
        assertThat(result.requests()).singleElement().satisfies(request -> {
            assertThat(request.target()).isEqualTo(REGISTER);
            assertThat(JSON.readTree(request.body())).isEqualTo(JSON.readTree(file.toFile()));
        });
    }

    @Test
    void awsCliValidation_rejectsAKeyTheServiceModelDoesNotKnow() throws Exception {
        ObjectNode task = (ObjectNode) JSON.readTree(SIDECAR_TASK.toFile());
        ((ObjectNode) task.withArray("containerDefinitions").get(0)).put("healthcheck", "typo");
        Path file = Files.writeString(home.resolve("typo.json"), task.toString());

        AwsCliValidation.Result result = aws.run("ecs", "register-task-definition", file);

        assertThat(result.exitCode()).isEqualTo(AwsCliValidation.VALIDATION_ERROR);
        assertThat(result.output()).contains("Unknown parameter in containerDefinitions[0]: \"healthcheck\"");
        assertThat(result.requests()).isEmpty();
    }

    @Test
    void sidecarTask_startsTheAppOnlyOnceTheSidecarIsHealthy() throws IOException {
        JsonNode task = JSON.readTree(SIDECAR_TASK.toFile());
        assertThat(task.path("networkMode").asText()).isEqualTo("awsvpc");
        assertThat(task.path("requiresCompatibilities").toString()).isEqualTo("[\"FARGATE\"]");
        assertThat(task.path("cpu").isTextual()).isTrue();
        assertThat(task.path("memory").isTextual()).isTrue();
        JsonNode sidecar = container(task, "ssm-sidecar");
        JsonNode app = container(task, "app");

        assertThat(sidecar.path("essential").asBoolean()).isTrue();
        assertThat(strings(sidecar.path("command"))).containsExactly("run");
        assertThat(strings(sidecar.at("/healthCheck/command")))
                .isEqualTo(prepend("CMD", dockerfileHealthcheck()));
        assertThat(sidecar.has("portMappings")).as("the API is for the task's loopback only").isFalse();
        assertThat(sidecar.path("memoryReservation").asInt()).isBetween(96, 512);
        assertThat(sidecar.path("stopTimeout").asInt()).isBetween(2, 120);
        assertThat(dependency(app, "ssm-sidecar")).isEqualTo("HEALTHY");
        assertSharedVolume(task, sidecar, app);
        assertAwsLogs(sidecar, app);
        assertThat(references(sidecar)).isNotEmpty().allSatisfy(ref -> assertThat(ref).startsWith("ssm://"));
        assertThat(app.toString()).contains("http://127.0.0.1:2773", "/run/secrets/DB_PASSWORD", "/run/secrets/.token");
    }

    @Test
    void initTask_startsTheAppOnlyAfterInitSucceeded() throws IOException {
        JsonNode task = JSON.readTree(INIT_TASK.toFile());
        JsonNode init = container(task, "ssm-sidecar-init");
        JsonNode app = container(task, "app");

        assertThat(init.path("essential").asBoolean(true)).isFalse();
        assertThat(strings(init.path("command"))).containsExactly("init");
        assertThat(init.has("healthCheck")).isFalse();
        assertThat(dependency(app, "ssm-sidecar-init")).isEqualTo("SUCCESS");
        assertSharedVolume(task, init, app);
        assertAwsLogs(init, app);
        assertThat(references(init)).isEqualTo(references(container(JSON.readTree(SIDECAR_TASK.toFile()), "ssm-sidecar")));
    }

    @Test
    void kubernetesDeployment_runsANativeSidecarThatGatesTheApp() throws IOException {
        List<JsonNode> docs = YamlTree.readAll(KUBERNETES);
        JsonNode account = docs.stream().filter(d -> d.path("kind").asText().equals("ServiceAccount")).findFirst().orElseThrow();
        JsonNode pod = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow()
                .at("/spec/template/spec");
        JsonNode sidecar = named(pod.path("initContainers"), "ssm-sidecar");
        JsonNode app = named(pod.path("containers"), "app");

        assertThat(account.at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText()).startsWith("arn:aws:iam::");
        assertThat(pod.path("serviceAccountName").asText()).isEqualTo(account.at("/metadata/name").asText());
        assertThat(sidecar.path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(strings(sidecar.at("/startupProbe/exec/command"))).isEqualTo(dockerfileHealthcheck());
        assertThat(strings(sidecar.at("/livenessProbe/exec/command")))
                .as("a hung sidecar is restarted; one waiting for SSM is not").isEqualTo(append(dockerfileHealthcheck(), "--live"));
        assertThat(named(pod.path("volumes"), "secrets").at("/emptyDir/medium").asText()).isEqualTo("Memory");
        for (JsonNode container : List.of(sidecar, app)) {
            JsonNode mount = mountOf(container.path("volumeMounts"), "secrets");
            assertThat(mount.path("mountPath").asText()).isEqualTo("/run/secrets");
            assertThat(mount.has("subPath")).as("a subPath mount never sees rotated files").isFalse();
        }
        assertThat(mountOf(app.path("volumeMounts"), "secrets").path("readOnly").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/fsGroup").asInt()).isEqualTo(10001);
    }

    @Test
    void eksTrustPolicies_letOnlyTheExampleDeploymentsServiceAccountAssumeTheRole() throws IOException {
        JsonNode account = YamlTree.readAll(KUBERNETES).stream()
                .filter(d -> d.path("kind").asText().equals("ServiceAccount")).findFirst().orElseThrow();
        String namespace = account.at("/metadata/namespace").asText("default");
        String name = account.at("/metadata/name").asText();
        JsonNode podIdentity = JSON.readTree(POD_IDENTITY_TRUST.toFile()).at("/Statement/0");
        JsonNode irsa = JSON.readTree(IRSA_TRUST.toFile()).at("/Statement/0");
        String provider = irsa.at("/Principal/Federated").asText();
        String issuer = provider.substring(provider.indexOf(":oidc-provider/") + ":oidc-provider/".length());

        assertThat(JSON.readTree(POD_IDENTITY_TRUST.toFile()).path("Statement")).hasSize(1);
        assertThat(podIdentity.path("Effect").asText()).isEqualTo("Allow");
        assertThat(podIdentity.at("/Principal/Service").asText()).isEqualTo("pods.eks.amazonaws.com");
        assertThat(strings(podIdentity.path("Action"))).containsExactlyInAnyOrder("sts:AssumeRole", "sts:TagSession");
        assertThat(podIdentity.at("/Condition/StringEquals/aws:RequestTag~1kubernetes-namespace").asText()).isEqualTo(namespace);
        assertThat(podIdentity.at("/Condition/StringEquals/aws:RequestTag~1kubernetes-service-account").asText()).isEqualTo(name);
        assertThat(podIdentity.at("/Condition/StringEquals/aws:RequestTag~1eks-cluster-arn").asText())
                .matches("arn:aws:eks:[a-z0-9-]+:[0-9]{12}:cluster/.+");

        assertThat(JSON.readTree(IRSA_TRUST.toFile()).path("Statement")).hasSize(1);
        assertThat(irsa.path("Effect").asText()).isEqualTo("Allow");
        assertThat(provider).matches("arn:aws:iam::[0-9]{12}:oidc-provider/oidc\\.eks\\.[a-z0-9-]+\\.amazonaws\\.com/id/[A-Z0-9]+");
        assertThat(irsa.path("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
        JsonNode equals = irsa.at("/Condition/StringEquals");
        assertThat(equals.path(issuer + ":sub").asText()).isEqualTo("system:serviceaccount:" + namespace + ":" + name);
        assertThat(equals.path(issuer + ":aud").asText()).isEqualTo("sts.amazonaws.com");
        assertThat(equals.size()).isEqualTo(2);
        assertThat(account.at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText())
                .startsWith("arn:aws:iam::" + provider.split(":")[4] + ":role/");
    }

    @Test
    void cloudFormationTemplate_referencesOnlyWhatItDeclares() throws IOException {
        JsonNode template = YamlTree.readAll(CLOUDFORMATION).get(0);
        Set<String> names = new TreeSet<>(Set.of("AWS::AccountId", "AWS::NoValue", "AWS::Partition", "AWS::Region",
                "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"));
        template.path("Parameters").fieldNames().forEachRemaining(names::add);
        template.path("Resources").fieldNames().forEachRemaining(names::add);
        Set<String> conditions = new TreeSet<>();
        template.path("Conditions").fieldNames().forEachRemaining(conditions::add);
        List<String> problems = new ArrayList<>();

        checkReferences(template.path("Resources"), names, conditions, template.path("Resources"), problems);
        checkReferences(template.path("Outputs"), names, conditions, template.path("Resources"), problems);

        assertThat(problems).isEmpty();
        assertThat(types(template)).contains("AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition",
                "AWS::Logs::LogGroup", "AWS::IAM::Role", "AWS::EC2::SecurityGroup");
        assertThat(template.at("/Parameters/VpcId/Type").asText()).isEqualTo("AWS::EC2::VPC::Id");
        assertThat(template.at("/Parameters/SubnetIds/Type").asText()).isEqualTo("List<AWS::EC2::Subnet::Id>");
    }

    @Test
    void cloudFormationTemplate_conformsToTheResourceSpecification() throws Exception {
        JsonNode template = YamlTree.readAll(CLOUDFORMATION).get(0);

        assertThat(cloudFormationSpec().problems(template)).isEmpty();
    }

    @Test
    void resourceSpecificationCheck_findsUnknownTypesAndProperties_andMissingRequiredOnes() throws Exception {
        ObjectNode template = (ObjectNode) YamlTree.readAll(CLOUDFORMATION).get(0);
        ObjectNode resources = (ObjectNode) template.path("Resources");
        ((ObjectNode) resources.at("/LogGroup/Properties")).set("RetentionDays", NODES.numberNode(30));
        ((ObjectNode) resources.at("/TaskDefinition/Properties/ContainerDefinitions/0")).remove("Image");
        resources.set("Bucket", NODES.objectNode().put("Type", "AWS::S3::Buckett"));

        assertThat(cloudFormationSpec().problems(template)).containsExactlyInAnyOrder(
                "LogGroup.RetentionDays: unknown property",
                "TaskDefinition.ContainerDefinitions[0]: missing required property Image",
                "Bucket: unknown resource type AWS::S3::Buckett");
    }

    @Test
    void cloudFormationTaskDefinition_passesTheAwsCliValidation_andMatchesTheJsonOne() throws Exception {
        JsonNode template = YamlTree.readAll(CLOUDFORMATION).get(0);
        TemplateRender render = TemplateRender.of(template, CloudFormationStackTest.Readme.read().overrides());
        assertThat(render.problems()).isEmpty();
        JsonNode api = toEcsApi(render.resources().at("/TaskDefinition/Properties"), false);
        Path file = Files.writeString(home.resolve("cloudformation-task.json"), api.toPrettyString());

        AwsCliValidation.Result result = aws.run("ecs", "register-task-definition", file);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(AwsCliValidation.SERVICE_ERROR);
        assertThat(result.requests()).singleElement().satisfies(request ->
                assertThat(JSON.readTree(request.body())).isEqualTo(api));
        JsonNode json = JSON.readTree(SIDECAR_TASK.toFile());
        JsonNode sidecar = container(api, "ssm-sidecar");
        assertThat(sidecar.path("healthCheck")).isEqualTo(container(json, "ssm-sidecar").path("healthCheck"));
        assertThat(container(api, "app").path("dependsOn")).isEqualTo(container(json, "app").path("dependsOn"));
        assertThat(sidecar.path("mountPoints")).isEqualTo(container(json, "ssm-sidecar").path("mountPoints"));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static synchronized CloudFormationSpec cloudFormationSpec() throws IOException, InterruptedException {
        if (cloudFormationSpec == null) {
            cloudFormationSpec = CloudFormationSpec.load(JSON);
        }
        return cloudFormationSpec;
    }

    /** The Dockerfile's HEALTHCHECK command (exec form), so the task definitions and probes can agree with it. */
    private static List<String> dockerfileHealthcheck() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile")).replace("\\\n", " ");
        Matcher m = Pattern.compile("(?m)^HEALTHCHECK\\b.*?\\bCMD\\s+(\\[.*])\\s*$").matcher(dockerfile);
        assertThat(m.find()).as("an exec-form HEALTHCHECK in the Dockerfile").isTrue();
        return strings(JSON.readTree(m.group(1)));
    }

    private static JsonNode container(JsonNode task, String name) {
        return named(task.path("containerDefinitions"), name);
    }

    private static JsonNode named(JsonNode array, String name) {
        return stream(array).filter(c -> c.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no entry named " + name + " in " + array));
    }

    private static JsonNode mountOf(JsonNode mounts, String volume) {
        return stream(mounts).filter(m -> m.path("name").asText().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of " + volume + " in " + mounts));
    }

    private static String dependency(JsonNode container, String on) {
        return stream(container.path("dependsOn")).filter(d -> d.path("containerName").asText().equals(on))
                .map(d -> d.path("condition").asText()).findFirst().orElse("none");
    }

    private static void assertSharedVolume(JsonNode task, JsonNode writer, JsonNode reader) {
        String volume = stream(task.path("volumes")).map(v -> v.path("name").asText()).findFirst().orElseThrow();
        JsonNode written = writer.at("/mountPoints/0");
        JsonNode read = reader.at("/mountPoints/0");
        assertThat(written.path("sourceVolume").asText()).isEqualTo(volume);
        assertThat(read.path("sourceVolume").asText()).isEqualTo(volume);
        assertThat(written.path("containerPath").asText()).isEqualTo("/run/secrets");
        assertThat(written.path("readOnly").asBoolean()).isFalse();
        assertThat(read.path("readOnly").asBoolean()).isTrue();
    }

    private static void assertAwsLogs(JsonNode... containers) {
        for (JsonNode container : containers) {
            assertThat(container.at("/logConfiguration/logDriver").asText()).isEqualTo("awslogs");
            assertThat(container.at("/logConfiguration/options/awslogs-stream-prefix").asText()).isNotEmpty();
        }
    }

    private static List<String> references(JsonNode container) {
        return stream(container.path("environment")).map(e -> e.path("value").asText())
                .filter(v -> v.startsWith("ssm:")).toList();
    }

    private static Set<String> types(JsonNode template) {
        return stream(template.path("Resources").elements()).map(r -> r.path("Type").asText())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^!}][^}]*)}");

    /** Every Ref, Fn::GetAtt, Fn::Sub variable and Fn::If condition must name something the template declares. */
    private static void checkReferences(JsonNode node, Set<String> names, Set<String> conditions, JsonNode resources,
                                        List<String> problems) {
        if (node.isObject()) {
            if (node.has("Ref") && !names.contains(node.path("Ref").asText())) {
                problems.add("!Ref " + node.path("Ref").asText());
            }
            if (node.has("Fn::GetAtt") && !resources.has(node.at("/Fn::GetAtt/0").asText())) {
                problems.add("!GetAtt " + node.path("Fn::GetAtt"));
            }
            if (node.has("Fn::Sub")) {
                String text = node.path("Fn::Sub").isArray() ? node.at("/Fn::Sub/0").asText() : node.path("Fn::Sub").asText();
                Matcher m = SUB_VARIABLE.matcher(text);
                while (m.find()) {
                    String name = m.group(1).split("\\.")[0];
                    if (!names.contains(m.group(1)) && !resources.has(name)) {
                        problems.add("!Sub ${" + m.group(1) + "}");
                    }
                }
            }
            if (node.has("Fn::If") && !conditions.contains(node.at("/Fn::If/0").asText())) {
                problems.add("!If " + node.at("/Fn::If/0").asText());
            }
        }
        node.elements().forEachRemaining(child -> checkReferences(child, names, conditions, resources, problems));
    }

    /**
     * A rendered CloudFormation task definition's properties in the ECS API's form: keys lose their capital (except
     * inside {@code Options}, whose keys are the log driver's).
     */
    private static JsonNode toEcsApi(JsonNode node, boolean keepKeys) {
        if (node.isObject()) {
            ObjectNode out = NODES.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = keepKeys ? field.getKey()
                        : Character.toLowerCase(field.getKey().charAt(0)) + field.getKey().substring(1);
                out.set(key, toEcsApi(field.getValue(), field.getKey().equals("Options")));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            node.forEach(element -> out.add(toEcsApi(element, false)));
            return out;
        }
        return node;
    }

    private static List<String> strings(JsonNode node) {
        if (node.isTextual()) {
            return List.of(node.asText());
        }
        return stream(node).map(JsonNode::asText).toList();
    }

    private static List<String> append(List<String> first, String last) {
        List<String> all = new ArrayList<>(first);
        all.add(last);
        return all;
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return stream(array.elements());
    }

    private static Stream<JsonNode> stream(Iterator<JsonNode> elements) {
        return StreamSupport.stream(((Iterable<JsonNode>) () -> elements).spliterator(), false);
    }
}
