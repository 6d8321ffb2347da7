package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * local-ssm's STS {@code AssumeRole} (query protocol, XML answers) with the real SDK's {@link StsClient} and against
 * botocore's {@code sts} model and query parser; the control routes that declare roles and guard an account.
 */
class LocalSsmStsTest {
    private static final String ROLE = "arn:aws:iam::210987654321:role/secrets-reader";
    private static final String SECRET = "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared/db-AbC123";
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private LocalSsm ssm;
    private StsClient sts;

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        sts = StsClient.builder().endpointOverride(ssm.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTASK", "x")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).retryStrategy(b -> b.maxAttempts(1)))
                .build();
    }

    @AfterEach
    void stop() {
        sts.close();
        ssm.close();
    }

    @Test
    void theSdk_assumesADeclaredRole_withItsExternalId_andIsDeniedOtherwise() {
        ssm.declareRole(ROLE, "ext-7Q2w", null);

        AssumeRoleResponse r = sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("sidecar").externalId("ext-7Q2w")
                .durationSeconds(900));

        assertThat(r.credentials().accessKeyId()).startsWith("ASIA").hasSize(20);
        assertThat(r.credentials().secretAccessKey()).hasSize(40);
        assertThat(r.credentials().sessionToken()).isNotBlank();
        assertThat(r.credentials().expiration()).isBetween(Instant.now().plusSeconds(890), Instant.now().plusSeconds(901));
        assertThat(r.assumedRoleUser().arn()).isEqualTo("arn:aws:sts::210987654321:assumed-role/secrets-reader/sidecar");
        assertThat(ssm.calls()).singleElement().satisfies(c -> {
            assertThat(c.operation()).isEqualTo("AssumeRole");
            assertThat(c.accessKeyId()).isEqualTo("AKIDTASK");
        });

        for (String externalId : new String[] {"wrong-id", null}) {
            assertThatThrownBy(() -> sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s1").externalId(externalId)))
                    .isInstanceOfSatisfying(StsException.class, e -> {
                        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                        assertThat(e.statusCode()).isEqualTo(403);
                    });
        }
        assertThatThrownBy(() -> sts.assumeRole(b -> b.roleArn("arn:aws:iam::210987654321:role/undeclared")
                .roleSessionName("s1"))).isInstanceOfSatisfying(StsException.class,
                e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    }

    @Test
    void aGuardedAccount_servesItsRolesSessions_andListedKeys_only() throws Exception {
        ssm.putSecret(SECRET, "v");
        control("/_localssm/roles", "{\"roleArn\":\"" + ROLE + "\",\"sessionSeconds\":900}", 200);
        control("/_localssm/accounts", "{\"account\":\"210987654321\",\"principals\":[\"" + ROLE + "\",\"AKIDOK\"]}",
                200);
        String session = sts.assumeRole(b -> b.roleArn(ROLE).roleSessionName("s1")).credentials().accessKeyId();

        assertThat(getSecret("AKIDOTHER").statusCode()).isEqualTo(400);
        assertThat(getSecret("AKIDOTHER").body()).contains("AccessDeniedException").contains("AKIDOTHER");
        assertThat(getSecret(session).statusCode()).isEqualTo(200);
        assertThat(getSecret("AKIDOK").statusCode()).isEqualTo(200);
    }

    /** A cross-site form cannot carry Authorization: a form without a SigV4 one is refused like any other type. */
    @Test
    void aFormWithoutSignature_isRefused() throws Exception {
        ssm.declareRole(ROLE, null, null);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("Action=AssumeRole&Version=2011-06-15&RoleArn=" + ROLE
                        + "&RoleSessionName=s1")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(ssm.calls()).isEmpty();
    }

    @Test
    void theAnswers_parseWithBotocoresQueryParser_againstItsStsModel() throws Exception {
        ssm.declareRole(ROLE, "ext-7Q2w", null);
        String ok = form("Action=AssumeRole&Version=2011-06-15&RoleArn=" + ROLE
                + "&RoleSessionName=sidecar&ExternalId=ext-7Q2w", 200);
        String denied = form("Action=AssumeRole&Version=2011-06-15&RoleArn=" + ROLE + "&RoleSessionName=sidecar", 403);

        JsonNode parsed = botocore(ok, 200);
        JsonNode credentials = parsed.get("Credentials");
        assertThat(iterator(credentials)).containsExactlyInAnyOrder("AccessKeyId", "SecretAccessKey", "SessionToken",
                "Expiration");
        assertThat(credentials.get("Expiration").asText()).as("parsed as a timestamp").contains("+00:00");
        assertThat(iterator(parsed.get("AssumedRoleUser"))).containsExactlyInAnyOrder("AssumedRoleId", "Arn");
        assertThat(parsed.get("ResponseMetadata").get("RequestId").asText()).isNotBlank();
        JsonNode error = botocore(denied, 403);
        assertThat(error.get("Error").get("Code").asText()).isEqualTo("AccessDenied");
        assertThat(error.get("Error").get("Type").asText()).isEqualTo("Sender");
    }

    private static List<String> iterator(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The XML answer as botocore's QueryParser reads it with the sts model's AssumeRole output shape. */
    private JsonNode botocore(String xml, int status) throws Exception {
        Path f = Files.createTempFile("sts-answer", ".xml");
        try {
            Files.writeString(f, xml);
            String script = """
                    import json, sys, botocore.session, botocore.parsers
                    m = botocore.session.get_session().get_service_model('sts')
                    shape = m.operation_model('AssumeRole').output_shape
                    body = open(sys.argv[1], 'rb').read()
                    status = int(sys.argv[2])
                    parsed = botocore.parsers.QueryParser().parse(
                        {'body': body, 'headers': {}, 'status_code': status}, shape if status == 200 else None)
                    print(json.dumps(parsed, default=str))
                    """;
            Process p = new ProcessBuilder("python3", "-c", script, f.toString(), Integer.toString(status))
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(p.exitValue()).as("python3 with botocore: " + out).isZero();
            return json.readTree(out);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private String form(String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20240501/us-east-1/sts/aws4_request, "
                        + "SignedHeaders=host;x-amz-date, Signature=0000")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("Content-Type")).contains("text/xml");
        return r.body();
    }

    private HttpResponse<String> getSecret(String accessKeyId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "secretsmanager.GetSecretValue")
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/20240501/us-east-1/"
                        + "secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000")
                .POST(HttpRequest.BodyPublishers.ofString("{\"SecretId\":\"" + SECRET + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void control(String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(ssm.endpoint() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectedStatus);
    }
}
