package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.testing.EcsTaskModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code migrate} in-process: real-shaped task definitions (files under src/test/resources/migrate and the docs'
 * example) become tasks that botocore's {@code RegisterTaskDefinition} model accepts, with the exact references,
 * wrappers and notes; every entry that cannot be carried exactly stops it with exit 2, naming the entry.
 */
class MigrateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path INPUTS = Path.of("src/test/resources/migrate");
    private static final Path EXAMPLE = Path.of("examples/ecs-task-native-secrets.json");
    private static final String IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ssm-sidecar:0.1.0";

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>();
    private byte[] stdin = new byte[0];

    private int migrate(String... args) {
        out.reset();
        err.reset();
        return new MigrateCommand(() -> new ByteArrayInputStream(stdin)).run(List.of(args), env,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private JsonNode task() throws Exception {
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode container(JsonNode task, String name) {
        for (JsonNode c : task.get("containerDefinitions")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + task);
    }

    private static Map<String, String> environment(JsonNode container) {
        Map<String, String> vars = new HashMap<>();
        container.path("environment").forEach(e -> vars.put(e.get("name").asText(), e.get("value").asText()));
        return vars;
    }

    @Test
    void everyRealShapedInput_becomesATaskThatBotocoresModelAccepts() throws Exception {
        List<Path> outputs = new ArrayList<>();
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("single-container.json", new String[] {"--region", "us-east-1", "--account", "123456789012"});
        cases.put("shared-secret.json", new String[] {"--region", "us-east-1", "--account", "123456789012"});
        cases.put("mixed-stores.json", new String[] {"--region", "us-east-1", "--account", "123456789012"});
        cases.put("entrypoint-and-neither.json", new String[] {"--region", "eu-west-1", "--account", "123456789012"});
        cases.put("describe-output.json", new String[0]);
        for (Map.Entry<String, String[]> c : cases.entrySet()) {
            List<String> args = new ArrayList<>(List.of("--task-definition", INPUTS.resolve(c.getKey()).toString(),
                    "--image", IMAGE));
            args.addAll(List.of(c.getValue()));
            assertThat(migrate(args.toArray(String[]::new))).as(c.getKey() + ": " + stderr()).isZero();
            Path output = tmp.resolve("migrated-" + c.getKey());
            Files.write(output, out.toByteArray());
            outputs.add(output);
        }
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--image", IMAGE, "--region", "us-east-1",
                "--account", "123456789012")).as(stderr()).isZero();
        Path example = tmp.resolve("migrated-example.json");
        Files.write(example, out.toByteArray());
        outputs.add(example);
        // The describe answer as it is: the model refuses its read-only fields, which is why migrate strips them.
        Path raw = tmp.resolve("raw-describe.json");
        Files.writeString(raw, JSON.readTree(INPUTS.resolve("describe-output.json").toFile()).get("taskDefinition").toString());
        List<Path> all = new ArrayList<>(outputs);
        all.add(raw);

        Map<Path, String> problems = EcsTaskModel.problems(all);

        for (Path output : outputs) {
            assertThat(problems.get(output.toAbsolutePath())).as(output.getFileName().toString()).isEmpty();
        }
        assertThat(problems.get(raw.toAbsolutePath())).contains("taskDefinitionArn", "revision", "registeredAt");
    }

    @Test
    void theDocsExample_becomesTheSidecarTask_withItsAppArgvWrappedExactly() throws Exception {
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--image", IMAGE, "--region", "us-east-1",
                "--account", "123456789012")).as(stderr()).isZero();
        JsonNode task = task();

        JsonNode sidecar = container(task, "ssm-sidecar");
        assertThat(sidecar.get("image").asText()).isEqualTo(IMAGE);
        assertThat(sidecar.get("command")).isEqualTo(JSON.readTree("[\"run\"]"));
        assertThat(environment(sidecar)).isEqualTo(Map.of(
                "DB_PASSWORD", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/my-app/db/password",
                "API_KEY", "ssm:///aws/reference/secretsmanager/prod/my-app/api#key",
                "SIDECAR_BUNDLES", "env:secrets.env"));
        JsonNode reference = JSON.readTree(Path.of("ecs-task-sidecar.json").toFile());
        assertThat(sidecar.get("healthCheck")).isEqualTo(container(reference, "ssm-sidecar").get("healthCheck"));
        assertThat(task.get("volumes")).isEqualTo(JSON.readTree("[{\"name\": \"ssm-sidecar-secrets\"}]"));

        JsonNode app = container(task, "app");
        assertThat(app.has("secrets")).isFalse();
        assertThat(app.get("entryPoint")).isEqualTo(JSON.readTree(
                "[\"/bin/sh\", \"-c\", \". /run/secrets/secrets.env && exec \\\"$@\\\"\", \"sh\", \"sh\", \"-c\"]"));
        JsonNode before = container(JSON.readTree(EXAMPLE.toFile()), "app");
        assertThat(app.get("command")).isEqualTo(before.get("command"));
        assertThat(app.get("environment")).isEqualTo(before.get("environment"));
        assertThat(app.get("dependsOn")).isEqualTo(JSON.readTree(
                "[{\"containerName\": \"ssm-sidecar\", \"condition\": \"HEALTHY\"}]"));
        assertThat(app.get("mountPoints")).isEqualTo(JSON.readTree(
                "[{\"sourceVolume\": \"ssm-sidecar-secrets\", \"containerPath\": \"/run/secrets\", \"readOnly\": true}]"));

        assertThat(stderr())
                .contains("IAM, task role arn:aws:iam::123456789012:role/my-app-task")
                .contains("\"Resource\": \"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/my-app/api-??????\"")
                .contains("IAM, execution role arn:aws:iam::123456789012:role/my-app-task-execution")
                .contains("ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/prod/my-app/db/password")
                .contains("secretsmanager:GetSecretValue on "
                        + "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/my-app/api-AbCdEf")
                .contains("no --kms-key-arn: kms:Decrypt is granted on any key")
                .doesNotContain("Notes:");

        String key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--image", IMAGE, "--region", "us-east-1",
                "--account", "123456789012", "--kms-key-arn", key)).as(stderr()).isZero();
        assertThat(stderr()).contains("\"Resource\": \"" + key + "\"").doesNotContain("no --kms-key-arn");
    }

    // ---- --mode supervise: the supervising exec in each app container, no sidecar container ----

    @Test
    void superviseMode_everyRealShapedInput_becomesATaskThatBotocoresModelAccepts() throws Exception {
        List<Path> outputs = new ArrayList<>();
        for (String input : List.of("single-container.json", "shared-secret.json", "mixed-stores.json",
                "entrypoint-and-neither.json", "describe-output.json")) {
            List<String> args = new ArrayList<>(List.of("--task-definition", INPUTS.resolve(input).toString(),
                    "--image", IMAGE, "--mode", "supervise"));
            if (!input.startsWith("describe")) {
                // The describe answer's ARN gives its region and account.
                args.addAll(List.of("--region", regionOf(input), "--account", "123456789012"));
            }
            assertThat(migrate(args.toArray(String[]::new))).as(input + ": " + stderr()).isZero();
            Path output = tmp.resolve("supervised-" + input);
            Files.write(output, out.toByteArray());
            outputs.add(output);
            JsonNode task = task();
            for (JsonNode c : task.get("containerDefinitions")) {
                assertThat(c.get("name").asText()).isNotEqualTo("ssm-sidecar");
            }
            assertThat(task.path("volumes").toString()).doesNotContain("ssm-sidecar-secrets");
        }
        Map<Path, String> problems = EcsTaskModel.problems(outputs);
        for (Path output : outputs) {
            assertThat(problems.get(output.toAbsolutePath())).as(output.getFileName().toString()).isEmpty();
        }
    }

    private static String regionOf(String input) {
        return input.equals("entrypoint-and-neither.json") ? "eu-west-1" : "us-east-1";
    }

    @Test
    void superviseMode_theDocsExample_runsTheAppUnderTheSupervisor_withItsReferencesInItsOwnEnvironment()
            throws Exception {
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--image", IMAGE, "--region", "us-east-1",
                "--account", "123456789012", "--mode", "supervise")).as(stderr()).isZero();
        JsonNode task = task();
        JsonNode input = JSON.readTree(EXAMPLE.toFile());
        assertThat(task.get("containerDefinitions")).hasSize(1);
        assertThat(task.has("volumes")).isFalse();

        JsonNode app = container(task, "app");
        JsonNode before = container(input, "app");
        assertThat(app.has("secrets")).isFalse();
        assertThat(app.get("entryPoint")).isEqualTo(JSON.readTree("[\"/opt/jre/bin/java\", \"@/app/jvm.options\","
                + " \"-jar\", \"/app/ssm-sidecar.jar\", \"exec\", \"--restart-on-change\", \"--\", \"sh\", \"-c\"]"));
        assertThat(app.get("command")).isEqualTo(before.get("command"));
        assertThat(environment(app)).isEqualTo(Map.of("LOG_LEVEL", "info",
                "DB_PASSWORD", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/my-app/db/password",
                "API_KEY", "ssm:///aws/reference/secretsmanager/prod/my-app/api#key"));
        assertThat(app.has("dependsOn")).isFalse();
        assertThat(app.has("mountPoints")).isFalse();
        // Everything else of the container is as it was.
        ObjectNode rest = ((ObjectNode) app).deepCopy();
        ObjectNode restBefore = ((ObjectNode) before).deepCopy();
        rest.remove(List.of("entryPoint", "environment"));
        restBefore.remove(List.of("entryPoint", "environment", "secrets"));
        assertThat(rest).isEqualTo(restBefore);

        assertThat(stderr()).contains("2 secret(s) moved to the app containers' environment, under the supervising exec")
                .contains("IAM, task role arn:aws:iam::123456789012:role/my-app-task")
                .contains("ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/prod/my-app/db/password")
                .contains("container 'app' now starts /opt/jre/bin/java")
                .contains("FROM " + IMAGE + " AS ssm-sidecar")
                .contains("COPY --from=ssm-sidecar /opt/jre /opt/jre and COPY --from=ssm-sidecar /app /app")
                .contains("looks musl-based");
    }

    @Test
    void superviseMode_givesEachContainerItsOwnReferences_soOneVariableMayNameTwoSecrets() throws Exception {
        ObjectNode input = (ObjectNode) JSON.readTree(INPUTS.resolve("shared-secret.json").toFile());
        // The worker's DB_PASSWORD now names another parameter: one env bundle cannot serve both.
        ((ObjectNode) input.get("containerDefinitions").get(1).get("secrets").get(0))
                .put("valueFrom", "/prod/shop/worker-db-password");
        stdin = JSON.writeValueAsBytes(input);
        assertThat(migrate("--task-definition", "-", "--region", "us-east-1", "--account", "123456789012"))
                .isEqualTo(2);
        assertThat(stderr()).contains("names another secret");

        assertThat(migrate("--task-definition", "-", "--region", "us-east-1", "--account", "123456789012",
                "--mode", "supervise")).as(stderr()).isZero();
        JsonNode task = task();
        assertThat(environment(container(task, "web"))).isEqualTo(Map.of(
                "DB_PASSWORD", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/shop/db/password",
                "SESSION_SECRET", "ssm:///prod/shop/session-secret"));
        assertThat(environment(container(task, "worker"))).isEqualTo(Map.of(
                "DB_PASSWORD", "ssm:///prod/shop/worker-db-password", "QUEUE_TOKEN", "ssm:///prod/shop/queue-token"));
        assertThat(container(task, "worker").get("command"))
                .isEqualTo(JSON.readTree("[\"node\", \"worker.js\", \"--queue\", \"orders\"]"));
        assertThat(container(task, "nginx")).isEqualTo(container(input, "nginx"));
        // The policy covers both containers' parameters.
        assertThat(stderr()).contains("parameter/prod/shop/worker-db-password").contains("parameter/prod/shop/queue-token")
                .contains("parameter/prod/shop/db/password").contains("parameter/prod/shop/session-secret");
    }

    @Test
    void superviseMode_refusesAVariableSetTwice_andAnUnknownModeIsExit2() throws Exception {
        ObjectNode input = (ObjectNode) JSON.readTree(EXAMPLE.toFile());
        ((com.fasterxml.jackson.databind.node.ArrayNode) input.get("containerDefinitions").get(0).get("environment"))
                .addObject().put("name", "API_KEY").put("value", "literal");
        stdin = JSON.writeValueAsBytes(input);
        assertThat(migrate("--task-definition", "-", "--region", "us-east-1", "--account", "123456789012",
                "--mode", "supervise")).isEqualTo(2);
        assertThat(stderr()).contains("container 'app' sets API_KEY both in its environment and as a secret");
        assertThat(out.size()).isZero();

        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--mode", "sidecar")).isEqualTo(2);
        assertThat(stderr()).isEqualTo("ssm-sidecar migrate: --mode must be bundle or supervise, got sidecar\n");
    }

    @Test
    void policyFlag_writesTheSameDocumentPolicyPrints() throws Exception {
        Path policy = tmp.resolve("policy.json");
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--region", "us-east-1", "--account",
                "123456789012", "--policy", policy.toString())).as(stderr()).isZero();

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, String> policyEnv = Map.of(
                "DB_PASSWORD", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/my-app/db/password",
                "API_KEY", "ssm:///aws/reference/secretsmanager/prod/my-app/api#key", "AWS_REGION", "us-east-1");
        assertThat(Main.run(new String[] {"policy", "--account", "123456789012"}, policyEnv,
                new PrintStream(printed, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())))
                .isZero();
        assertThat(Files.readString(policy)).isEqualTo(printed.toString(StandardCharsets.UTF_8));
        assertThat(stderr()).contains("the sidecar's image is 'ssm-sidecar': give --image");
    }

    @Test
    void mixedStores_mapEachFormExactly() throws Exception {
        assertThat(migrate("--task-definition", INPUTS.resolve("mixed-stores.json").toString(), "--region",
                "us-east-1", "--account", "123456789012")).as(stderr()).isZero();

        assertThat(environment(container(task(), "ssm-sidecar"))).containsAllEntriesOf(Map.of(
                "DB_PASSWORD", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/reports/db/password",
                "LICENSE", "ssm://reports.license",
                "DB_USER", "ssm:///aws/reference/secretsmanager/prod/reports/db#username",
                "DB_PASS_OLD", "ssm:///aws/reference/secretsmanager/prod/reports/db:AWSPREVIOUS#password",
                "API_TOKEN", "ssm:///aws/reference/secretsmanager/prod/reports/api-token",
                "SIGNING_KEY", "ssm:///aws/reference/secretsmanager/prod/reports/signing:AWSCURRENT"));
        // entryPoint only: the image's CMD was not used before either (Docker drops it when entryPoint is set).
        assertThat(container(task(), "reports").get("entryPoint").toString())
                .endsWith("\"sh\",\"java\",\"-jar\",\"/app/reports.jar\"]");
        assertThat(container(task(), "reports").has("command")).isFalse();
        assertThat(stderr()).contains("secretsmanager:GetSecretValue on "
                + "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/reports/db-Xy12Ab, "
                + "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/reports/api-token-Qw34Er, "
                + "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/reports/signing");
    }

    @Test
    void sharedSecret_isDeclaredOnce_andEachContainerSeesOnlyItsOwnVariables() throws Exception {
        assertThat(migrate("--task-definition", INPUTS.resolve("shared-secret.json").toString(), "--region",
                "us-east-1", "--account", "123456789012")).as(stderr()).isZero();
        JsonNode task = task();

        assertThat(environment(container(task, "ssm-sidecar")).keySet())
                .containsExactlyInAnyOrder("DB_PASSWORD", "SESSION_SECRET", "QUEUE_TOKEN", "SIDECAR_BUNDLES");
        assertThat(container(task, "web").get("entryPoint").get(2).asText())
                .isEqualTo(". /run/secrets/secrets.env && unset QUEUE_TOKEN && exec \"$@\"");
        assertThat(container(task, "worker").get("entryPoint").get(2).asText())
                .isEqualTo(". /run/secrets/secrets.env && unset SESSION_SECRET && exec \"$@\"");
        assertThat(container(task, "worker").get("command"))
                .isEqualTo(JSON.readTree("[\"node\", \"worker.js\", \"--queue\", \"orders\"]"));
        JsonNode nginx = container(task, "nginx");
        assertThat(nginx).isEqualTo(container(JSON.readTree(INPUTS.resolve("shared-secret.json").toFile()), "nginx"));
        assertThat(stderr()).contains("container 'web' must be able to read /run/secrets/secrets.env");
    }

    @Test
    void containerWithNeitherEntryPointNorCommand_keepsItsEcsSecrets_andSaysWhy() throws Exception {
        assertThat(migrate("--task-definition", INPUTS.resolve("entrypoint-and-neither.json").toString(),
                "--region", "eu-west-1", "--account", "123456789012")).as(stderr()).isZero();
        JsonNode task = task();
        JsonNode before = JSON.readTree(INPUTS.resolve("entrypoint-and-neither.json").toFile());

        assertThat(container(task, "cron")).isEqualTo(container(before, "cron"));
        assertThat(environment(container(task, "ssm-sidecar")).keySet())
                .containsExactlyInAnyOrder("DJANGO_SECRET_KEY", "SIDECAR_BUNDLES");
        assertThat(container(task, "api").get("entryPoint")).isEqualTo(JSON.readTree(
                "[\"/bin/sh\", \"-c\", \". /run/secrets/secrets.env && exec \\\"$@\\\"\", \"sh\", \"/bin/sh\", \"-c\"]"));
        assertThat(container(task, "api").get("command")).isEqualTo(container(before, "api").get("command"));
        assertThat(stderr()).contains("container 'cron' keeps its 1 ECS secrets as they are")
                .contains("sets neither entryPoint nor command")
                .contains("docker image inspect IMAGE");
    }

    @Test
    void commandWithoutEntryPoint_isWrapped_withANoteAboutTheImagesEntrypoint() throws Exception {
        assertThat(migrate("--task-definition", INPUTS.resolve("single-container.json").toString(), "--region",
                "us-east-1", "--account", "123456789012")).as(stderr()).isZero();

        JsonNode billing = container(task(), "billing");
        assertThat(billing.get("entryPoint")).isEqualTo(JSON.readTree(
                "[\"/bin/sh\", \"-c\", \". /run/secrets/secrets.env && exec \\\"$@\\\"\", \"sh\"]"));
        assertThat(billing.get("command"))
                .isEqualTo(JSON.readTree("[\"python\", \"-m\", \"billing.server\", \"--port\", \"8080\"]"));
        assertThat(environment(container(task(), "ssm-sidecar")))
                .containsEntry("STRIPE_KEY", "ssm:///prod/billing/stripe-key:3");
        assertThat(stderr()).contains("container 'billing' sets a command but no entryPoint")
                .contains("ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/prod/billing/db/password, "
                        + "arn:aws:ssm:us-east-1:123456789012:parameter/prod/billing/stripe-key");
    }

    @Test
    void describeOutput_fromStdin_takesRegionAndAccountFromItsArn_andKeepsItsTags() throws Exception {
        stdin = Files.readAllBytes(INPUTS.resolve("describe-output.json"));

        assertThat(migrate("--task-definition", "-")).as(stderr()).isZero();
        JsonNode task = task();

        for (String field : List.of("taskDefinitionArn", "revision", "status", "requiresAttributes",
                "compatibilities", "registeredAt", "registeredBy", "taskDefinition")) {
            assertThat(task.has(field)).as(field).isFalse();
        }
        assertThat(task.get("tags")).isEqualTo(JSON.readTree("[{\"key\": \"team\", \"value\": \"orders\"}]"));
        assertThat(environment(container(task, "ssm-sidecar"))).containsEntry("DB_URL",
                "ssm:///aws/reference/secretsmanager/prod/orders/db#url");
        assertThat(stderr()).contains("arn:aws:ssm:eu-west-1:123456789012:parameter/aws/reference/secretsmanager/prod/orders/db")
                .contains("ssm.eu-west-1.amazonaws.com");
    }

    static Stream<Arguments> uncarriable() {
        String sm = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf";
        return Stream.of(
                Arguments.of(sm + ":password::8f2b1c3d-1111-2222-3333-444455556666", "version-id 8f2b1c3d"),
                Arguments.of(sm + "::AWSPREVIOUS:8f2b1c3d-1111-2222-3333-444455556666", "version-id"),
                Arguments.of("arn:aws:secretsmanager:us-east-1:999999999999:secret:shared/db-AbCdEf",
                        "in account 999999999999, the task in 123456789012"),
                Arguments.of("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
                        "in region eu-west-1 and the task in us-east-1"),
                Arguments.of("arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db", "in region eu-west-1"),
                Arguments.of(sm + "::1:", "version-stage 1 is all digits"),
                Arguments.of(sm + ":a:b:c:d", "at most three fields"),
                Arguments.of("prod/db/password", "must start with '/'"),
                Arguments.of("/prod/db?optional", "letters, digits and _ . - / : only"),
                Arguments.of("arn:aws:s3:::bucket/key", "neither Parameter Store"));
    }

    @ParameterizedTest
    @MethodSource("uncarriable")
    void anEntryThatCannotBeCarriedExactly_stopsWithExit2_namingIt(String valueFrom, String reason) throws Exception {
        Path file = tmp.resolve("task.json");
        ObjectNode task = (ObjectNode) JSON.readTree(EXAMPLE.toFile());
        ((ObjectNode) task.get("containerDefinitions").get(0).get("secrets").get(1)).put("valueFrom", valueFrom);
        Files.writeString(file, task.toString());

        assertThat(migrate("--task-definition", file.toString(), "--region", "us-east-1", "--account",
                "123456789012")).as(stderr()).isEqualTo(2);

        assertThat(out.size()).isZero();
        assertThat(stderr()).contains("cannot migrate " + file + " exactly; nothing was printed")
                .contains("container 'app', secrets[1] API_KEY (valueFrom " + valueFrom + ")")
                .contains(reason);
    }

    @Test
    void secretsManagerArn_withoutTheAccount_isRefused_namingTheFlag() throws Exception {
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--region", "us-east-1")).isEqualTo(2);
        assertThat(stderr()).contains("secrets[1] API_KEY").contains("give --account");
        assertThat(out.size()).isZero();
    }

    static Stream<Arguments> conflicts() {
        return Stream.of(
                Arguments.of("{\"name\": \"app\", \"image\": \"a\", \"command\": [\"x\"], \"secrets\": ["
                        + "{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"valueFrom\": \"/p/k\"}]}",
                        "the sidecar reads AWS_* variables from its own environment"),
                Arguments.of("{\"name\": \"app\", \"image\": \"a\", \"command\": [\"x\"], \"secrets\": ["
                        + "{\"name\": \"db.password\", \"valueFrom\": \"/p/k\"}]}",
                        "'db.password' is not a variable name"),
                Arguments.of("{\"name\": \"a\", \"image\": \"a\", \"command\": [\"x\"], \"secrets\": ["
                        + "{\"name\": \"DB\", \"valueFrom\": \"/p/one\"}]}, {\"name\": \"b\", \"image\": \"b\", "
                        + "\"command\": [\"x\"], \"secrets\": [{\"name\": \"DB\", \"valueFrom\": \"/p/two\"}]}",
                        "container 'a' names another secret ssm:///p/one by the same variable"),
                Arguments.of("{\"name\": \"a\", \"image\": \"a\", \"command\": [\"x\"], \"secrets\": ["
                        + "{\"name\": \"DB\", \"valueFrom\": \"/p/one\"}]}, {\"name\": \"b\", \"image\": \"b\", "
                        + "\"command\": [\"x\"], \"environment\": [{\"name\": \"DB\", \"value\": \"local\"}], "
                        + "\"secrets\": [{\"name\": \"T\", \"valueFrom\": \"/p/t\"}]}",
                        "container 'b' sets DB in its environment, and container 'a' has a secret of that name"),
                Arguments.of("{\"name\": \"app\", \"image\": \"a\", \"command\": [\"x\"]}",
                        "no container has ECS secrets: nothing to migrate"),
                Arguments.of("{\"name\": \"app\", \"image\": \"gcr.io/distroless/java17\", \"command\": [\"x\"], "
                        + "\"secrets\": [{\"name\": \"DB\", \"valueFrom\": \"/p/k\"}]}",
                        "looks like one without a shell"));
    }

    @ParameterizedTest
    @MethodSource("conflicts")
    void whatOneEnvBundleCannotServe_stopsWithExit2(String containers, String reason) throws Exception {
        Path file = tmp.resolve("task.json");
        Files.writeString(file, "{\"family\": \"f\", \"containerDefinitions\": [" + containers + "]}");

        assertThat(migrate("--task-definition", file.toString())).as(stderr()).isEqualTo(2);

        assertThat(out.size()).isZero();
        assertThat(stderr()).contains(reason);
    }

    @Test
    void badCommandLineAndBadJson_exit2_withoutQuotingTheDocument() throws Exception {
        assertThat(migrate()).isEqualTo(2);
        assertThat(stderr()).contains("--task-definition FILE is required");
        assertThat(migrate("--task-definition", EXAMPLE.toString(), "--frobnicate")).isEqualTo(2);
        assertThat(stderr()).contains("unknown argument '--frobnicate'");
        assertThat(migrate("--task-definition", tmp.resolve("missing.json").toString())).isEqualTo(2);
        assertThat(stderr()).contains("cannot read").contains("missing.json");

        stdin = "{\"family\": \"f\", \"containerDefinitions\": [ CANARY-not-json ]}".getBytes(StandardCharsets.UTF_8);
        assertThat(migrate("--task-definition", "-")).isEqualTo(2);
        assertThat(stderr()).contains("- is not valid JSON (line 1, column").doesNotContain("CANARY");
        assertThat(out.size()).isZero();
    }

    @Test
    void mainListsTheCommand_andItsHelpNamesTheExitCodes() {
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"migrate", "--help"}, Map.of(), new PrintStream(help, true,
                StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()))).isZero();
        assertThat(help.toString(StandardCharsets.UTF_8)).contains("--task-definition FILE|-").contains("Exit codes: 0");
        ByteArrayOutputStream usage = new ByteArrayOutputStream();
        Main.run(new String[] {"--help"}, Map.of(), new PrintStream(usage, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream()));
        assertThat(usage.toString(StandardCharsets.UTF_8)).contains("  migrate ");
    }
}
