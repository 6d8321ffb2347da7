package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.AppSsmClient;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.SdkSidecar;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.BatchGetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

/**
 * The drop-in endpoints reading Secrets Manager directly (issue 20): the Secrets Manager Agent's documented request
 * sent with curl, boto3's Secrets Manager client and Debian's AWS CLI v2, unchanged, as child processes, reading a
 * secret of another account by ARN that is not declared but allowed ({@code SIDECAR_ALLOW=sm://arn:...}), with
 * stages, a version id, a binary value, {@code refreshNow} and {@code BatchGetSecretValue}. Calls are counted at
 * local-ssm, which stands in for both services; {@link LeakCheckedSidecar} searches the sidecar's log and metrics for
 * every value.
 */
class SecretsManagerDropInTest {
    private static final String MARK = "dropinleak";
    private static final String FOREIGN_PREFIX = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/";
    private static final String FOREIGN_ARN = FOREIGN_PREFIX + "api-Xy12Ab";
    private static final String BINARY_ARN = FOREIGN_PREFIX + "cert-Cd34Ef";
    private static final String MISSING_ARN = FOREIGN_PREFIX + "gone-Gh56Ij";
    /** The same secret name in an account no entry names. */
    private static final String UNLISTED_ARN = "arn:aws:secretsmanager:eu-west-1:999999999999:secret:shared/api-Xy12Ab";
    private static final byte[] BINARY = concat(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1},
            (MARK + "-bin").getBytes(StandardCharsets.UTF_8));
    private static final Path SCRIPTS = Path.of("src/test/resources/sdkclients").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final LeakCheckedSidecar fixture = new LeakCheckedSidecar(MARK, BINARY, SdkSidecar.TOKEN);
    @TempDir
    Path tmp;
    private final LocalSsm ssm = fixture.ssm();
    private SdkSidecar sidecar;
    private String foreignV2;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        ssm.putSecret(FOREIGN_ARN, MARK + "-foreign-1", null, List.of());
        foreignV2 = ssm.putSecret(FOREIGN_ARN, MARK + "-foreign-2", null, List.of());
        ssm.putSecret(BINARY_ARN, null, BINARY, List.of());
        ssm.putSecret(UNLISTED_ARN, MARK + "-unlisted", null, List.of());
        ssm.putSecret("team/db", MARK + "-team", null, List.of());
        ssm.putSecret("declared/db", MARK + "-declared-1", null, List.of());
        ssm.putSecret("other/x", MARK + "-other", null, List.of());
        ssm.putSecret("apps/one", MARK + "-apps-one", null, List.of());
        Map<String, String> env = new HashMap<>();
        env.put("DECLARED", "sm://declared/db");
        env.put("APPS", "sm://apps/*");
        env.put("SIDECAR_ALLOW", "sm://" + FOREIGN_PREFIX + ",sm://team/");
        sidecar = fixture.closeAfter(SdkSidecar.start(ssm, tmp.resolve("out"), "verify", Clock.systemUTC(), env));
        fixture.scrapeAfter(sidecar.metrics);
        ssm.counters().reset();
    }

    /** Before the fixture closes the sidecar and searches its log and metrics. */
    @AfterEach
    void stop() {
        children.forEach(Process::destroyForcibly);
    }

    /** The agent's documented request, with curl: {@code -w} appends the status on a line of its own. */
    private Answer agent(String query) throws Exception {
        String out = run(List.of("curl", "-s", "-w", "\n%{http_code}", "-H", "X-Aws-Parameters-Secrets-Token: "
                + SdkSidecar.TOKEN, sidecar.endpoint() + "/secretsmanager/get?" + query), Map.of());
        int cut = out.lastIndexOf('\n');
        return new Answer(Integer.parseInt(out.substring(cut + 1).strip()), JSON.readTree(out.substring(0, cut)));
    }

    private record Answer(int status, JsonNode body) { }

    private String agentValue(String query) {
        try {
            return agent(query).body().path("SecretString").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private long calls(String operation) {
        return ssm.counters().byOperation().getOrDefault(operation, 0L);
    }

    private String run(List<String> command, Map<String, String> extra) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        b.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        b.environment().putAll(sidecar.appEnv());
        b.environment().put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());
        b.environment().put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-credentials").toString());
        b.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        b.environment().putAll(extra);
        Path out = Files.createTempFile(tmp, "child", ".out");
        Path err = Files.createTempFile(tmp, "child", ".err");
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        children.add(p);
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
        assertThat(p.exitValue()).as("exit code of %s; stderr:%n%s", command, Files.readString(err)).isZero();
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    @Test
    void theAgentsRequest_readsAnotherAccountsArn_directly_withStagesVersionIdBinaryRefreshNow_andRefusesTheRest()
            throws Exception {
        Answer current = agent("secretId=" + FOREIGN_ARN);
        assertThat(current.status()).as(current.body().toString()).isEqualTo(200);
        Set<String> fields = new TreeSet<>();
        current.body().fieldNames().forEachRemaining(fields::add);
        assertThat(fields).as("the agent's GetSecretValue shape")
                .containsExactly("ARN", "CreatedDate", "Name", "SecretString", "VersionId", "VersionStages");
        assertThat(current.body().get("ARN").asText()).isEqualTo(FOREIGN_ARN);
        assertThat(current.body().get("Name").asText()).isEqualTo("shared/api");
        assertThat(current.body().get("SecretString").asText()).isEqualTo(MARK + "-foreign-2");
        assertThat(current.body().get("VersionId").asText()).isEqualTo(foreignV2);
        assertThat(current.body().get("VersionStages").toString()).isEqualTo("[\"AWSCURRENT\"]");
        assertThat(current.body().get("CreatedDate").isNumber()).isTrue();
        assertThat(calls("GetSecretValue")).as("one direct read").isEqualTo(1);
        assertThat(calls("GetParameters")).as("never through Parameter Store").isZero();

        assertThat(agent("secretId=" + FOREIGN_ARN).body().get("SecretString").asText()).isEqualTo(MARK + "-foreign-2");
        assertThat(calls("GetSecretValue")).as("the second request from the on-demand cache").isEqualTo(1);

        Answer previous = agent("secretId=" + FOREIGN_ARN + "&versionStage=AWSPREVIOUS");
        assertThat(previous.body().get("SecretString").asText()).isEqualTo(MARK + "-foreign-1");
        assertThat(previous.body().get("VersionStages").toString()).isEqualTo("[\"AWSPREVIOUS\"]");
        Answer byVersion = agent("secretId=" + FOREIGN_ARN + "&versionId=" + foreignV2 + "&versionStage=AWSCURRENT");
        assertThat(byVersion.body().get("SecretString").asText()).isEqualTo(MARK + "-foreign-2");
        Answer wrongStage = agent("secretId=" + FOREIGN_ARN + "&versionId=" + foreignV2 + "&versionStage=AWSPREVIOUS");
        assertThat(wrongStage.status()).isEqualTo(400);
        assertThat(wrongStage.body().get("__type").asText()).isEqualTo("ResourceNotFoundException");

        Answer binary = agent("secretId=" + BINARY_ARN);
        assertThat(Base64.getDecoder().decode(binary.body().get("SecretBinary").asText())).isEqualTo(BINARY);
        assertThat(binary.body().has("SecretString")).isFalse();

        ssm.putSecret(FOREIGN_ARN, MARK + "-foreign-3", null, List.of());
        long before = calls("GetSecretValue");
        assertThat(agent("secretId=" + FOREIGN_ARN).body().get("SecretString").asText())
                .as("cached until the next refresh").isEqualTo(MARK + "-foreign-2");
        assertThat(agent("secretId=" + FOREIGN_ARN + "&refreshNow=true").body().get("SecretString").asText())
                .isEqualTo(MARK + "-foreign-3");
        assertThat(calls("GetSecretValue") - before).as("refreshNow read it again").isEqualTo(1);
        assertThat(agent("secretId=" + FOREIGN_ARN).body().get("SecretString").asText())
                .as("and the cache holds the fresh value").isEqualTo(MARK + "-foreign-3");
        ssm.putSecret(FOREIGN_ARN, MARK + "-foreign-4", null, List.of());
        sidecar.refresh();
        // A cached secret is answered from the cache, so the new value can only come from the cycle's re-read.
        Await.until(Duration.ofSeconds(20), () -> (MARK + "-foreign-4").equals(agentValue("secretId=" + FOREIGN_ARN)),
                () -> "a refresh cycle re-read the cached secret");

        assertThat(agent("secretId=team/db").body().get("SecretString").asText()).isEqualTo(MARK + "-team");

        Answer missing = agent("secretId=" + MISSING_ARN);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.body().get("__type").asText()).isEqualTo("ResourceNotFoundException");
        before = calls("GetSecretValue");
        assertThat(agent("secretId=" + MISSING_ARN).body().get("__type").asText())
                .isEqualTo("ResourceNotFoundException");
        assertThat(calls("GetSecretValue") - before).as("a missing secret is remembered").isZero();

        before = ssm.counters().total();
        for (String refused : List.of(UNLISTED_ARN, "other/x", "arn:aws:secretsmanager:eu-west-1:210987654321:secret:"
                + "private/key-Ab12Cd")) {
            Answer a = agent("secretId=" + refused);
            assertThat(a.status()).as(refused).isEqualTo(403);
            assertThat(a.body().get("__type").asText()).isEqualTo("AccessDeniedException");
            assertThat(a.body().get("message").asText()).contains("SIDECAR_ALLOW").contains("sm://");
        }
        assertThat(ssm.counters().total()).as("refused without a call").isEqualTo(before);
    }

    @Test
    void aSecretLoadedByAPrefix_isServedFromTheSnapshot_asASecret_notAsAParameter() throws Exception {
        Answer one = agent("secretId=apps/one");
        assertThat(one.status()).as(one.body().toString()).isEqualTo(200);
        assertThat(one.body().get("SecretString").asText()).isEqualTo(MARK + "-apps-one");
        assertThat(one.body().get("Name").asText()).isEqualTo("apps/one");
        String parameter = run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                "X-Aws-Parameters-Secrets-Token: " + SdkSidecar.TOKEN,
                sidecar.endpoint() + "/systemsmanager/parameters/get?name=apps/one&withDecryption=true"), Map.of());
        assertThat(parameter).as("a Secrets Manager secret is no Parameter Store parameter").isEqualTo("403");
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void refreshNow_onADeclaredSecret_readsItFresh_andTheFilesFollow() throws Exception {
        Path file = tmp.resolve("out").resolve("DECLARED");
        assertThat(Files.readString(file)).isEqualTo(MARK + "-declared-1");
        ssm.putSecret("declared/db", MARK + "-declared-2", null, List.of());

        assertThat(agent("secretId=declared/db").body().get("SecretString").asText())
                .as("from the snapshot").isEqualTo(MARK + "-declared-1");
        assertThat(ssm.counters().total()).isZero();

        Answer fresh = agent("secretId=declared/db&refreshNow=true");
        assertThat(fresh.body().get("SecretString").asText()).isEqualTo(MARK + "-declared-2");
        assertThat(calls("GetSecretValue")).as("one fresh read, not through Parameter Store").isGreaterThanOrEqualTo(1);
        assertThat(calls("GetParameters")).isZero();
        Await.until(Duration.ofSeconds(20), () -> (MARK + "-declared-2").equals(readQuietly(file)),
                () -> "the refresh that refreshNow asked for rewrote the file");
        assertThat(agent("secretId=declared/db").body().get("SecretString").asText()).isEqualTo(MARK + "-declared-2");
    }

    @Test
    void boto3_readsAnotherAccountsArn_stagesAndBinary_andBatchGetsDeclaredAllowedAndRefused() throws Exception {
        String out = run(List.of("python3", SCRIPTS.resolve("boto3_secrets.py").toString(), FOREIGN_ARN, BINARY_ARN,
                String.join(",", FOREIGN_ARN, "declared/db", "team/db", "other/x", MISSING_ARN)), Map.of());
        JsonNode r = JSON.readTree(out.lines().reduce((a, b) -> b).orElseThrow());

        assertThat(r.get("arn").asText()).isEqualTo(FOREIGN_ARN);
        assertThat(r.get("name").asText()).isEqualTo("shared/api");
        assertThat(r.get("current").asText()).isEqualTo(MARK + "-foreign-2");
        assertThat(r.get("stages").toString()).isEqualTo("[\"AWSCURRENT\"]");
        assertThat(r.get("createdIsDate").asText()).isEqualTo("datetime");
        assertThat(r.get("currentShapeErrors").asText()).isEmpty();
        assertThat(r.get("previous").asText()).isEqualTo(MARK + "-foreign-1");
        assertThat(r.get("previousStages").toString()).isEqualTo("[\"AWSPREVIOUS\"]");
        assertThat(r.get("binaryIsBytes").asText()).isEqualTo("bytes");
        assertThat(Base64.getDecoder().decode(r.get("binaryBase64").asText())).isEqualTo(BINARY);
        assertThat(r.get("binaryShapeErrors").asText()).isEmpty();

        Map<String, String> values = new HashMap<>();
        r.get("batchValues").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        assertThat(values).containsOnly(Map.entry("shared/api", MARK + "-foreign-2"),
                Map.entry("declared/db", MARK + "-declared-1"), Map.entry("team/db", MARK + "-team"));
        assertThat(r.get("batchArns").get(0).asText()).isEqualTo(FOREIGN_ARN);
        Map<String, String> errors = new HashMap<>();
        r.get("batchErrors").fields().forEachRemaining(e -> errors.put(e.getKey(), e.getValue().asText()));
        assertThat(errors).containsOnly(Map.entry("other/x", "AccessDeniedException"),
                Map.entry(MISSING_ARN, "ResourceNotFoundException"));
        assertThat(r.get("batchShapeErrors").asText()).isEmpty();
        assertThat(r.get("filters").asText()).isEqualTo("ValidationException");
        assertThat(calls("GetParameters")).as("never through Parameter Store").isZero();
    }

    private SecretsManagerClient javaSdk(AwsCredentials credentials) {
        return SecretsManagerClient.builder().endpointOverride(sidecar.endpoint()).region(Region.of(AppSsmClient.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(credentials))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static String code(Runnable call) {
        try {
            call.run();
            return "no error";
        } catch (SecretsManagerException e) {
            return e.awsErrorDetails().errorCode() + " " + e.statusCode();
        } catch (SdkException e) {
            return e.getClass().getSimpleName();
        }
    }

    @Test
    void theJavaSdk_batchGetsTwentyIds_refusesTwentyOne_aNextToken_andAnotherCaller() {
        try (SecretsManagerClient sm = javaSdk(AppSsmClient.shared());
             SecretsManagerClient stranger = javaSdk(AppSsmClient.other())) {
            List<String> twenty = new ArrayList<>(IntStream.range(0, 18).mapToObj(i -> FOREIGN_PREFIX + "n" + i)
                    .toList());
            twenty.add(FOREIGN_ARN);
            twenty.add("team/db");
            BatchGetSecretValueResponse r = sm.batchGetSecretValue(b -> b.secretIdList(twenty));
            assertThat(r.secretValues()).hasSize(2);
            assertThat(r.secretValues().get(0).arn()).isEqualTo(FOREIGN_ARN);
            assertThat(r.secretValues().get(1).secretString()).isEqualTo(MARK + "-team");
            assertThat(r.errors()).hasSize(18).allSatisfy(e -> assertThat(e.errorCode())
                    .isEqualTo("ResourceNotFoundException"));

            List<String> twentyOne = new ArrayList<>(twenty);
            twentyOne.add("team/other");
            assertThat(code(() -> sm.batchGetSecretValue(b -> b.secretIdList(twentyOne))))
                    .isEqualTo("ValidationException 400");
            assertThat(code(() -> sm.batchGetSecretValue(b -> b.secretIdList("team/db").nextToken("x"))))
                    .isEqualTo("InvalidNextTokenException 400");
            long before = ssm.counters().total();
            assertThat(code(() -> stranger.batchGetSecretValue(b -> b.secretIdList("team/db"))))
                    .as("verify: another credential is refused, as for the other operations")
                    .isEqualTo("AccessDeniedException 403");
            assertThat(ssm.counters().total()).isEqualTo(before);
        }
    }

    @Test
    void theAwsCli_readsAnotherAccountsArn() throws Exception {
        // Debian's CLI (2.9.19) predates AWS_ENDPOINT_URL_SECRETS_MANAGER: it gets --endpoint-url, as the docs say.
        JsonNode answer = JSON.readTree(run(List.of("/usr/bin/aws", "secretsmanager", "get-secret-value",
                "--secret-id", FOREIGN_ARN, "--version-stage", "AWSPREVIOUS", "--endpoint-url",
                sidecar.endpoint().toString(), "--output", "json"), Map.of()));
        assertThat(answer.get("ARN").asText()).isEqualTo(FOREIGN_ARN);
        assertThat(answer.get("SecretString").asText()).isEqualTo(MARK + "-foreign-1");
        assertThat(answer.get("VersionStages").toString()).isEqualTo("[\"AWSPREVIOUS\"]");
        assertThat(calls("GetSecretValue")).isEqualTo(1);
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
