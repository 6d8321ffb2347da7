package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.LocalSsmExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.BatchGetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ListSecretsResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Secrets Manager's own API on local-ssm's one port, read by the real SDK {@code secretsmanager} client over HTTP,
 * with the secrets seeded through the control API (names, ARNs in other accounts, binary values, stages); the raw
 * answers are walked against the SDK's model and botocore's.
 */
class LocalSsmSecretsManagerTest {
    private static final String FOREIGN_ARN = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/db-AbC123";
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();
    private final SecretsManagerClient sm = SecretsManagerClient.builder()
            .endpointOverride(ssm.endpoint())
            .region(Region.of(ssm.region()))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSM", "x")))
            .httpClient(UrlConnectionHttpClient.create())
            .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
            .build();

    @AfterEach
    void close() {
        sm.close();
    }

    @Test
    void getSecretValue_byName_stage_versionId_andPartialArn() {
        String v1 = ssm.putSecret("prod/db", "{\"password\":\"one\"}");
        String v2 = ssm.putSecret("prod/db", "{\"password\":\"two\"}");

        GetSecretValueResponse current = sm.getSecretValue(r -> r.secretId("prod/db"));
        assertThat(current.secretString()).isEqualTo("{\"password\":\"two\"}");
        assertThat(current.versionId()).isEqualTo(v2);
        assertThat(current.versionStages()).containsExactly("AWSCURRENT");
        assertThat(current.name()).isEqualTo("prod/db");
        assertThat(current.createdDate()).isNotNull();
        assertThat(sm.getSecretValue(r -> r.secretId("prod/db").versionStage("AWSPREVIOUS")).versionId()).isEqualTo(v1);
        assertThat(sm.getSecretValue(r -> r.secretId("prod/db").versionId(v1)).secretString()).contains("one");
        String partial = current.arn().substring(0, current.arn().length() - 7);
        assertThat(sm.getSecretValue(r -> r.secretId(partial)).versionId()).isEqualTo(v2);
        assertThat(sm.getSecretValue(r -> r.secretId(current.arn())).versionId()).isEqualTo(v2);

        assertThatThrownBy(() -> sm.getSecretValue(r -> r.secretId("prod/none")))
                .isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> sm.getSecretValue(r -> r.secretId("prod/db").versionStage("AWSPENDING")))
                .isInstanceOf(ResourceNotFoundException.class);
        // The reference path still reads the same secret.
        assertThat(ssm.counters().byOperation()).containsKeys("GetSecretValue");
    }

    @Test
    void controlApi_takesForeignArns_binaryValues_andStages() throws Exception {
        byte[] bytes = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10};
        control("{\"id\":\"" + FOREIGN_ARN + "\",\"secretBinary\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}",
                200);
        String pending = json.readTree(control("{\"id\":\"" + FOREIGN_ARN + "\",\"secretString\":\"next\","
                + "\"stages\":[\"AWSPENDING\"]}", 200)).get("versionId").asText();

        GetSecretValueResponse foreign = sm.getSecretValue(r -> r.secretId(FOREIGN_ARN));
        assertThat(foreign.secretBinary().asByteArray()).isEqualTo(bytes);
        assertThat(foreign.secretString()).isNull();
        assertThat(foreign.arn()).isEqualTo(FOREIGN_ARN);
        assertThat(foreign.name()).isEqualTo("shared/db");
        assertThat(sm.getSecretValue(r -> r.secretId(FOREIGN_ARN).versionStage("AWSPENDING")).versionId())
                .isEqualTo(pending);
        // Another account's secret is not this account's secret of the same name.
        assertThatThrownBy(() -> sm.getSecretValue(r -> r.secretId("shared/db")))
                .isInstanceOf(ResourceNotFoundException.class);

        DescribeSecretResponse described = sm.describeSecret(r -> r.secretId(FOREIGN_ARN));
        assertThat(described.versionIdsToStages()).hasSize(2).containsEntry(pending, List.of("AWSPENDING"));

        assertThat(control("{\"id\":\"x\",\"secretString\":\"a\",\"secretBinary\":\"AA==\"}", 400))
                .contains("exactly one");
        assertThat(control("{\"id\":\"arn:aws:secretsmanager:eu-west-1:1:secret:x\",\"secretString\":\"a\"}", 400))
                .contains("Invalid secret ARN");
        assertThat(control("{\"id\":\"x\",\"secretBinary\":\"%%\"}", 400)).contains("base64");
    }

    @Test
    void batchGetSecretValue_answersValuesAndErrors_inOneCall() {
        ssm.putSecret("a", "va");
        ssm.putSecret(FOREIGN_ARN, null, new byte[] {7}, List.of());
        ssm.counters().reset();

        BatchGetSecretValueResponse r = sm.batchGetSecretValue(b -> b.secretIdList("a", FOREIGN_ARN, "missing"));

        assertThat(r.secretValues()).extracting(v -> v.name()).containsExactly("a", "shared/db");
        assertThat(r.secretValues().get(1).secretBinary()).isEqualTo(SdkBytes.fromByteArray(new byte[] {7}));
        assertThat(r.errors()).singleElement().satisfies(e -> {
            assertThat(e.secretId()).isEqualTo("missing");
            assertThat(e.errorCode()).isEqualTo("ResourceNotFoundException");
        });
        assertThat(ssm.counters().byOperation()).containsEntry("BatchGetSecretValue", 1L);
    }

    @Test
    void listSecrets_filtersByNamePrefix_andPages() {
        for (int i = 0; i < 5; i++) {
            ssm.putSecret("team/s" + i, "v" + i);
        }
        ssm.putSecret("other", "v");

        ListSecretsResponse first = sm.listSecrets(r -> r.maxResults(3)
                .filters(f -> f.key("name").values("team/")));
        assertThat(first.secretList()).extracting(s -> s.name()).containsExactly("team/s0", "team/s1", "team/s2");
        ListSecretsResponse second = sm.listSecrets(r -> r.maxResults(3).nextToken(first.nextToken())
                .filters(f -> f.key("name").values("team/")));
        assertThat(second.secretList()).extracting(s -> s.name()).containsExactly("team/s3", "team/s4");
        assertThat(second.nextToken()).isNull();
    }

    @Test
    void batchGetSecretValue_byFilters_pagesTwentyAtATime_withValues_andOnlyThisAccountsSecrets() {
        for (int i = 0; i < 45; i++) {
            ssm.putSecret(String.format("team/s%02d", i), "v" + i);
        }
        ssm.putSecret("teamx/s", "v");
        ssm.putSecret("arn:aws:secretsmanager:eu-west-1:210987654321:secret:team/foreign-AbC123", "v", null, List.of());
        ssm.counters().reset();

        List<String> names = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            String next = token;
            BatchGetSecretValueResponse r = sm.batchGetSecretValue(b -> b.filters(f -> f.key("name").values("team/"))
                    .maxResults(20).nextToken(next));
            assertThat(r.secretValues()).hasSizeLessThanOrEqualTo(20);
            r.secretValues().forEach(v -> {
                assertThat(v.secretString()).isEqualTo("v" + Integer.parseInt(v.name().substring(6)));
                names.add(v.name());
            });
            token = r.nextToken();
            pages++;
        } while (token != null);

        assertThat(pages).isEqualTo(3);
        assertThat(names).hasSize(45).allMatch(n -> n.startsWith("team/s"));
        assertThat(ssm.counters().byOperation()).isEqualTo(java.util.Map.of("BatchGetSecretValue", 3L));
    }

    @Test
    void batchGetSecretValue_refusesFiltersWithIds_maxResultsWithoutFilters_andUnknownKeys() throws Exception {
        ssm.putSecret("a", "v");
        assertThat(raw("BatchGetSecretValue", "{\"SecretIdList\":[\"a\"],\"Filters\":[{\"Key\":\"name\","
                + "\"Values\":[\"a\"]}]}", 400)).contains("InvalidParameterException").contains("not both");
        assertThat(raw("BatchGetSecretValue", "{}", 400)).contains("not both");
        assertThat(raw("BatchGetSecretValue", "{\"SecretIdList\":[\"a\"],\"MaxResults\":5}", 400))
                .contains("only with Filters");
        assertThat(raw("BatchGetSecretValue", "{\"Filters\":[{\"Key\":\"nam\",\"Values\":[\"a\"]}]}", 400))
                .contains("Invalid filter key: nam");
        assertThat(raw("BatchGetSecretValue", "{\"Filters\":[{\"Key\":\"name\",\"Values\":[\"a\"]}],"
                + "\"MaxResults\":21}", 400)).contains("MaxResults must be between 1 and 20");
        assertThat(raw("ListSecrets", "{\"Filters\":[{\"Key\":\"name\",\"Values\":[\"a,b\"]}]}", 400))
                .contains("Invalid filter value");
    }

    @Test
    void listSecrets_filtersByTagKeyAndValue_asIndependentPrefixes_andAnswersTags_andNegation() {
        ssm.putSecret("app/pay", "v");
        ssm.tagSecret("app/pay", java.util.Map.of("team", "payments"));
        ssm.putSecret("app/mixed", "v");
        ssm.tagSecret("app/mixed", java.util.Map.of("team", "infra", "owner", "payments"));
        ssm.putSecret("app/none", "v");

        ListSecretsResponse r = sm.listSecrets(b -> b.filters(f -> f.key("tag-key").values("team"),
                f -> f.key("tag-value").values("pay")));
        // Key and value filters match independently (a prefix each), as AWS documents: both secrets match.
        assertThat(r.secretList()).extracting(e -> e.name()).containsExactly("app/pay", "app/mixed");
        assertThat(r.secretList().get(0).tags()).singleElement()
                .satisfies(t -> assertThat(t.key() + "=" + t.value()).isEqualTo("team=payments"));
        assertThat(sm.listSecrets(b -> b.filters(f -> f.key("name").values("!app/p"))).secretList())
                .extracting(e -> e.name()).containsExactly("app/mixed", "app/none");

        ssm.deleteSecret("app/none");
        assertThat(sm.listSecrets(b -> b.filters(f -> f.key("name").values("app/"))).secretList()).hasSize(2);
    }

    @Test
    void answers_useOnlyModelMembers_withModelTypes_perSdkAndBotocore() throws Exception {
        String v1 = ssm.putSecret("prod/db", "{\"password\":\"one\"}");
        ssm.putSecret("prod/db", "{\"password\":\"two\"}");
        ssm.putSecret(FOREIGN_ARN, null, new byte[] {1, 2, 3}, List.of());
        List<String[]> answers = new ArrayList<>();
        answers.add(new String[] {"GetSecretValue", raw("GetSecretValue", "{\"SecretId\":\"prod/db\"}", 200)});
        answers.add(new String[] {"GetSecretValue", raw("GetSecretValue", "{\"SecretId\":\"prod/db\",\"VersionId\":\""
                + v1 + "\"}", 200)});
        answers.add(new String[] {"GetSecretValue", raw("GetSecretValue", "{\"SecretId\":\"" + FOREIGN_ARN + "\"}", 200)});
        answers.add(new String[] {"BatchGetSecretValue", raw("BatchGetSecretValue",
                "{\"SecretIdList\":[\"prod/db\",\"" + FOREIGN_ARN + "\",\"nope\"]}", 200)});
        answers.add(new String[] {"DescribeSecret", raw("DescribeSecret", "{\"SecretId\":\"prod/db\"}", 200)});
        answers.add(new String[] {"ListSecrets", raw("ListSecrets", "{}", 200)});
        ssm.tagSecret("prod/db", java.util.Map.of("team", "pay"));
        answers.add(new String[] {"ListSecrets", raw("ListSecrets",
                "{\"Filters\":[{\"Key\":\"tag-key\",\"Values\":[\"team\"]}],\"MaxResults\":1}", 200)});
        answers.add(new String[] {"BatchGetSecretValue", raw("BatchGetSecretValue",
                "{\"Filters\":[{\"Key\":\"name\",\"Values\":[\"prod/\"]}],\"MaxResults\":1}", 200)});

        for (String[] a : answers) {
            var builder = switch (a[0]) {
                case "GetSecretValue" -> GetSecretValueResponse.builder();
                case "BatchGetSecretValue" -> BatchGetSecretValueResponse.builder();
                case "DescribeSecret" -> DescribeSecretResponse.builder();
                default -> ListSecretsResponse.builder();
            };
            LocalSsmModelConformanceTest.assertConforms(json.readTree(a[1]), builder.sdkFields(), a[0]);
        }
        assertThat(botocoreProblems(answers)).isEmpty();

        JsonNode notFound = json.readTree(raw("GetSecretValue", "{\"SecretId\":\"nope\"}", 400));
        assertThat(notFound.get("__type").asText()).isEqualTo("ResourceNotFoundException");
    }

    /** Walks each answer against botocore's output shape for its operation; returns the problems found. */
    private List<String> botocoreProblems(List<String[]> answers) throws Exception {
        String script = """
                import json, sys, base64, botocore.session
                m = botocore.session.get_session().get_service_model('secretsmanager')
                problems = []
                def walk(v, shape, where):
                    t = shape.type_name
                    if t == 'structure':
                        if not isinstance(v, dict): problems.append(where + ' not an object'); return
                        for k, x in v.items():
                            if k not in shape.members: problems.append(where + '.' + k + ' not in model'); continue
                            walk(x, shape.members[k], where + '.' + k)
                    elif t == 'list':
                        if not isinstance(v, list): problems.append(where + ' not a list'); return
                        for i, x in enumerate(v): walk(x, shape.member, where + '[%d]' % i)
                    elif t == 'map':
                        if not isinstance(v, dict): problems.append(where + ' not a map'); return
                        for k, x in v.items(): walk(x, shape.value, where + '[' + k + ']')
                    elif t == 'string':
                        if not isinstance(v, str): problems.append(where + ' not a string')
                    elif t == 'blob':
                        base64.b64decode(v, validate=True)
                    elif t == 'timestamp':
                        if not isinstance(v, (int, float)): problems.append(where + ' not epoch seconds')
                    elif t in ('integer', 'long'):
                        if not isinstance(v, int): problems.append(where + ' not an integer')
                    elif t == 'boolean':
                        if not isinstance(v, bool): problems.append(where + ' not a boolean')
                for op, path in zip(sys.argv[1::2], sys.argv[2::2]):
                    with open(path) as f:
                        walk(json.load(f), m.operation_model(op).output_shape, op)
                print(json.dumps(problems))
                """;
        List<String> command = new ArrayList<>(List.of("python3", "-c", script));
        List<Path> files = new ArrayList<>();
        try {
            for (String[] a : answers) {
                Path f = Files.createTempFile("sm-answer", ".json");
                Files.writeString(f, a[1]);
                files.add(f);
                command.add(a[0]);
                command.add(f.toString());
            }
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(p.exitValue()).as("python3 with botocore: " + out).isZero();
            List<String> problems = new ArrayList<>();
            json.readTree(out).forEach(n -> problems.add(n.asText()));
            return problems;
        } finally {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    private String raw(String operation, String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "secretsmanager." + operation)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20240501/us-east-1/secretsmanager/"
                        + "aws4_request, SignedHeaders=host;x-amz-date, Signature=0000")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(operation + " " + r.body()).isEqualTo(expectedStatus);
        return r.body();
    }

    private String control(String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/_localssm/secrets"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        return r.body();
    }
}
