package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.LocalSsmExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkField;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.core.protocol.MarshallingType;
import software.amazon.awssdk.core.traits.ListTrait;
import software.amazon.awssdk.core.traits.MapTrait;
import software.amazon.awssdk.core.traits.TimestampFormatTrait;
import software.amazon.awssdk.services.ssm.model.DeleteParameterResponse;
import software.amazon.awssdk.services.ssm.model.GetParameterHistoryResponse;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.LabelParameterVersionResponse;
import software.amazon.awssdk.services.ssm.model.PutParameterResponse;

/**
 * The JSON the endpoint emits, walked against the SSM service model the SDK ships ({@code SDK_FIELDS} of each
 * response class): every member must be one the model knows, with the JSON type the model's marshalling type
 * needs. The SDK silently ignores unknown members, so only this test catches a misspelt or mistyped one.
 */
class LocalSsmModelConformanceTest {
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start(o -> o.withPageSize(2));
    private final LocalSsm ssm = local.ssm();

    @BeforeEach
    void seed() {
        ssm.put("/app/a", "va", "String");
        ssm.put("/app/b", "vb1", "SecureString");
        ssm.put("/app/b", "vb2", "SecureString");
        ssm.label("/app/b", 1, "blue");
        ssm.put("/app/c/d", "x,y", "StringList");
        ssm.putSecret("prod/db", "{\"password\":\"pw\"}");
        ssm.putSecret("prod/db", "{\"password\":\"pw2\"}");
    }

    @Test
    void getParameter_answersOnlyModelMembers_withModelTypes() throws Exception {
        for (String name : List.of("/app/a", "/app/b:1", "/app/b:blue", ssm.arnOf("/app/c/d"),
                "/aws/reference/secretsmanager/prod/db", "/aws/reference/secretsmanager/prod/db:AWSPREVIOUS")) {
            JsonNode answer = call("GetParameter", "{\"Name\":\"" + name + "\",\"WithDecryption\":true}", 200);

            assertConforms(answer, fields(GetParameterResponse.builder()), "GetParameter(" + name + ")");
            assertThat(names(answer.get("Parameter")))
                    .contains("Name", "Type", "Value", "Version", "LastModifiedDate", "ARN");
        }
    }

    @Test
    void getParameters_answersOnlyModelMembers_withModelTypes() throws Exception {
        JsonNode answer = call("GetParameters", "{\"Names\":[\"/app/a\",\"/app/b:1\",\"/nope\","
                + "\"/aws/reference/secretsmanager/prod/db\"],\"WithDecryption\":true}", 200);

        assertConforms(answer, fields(GetParametersResponse.builder()), "GetParameters");
        assertThat(answer.get("Parameters")).hasSize(3);
        assertThat(answer.get("InvalidParameters").toString()).isEqualTo("[\"/nope\"]");
    }

    @Test
    void getParametersByPath_answersOnlyModelMembers_withModelTypes_onEveryPage() throws Exception {
        JsonNode first = call("GetParametersByPath", "{\"Path\":\"/app\",\"Recursive\":true}", 200);
        JsonNode last = call("GetParametersByPath", "{\"Path\":\"/app\",\"Recursive\":true,\"NextToken\":\""
                + first.get("NextToken").asText() + "\"}", 200);

        assertConforms(first, fields(GetParametersByPathResponse.builder()), "GetParametersByPath page 1");
        assertConforms(last, fields(GetParametersByPathResponse.builder()), "GetParametersByPath page 2");
        assertThat(last.has("NextToken")).isFalse();
    }

    @Test
    void writeOperationsAndHistory_answerOnlyModelMembers_withModelTypes() throws Exception {
        assertConforms(call("PutParameter", "{\"Name\":\"/w/x\",\"Value\":\"v\",\"Type\":\"SecureString\","
                + "\"Description\":\"d\",\"AllowedPattern\":\"v.*\"}", 200),
                fields(PutParameterResponse.builder()), "PutParameter");
        assertConforms(call("LabelParameterVersion", "{\"Name\":\"/w/x\",\"Labels\":[\"ok\",\"1bad\"]}", 200),
                fields(LabelParameterVersionResponse.builder()), "LabelParameterVersion");
        JsonNode history = call("GetParameterHistory", "{\"Name\":\"/w/x\",\"WithDecryption\":true}", 200);
        assertConforms(history, fields(GetParameterHistoryResponse.builder()), "GetParameterHistory");
        assertThat(names(history.get("Parameters").get(0))).contains("KeyId", "Description", "AllowedPattern",
                "LastModifiedUser", "Labels", "Tier", "Policies");
        assertConforms(call("DeleteParameter", "{\"Name\":\"/w/x\"}", 200),
                fields(DeleteParameterResponse.builder()), "DeleteParameter");
    }

