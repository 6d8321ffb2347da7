package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SecretMetadata;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.Secret;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.SsmException;

/** The Lambda extension's GetParameter and the agent's GetSecretValue, checked against the SDK model. */
class CompatEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SM_NAME = "/aws/reference/secretsmanager/prod/api";
    private static final String SOURCE_RESULT = "{\"CreatedDate\":1526334434.743,\"Name\":\"prod/api\","
            + "\"VersionId\":\"aaabbbccc-1111\",\"VersionStages\":[\"AWSCURRENT\",\"blue\"],"
            + "\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-E18LRP\"}";

    private final InMemoryBackend backend = new InMemoryBackend();
    private final Parameter dbPassword = new Parameter("/prod/db/password", "/prod/db/password", "SecureString",
            SecretValue.of("p@ss\"wörd\n"), 7, null, null, Instant.parse("2025-12-24T08:30:15.123Z"),
            "arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password", "text");
    private ApiServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        backend.store.publish(Map.of("DB_PASSWORD", new Secret("DB_PASSWORD", dbPassword.name(), dbPassword.value(), 7,
                null, dbPassword.lastModified(), InMemoryBackend.NOW, dbPassword)));
        server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 50, false), backend,
                PrometheusMetrics.create()).start();
        client = new ApiClient(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private Parameter smParameter(String requested, String selector, String sourceResult) {
        return new Parameter(requested, SM_NAME, "SecureString", SecretValue.of("{\"user\":\"app\",\"pw\":\"x1\"}"), 0,
                selector, SecretMetadata.parse(sourceResult), Instant.parse("2018-05-14T21:47:14.743Z"),
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-E18LRP", null);
    }

    @Test
    void getParameter_isParsedByTheAwsSdk_intoExactlyTheParameterStored() throws Exception {
        try (SdkProxy proxy = new SdkProxy(client)) {
            GetParameterResponse response = proxy.ssm.getParameter(r -> r.name("/prod/db/password").withDecryption(true));

            assertThat(response.parameter()).isEqualTo(software.amazon.awssdk.services.ssm.model.Parameter.builder()
                    .name("/prod/db/password").type("SecureString").value("p@ss\"wörd\n").version(7L)
                    .lastModifiedDate(Instant.parse("2025-12-24T08:30:15.123Z"))
                    .arn("arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password").dataType("text").build());
        }
    }

    @Test
    void getParameter_error_isParsedByTheAwsSdk_asItsTypedException() throws Exception {
        backend.allow = List.of("/prod/");
        try (SdkProxy proxy = new SdkProxy(client)) {
            assertThatThrownBy(() -> proxy.ssm.getParameter(r -> r.name("/prod/missing").withDecryption(true)))
                    .isInstanceOf(ParameterNotFoundException.class)
                    .satisfies(e -> assertThat(((SsmException) e).statusCode()).isEqualTo(400));
        }
    }

    @Test
    void getParameter_body_usesOnlyMembersOfTheSdkModel_withTheirWireTypes() throws Exception {
        backend.allow = List.of(SM_NAME);
        backend.ssm.put(SM_NAME + ":blue", smParameter(SM_NAME + ":blue", ":blue", SOURCE_RESULT));

        for (String query : List.of("name=/prod/db/password&withDecryption=true",
                "name=" + SM_NAME + "&label=blue&withDecryption=true")) {
            HttpResponse<String> response = client.get("/systemsmanager/parameters/get?" + query);
            assertThat(response.statusCode()).as(query).isEqualTo(200);
            JsonNode body = json(response);
            assertThat(fieldNames(body)).containsExactly("Parameter", "ResultMetadata");
            assertThat(body.get("ResultMetadata").isEmpty()).isTrue();
            assertMatchesSdkModel(body.get("Parameter"),
                    software.amazon.awssdk.services.ssm.model.Parameter.builder().build().sdkFields());
        }
    }

    /** Every member is one the SDK model declares, with the JSON type the AWS JSON protocol uses for it. */
    private static void assertMatchesSdkModel(JsonNode object, List<SdkField<?>> model) {
        Map<String, SdkField<?>> byName = new java.util.HashMap<>();
        model.forEach(f -> byName.put(f.locationName(), f));
        for (String name : fieldNames(object)) {
            SdkField<?> field = byName.get(name);
            assertThat(field).as("member %s in the SDK model", name).isNotNull();
            JsonNode value = object.get(name);
            switch (field.marshallingType().toString()) {
                case "String" -> assertThat(value.isTextual()).as(name).isTrue();
                case "Long", "Integer" -> assertThat(value.isIntegralNumber()).as(name).isTrue();
                case "Instant" -> assertThat(value.isNumber()).as(name).isTrue();
                default -> throw new AssertionError("unexpected type " + field.marshallingType() + " of " + name);
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void getParameter_writesTheDocumentedShape_withEpochSecondsAndNoNulls() throws Exception {
        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=%2Fprod%2Fdb%2Fpassword&withDecryption=true");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(response.body()).isEqualTo("{\"Parameter\":{\"ARN\":\"arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password\","
                + "\"DataType\":\"text\",\"LastModifiedDate\":1766565015.123,\"Name\":\"/prod/db/password\","
                + "\"Type\":\"SecureString\",\"Value\":\"p@ss\\\"wörd\\n\",\"Version\":7},\"ResultMetadata\":{}}");
    }

    @ParameterizedTest
    @CsvSource({"version=3, /prod/app/key:3", "label=blue, /prod/app/key:blue"})
    void getParameter_versionOrLabel_becomesTheSelector(String selector, String expectedRequest) throws Exception {
        backend.allow = List.of("/prod/app/");
        backend.ssm.put(expectedRequest, InMemoryBackend.parameter("/prod/app/key", "v", 3));

        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=/prod/app/key&withDecryption=true&" + selector);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).at("/Parameter/Value").asText()).isEqualTo("v");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "name=/a&version=1&label=x&withDecryption=true | give version or label, not both",
            "name=/a&version=0&withDecryption=true | version must be a positive whole number; got '0'",
            "name=/a&version=two&withDecryption=true | got 'two'",
            "name=/a&label=bad:label&withDecryption=true | label must be",
            "name=/a:3&version=3&withDecryption=true | already carries a :version or :label selector",
            "withDecryption=true | 'name' is required",
            "name=/a&withDecryption=yes | withDecryption must be true or false; got 'yes'"})
    void getParameter_badInput_is400_sayingWhatIsAllowed(String query, String message) throws Exception {
        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?" + query);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("__type").asText()).isEqualTo("ValidationException");
        assertThat(json(response).get("message").asText()).contains(message);
        assertThat(backend.parameterCalls.get()).isZero();
    }

    @Test
    void getParameter_secureStringWithoutDecryption_is400_butAPlainStringIsServed() throws Exception {
        backend.allow = List.of("/public/");
        backend.ssm.put("/public/region", new Parameter("/public/region", "/public/region", "String",
                SecretValue.of("eu-west-1"), 1, null, null, null, null, null));

        HttpResponse<String> secure = client.get("/systemsmanager/parameters/get?name=/prod/db/password");
        HttpResponse<String> plain = client.get("/systemsmanager/parameters/get?name=/public/region");

        assertThat(secure.statusCode()).isEqualTo(400);
        assertThat(secure.body()).contains("withDecryption=true").doesNotContain("p@ss");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo("{\"Parameter\":{\"Name\":\"/public/region\",\"Type\":\"String\","
                + "\"Value\":\"eu-west-1\",\"Version\":1},\"ResultMetadata\":{}}");
    }

    @Test
    void undeclaredName_outsideAllow_is403_namingIt() throws Exception {
        backend.allow = List.of("/prod/app/");

        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=/prod/other/x&withDecryption=true");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).get("__type").asText()).isEqualTo("AccessDeniedException");
        assertThat(json(response).get("message").asText()).contains("/prod/other/x").contains("SIDECAR_ALLOW");
    }

    @Test
    void undeclaredName_insideAllow_isFetchedOnDemand() throws Exception {
        backend.allow = List.of("/prod/app/");
        backend.ssm.put("/prod/app/flag", InMemoryBackend.parameter("/prod/app/flag", "on", 2));

        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=/prod/app/flag&withDecryption=true");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).at("/Parameter/Value").asText()).isEqualTo("on");
    }

    @ParameterizedTest
    @CsvSource({"ParameterNotFound, 400, 400", "ThrottlingException, 400, 400", "InternalServerError, 500, 500",
            "AccessDeniedException, 400, 400", "IOError, 0, 502"})
    void ssmErrors_passThrough_withStatusAndType(String code, int ssmStatus, int expected) throws Exception {
        backend.failures.put("/prod/db/password", new SourceException(code, ssmStatus, ssmStatus != 400,
                "GetParameters for '/prod/db/password' failed: " + code, null));

        HttpResponse<String> response = client.get("/systemsmanager/parameters/get?name=/prod/db/password&withDecryption=true");

        assertThat(response.statusCode()).isEqualTo(expected);
        assertThat(json(response).get("__type").asText()).isEqualTo(code);
        assertThat(json(response).get("message").asText()).contains("'/prod/db/password'");
    }

    @Test
    void backendBug_is500_withAFixedMessage_andTheLogNamesOnlyTheType() throws Exception {
        backend.crash = new IllegalStateException("state dump: p@ss\"wörd");
        HttpResponse<String> response;
        String log;
        try (CapturedLog captured = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO)) {
            response = client.get("/systemsmanager/parameters/get?name=/prod/db/password&withDecryption=true");
            log = captured.text();
        }

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(json(response).get("__type").asText()).isEqualTo("InternalError");
        assertThat(response.body()).doesNotContain("p@ss").doesNotContain("state dump");
        assertThat(log).contains("request failed unexpectedly").contains("java.lang.IllegalStateException")
                .contains("route=/systemsmanager/parameters/get").doesNotContain("p@ss");
    }

    @Test
    void getSecretValue_answersTheAgentsShape_fromSourceResultAndValue() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME, smParameter(SM_NAME, null, SOURCE_RESULT));

        HttpResponse<String> response = client.get("/secretsmanager/get?secretId=prod/api");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-E18LRP\","
                + "\"Name\":\"prod/api\",\"VersionId\":\"aaabbbccc-1111\",\"SecretString\":\"{\\\"user\\\":\\\"app\\\",\\\"pw\\\":\\\"x1\\\"}\","
                + "\"VersionStages\":[\"AWSCURRENT\",\"blue\"],\"CreatedDate\":1526334434.743}");
        assertThat(backend.bypassCalls.get()).isZero();
    }

    @Test
    void getSecretValue_membersAndTypes_areThoseOfTheSecretsManagerModel() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME, smParameter(SM_NAME, null, SOURCE_RESULT));

        JsonNode body = json(client.get("/secretsmanager/get?secretId=prod/api"));

        // GetSecretValueResponse in the secretsmanager-2017-10-17 model (that SDK module is not a dependency).
        Map<String, String> model = Map.of("ARN", "string", "Name", "string", "VersionId", "string",
                "SecretString", "string", "SecretBinary", "blob", "VersionStages", "list", "CreatedDate", "timestamp");
        for (String name : fieldNames(body)) {
            String type = model.get(name);
            assertThat(type).as(name).isNotNull();
            JsonNode v = body.get(name);
            switch (type) {
                case "string" -> assertThat(v.isTextual()).as(name).isTrue();
                case "list" -> assertThat(v.isArray() && v.get(0).isTextual()).as(name).isTrue();
                case "timestamp" -> assertThat(v.isNumber()).as(name).isTrue();
                default -> throw new AssertionError(name);
            }
        }
    }

    @Test
    void getSecretValue_withoutSourceResult_fallsBackToTheIdAndTheParameter() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME, smParameter(SM_NAME, null, null));

        HttpResponse<String> response = client.get("/secretsmanager/get?secretId=prod/api");

        assertThat(response.body()).isEqualTo("{\"ARN\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/api-E18LRP\","
                + "\"Name\":\"prod/api\",\"SecretString\":\"{\\\"user\\\":\\\"app\\\",\\\"pw\\\":\\\"x1\\\"}\","
                + "\"CreatedDate\":1526334434.743}");
    }

    @ParameterizedTest
    @CsvSource({"versionStage=AWSPREVIOUS, :AWSPREVIOUS", "versionId=aaabbbccc-1111, :aaabbbccc-1111"})
    void getSecretValue_stageOrVersionId_becomesTheSelector(String query, String selector) throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME + selector, smParameter(SM_NAME + selector, selector, SOURCE_RESULT));

        HttpResponse<String> response = client.get("/secretsmanager/get?secretId=prod/api&" + query);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("VersionId").asText()).isEqualTo("aaabbbccc-1111");
    }

    @Test
    void getSecretValue_versionIdAndStage_mustAgree() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME + ":aaabbbccc-1111", smParameter(SM_NAME, ":aaabbbccc-1111", SOURCE_RESULT));

        HttpResponse<String> agree = client.get("/secretsmanager/get?secretId=prod/api&versionId=aaabbbccc-1111&versionStage=blue");
        HttpResponse<String> disagree = client.get("/secretsmanager/get?secretId=prod/api&versionId=aaabbbccc-1111&versionStage=AWSPENDING");

        assertThat(agree.statusCode()).isEqualTo(200);
        assertThat(disagree.statusCode()).isEqualTo(400);
        assertThat(json(disagree).get("__type").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(json(disagree).get("message").asText()).contains("'AWSPENDING'").doesNotContain("x1");
    }

    @Test
    void getSecretValue_refreshNow_bypassesTheCache() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");
        backend.ssm.put(SM_NAME, smParameter(SM_NAME, null, SOURCE_RESULT));

        assertThat(client.get("/secretsmanager/get?secretId=prod/api&refreshNow=true").statusCode()).isEqualTo(200);
        assertThat(client.get("/secretsmanager/get?secretId=prod/api&refreshNow=0").statusCode()).isEqualTo(200);
        HttpResponse<String> bad = client.get("/secretsmanager/get?secretId=prod/api&refreshNow=soon");

        assertThat(backend.bypassCalls.get()).isEqualTo(1);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("message").asText()).contains("refreshNow must be true or false; got 'soon'");
    }

    @Test
    void getSecretValue_missingSecret_isTheAgentsResourceNotFound() throws Exception {
        backend.allow = List.of("/aws/reference/secretsmanager/");

        HttpResponse<String> response = client.get("/secretsmanager/get?secretId=prod/gone");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("__type").asText()).isEqualTo("ResourceNotFoundException");
        assertThat(json(response).get("message").asText()).contains("'prod/gone'").contains("ParameterNotFound");
    }

    @Test
    void getSecretValue_withoutSecretId_is400() throws Exception {
        HttpResponse<String> response = client.get("/secretsmanager/get?versionStage=AWSCURRENT");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("message").asText()).contains("'secretId' is required");
    }

    @Test
    void selectorDetection_ignoresTheColonsOfAnArn() {
        assertThat(CompatEndpoints.hasSelector("arn:aws:ssm:us-east-1:123456789012:parameter/prod/x")).isFalse();
        assertThat(CompatEndpoints.hasSelector("arn:aws:ssm:us-east-1:123456789012:parameter/prod/x:4")).isTrue();
        assertThat(CompatEndpoints.hasSelector("my.little.secret")).isFalse();
        assertThat(CompatEndpoints.hasSelector("my.little.secret:blue")).isTrue();
    }
}