    @Test
    void errors_areAwsJsonErrorBodies_withRequestIdHeader() throws Exception {
        HttpResponse<String> r = post("GetParameter", "{\"Name\":\"/nope\"}", true);

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-amz-json-1.1");
        JsonNode body = json.readTree(r.body());
        assertThat(names(body)).containsExactly("__type", "message");
        assertThat(body.get("__type").asText()).isEqualTo("ParameterNotFound");
        assertThat(body.get("message").isTextual()).isTrue();
    }

    @Test
    void requests_withoutAuthorization_orUnknownTargets_areRefused() throws Exception {
        HttpResponse<String> unsigned = post("GetParameter", "{\"Name\":\"/app/a\"}", false);
        HttpResponse<String> unknown = post("DescribeParameters", "{}", true);

        assertThat(unsigned.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unsigned.body()).get("__type").asText()).isEqualTo("MissingAuthenticationTokenException");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(json.readTree(unknown.body()).get("__type").asText()).isEqualTo("UnknownOperationException");
        assertThat(ssm.calls("GetParameter")).extracting(Call::errorCode)
                .containsExactly("MissingAuthenticationTokenException");
    }

    private JsonNode call(String operation, String body, int expectedStatus) throws Exception {
        HttpResponse<String> r = post(operation, body, true);
        assertThat(r.statusCode()).as(operation + " " + r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("x-amzn-RequestId")).isPresent();
        return json.readTree(r.body());
    }

    private HttpResponse<String> post(String operation, String body, boolean signed) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/"))
                .header("Content-Type", "application/x-amz-json-1.1")
                .header("X-Amz-Target", "AmazonSSM." + operation)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signed) {
            b.header("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20240501/us-east-1/ssm/aws4_request, "
                    + "SignedHeaders=host;x-amz-date, Signature=0000");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<SdkField<?>> fields(SdkPojo pojo) {
        return pojo.sdkFields();
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Asserts every member of {@code node} is a model member of the right JSON type, recursively. */
    static void assertConforms(JsonNode node, List<SdkField<?>> fields, String where) {
        assertThat(node.isObject()).as(where + " is a JSON object").isTrue();
        Map<String, SdkField<?>> byName = fields.stream()
                .collect(Collectors.toMap(SdkField::locationName, Function.identity()));
        for (String member : names(node)) {
            SdkField<?> field = byName.get(member);
            assertThat(field).as(where + "." + member + " is a member of the SDK's model " + byName.keySet()).isNotNull();
            assertType(node.get(member), field, where + "." + member);
        }
    }

    private static void assertType(JsonNode value, SdkField<?> field, String where) {
        MarshallingType<?> type = field.marshallingType();
        if (type == MarshallingType.STRING) {
            assertThat(value.isTextual()).as(where + " is a string").isTrue();
        } else if (type == MarshallingType.SDK_BYTES) {
            assertThat(value.isTextual()).as(where + " is a base64 string").isTrue();
            assertThat(java.util.Base64.getDecoder().decode(value.asText())).as(where + " decodes").isNotNull();
        } else if (type == MarshallingType.LONG || type == MarshallingType.INTEGER) {
            assertThat(value.isIntegralNumber()).as(where + " is an integer").isTrue();
        } else if (type == MarshallingType.BOOLEAN) {
            assertThat(value.isBoolean()).as(where + " is a boolean").isTrue();
        } else if (type == MarshallingType.INSTANT) {
            assertThat(field.getOptionalTrait(TimestampFormatTrait.class)).as(where + " has the default format").isEmpty();
            assertThat(value.isNumber()).as(where + " is a timestamp in epoch seconds").isTrue();
        } else if (type == MarshallingType.LIST) {
            assertThat(value.isArray()).as(where + " is a list").isTrue();
            SdkField<?> member = field.getRequiredTrait(ListTrait.class).memberFieldInfo();
            for (int i = 0; i < value.size(); i++) {
                assertType(value.get(i), member, where + "[" + i + "]");
            }
        } else if (type == MarshallingType.MAP) {
            assertThat(value.isObject()).as(where + " is a map").isTrue();
            SdkField<?> member = field.getRequiredTrait(MapTrait.class).valueFieldInfo();
            value.fieldNames().forEachRemaining(k -> assertType(value.get(k), member, where + "[" + k + "]"));
        } else if (type == MarshallingType.SDK_POJO) {
            assertConforms(value, field.constructor().get().sdkFields(), where);
        } else {
            throw new AssertionError(where + ": the endpoint emits a member of type " + type + " this test cannot check");
        }
    }
}
