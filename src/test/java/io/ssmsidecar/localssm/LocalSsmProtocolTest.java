package io.ssmsidecar.localssm;

import io.ssmsidecar.testing.LocalSsmExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParameterHistoryResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.InvalidNextTokenException;
import software.amazon.awssdk.services.ssm.model.LabelParameterVersionResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterAlreadyExistsException;
import software.amazon.awssdk.services.ssm.model.ParameterHistory;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterTier;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.ParameterVersionLabelLimitExceededException;
import software.amazon.awssdk.services.ssm.model.ParameterVersionNotFoundException;
import software.amazon.awssdk.services.ssm.model.PutParameterResponse;
import software.amazon.awssdk.services.ssm.model.SsmException;
import software.amazon.awssdk.services.ssm.model.ValidationException;

/** Every operation through the real SDK over HTTP: the endpoint must answer as SSM does. */
class LocalSsmProtocolTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123Z");
    private final ObjectMapper json = new ObjectMapper();
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.startAt(T0);
    private final LocalSsm ssm = local.ssm();
    private final SsmClient client = local.client();

    @Test
    void putParameter_startsAtVersionOne_andOverwriteIncrements() {
        PutParameterResponse first = client.putParameter(r -> r.name("/app/a").value("v1").type(ParameterType.STRING));
        PutParameterResponse second = client.putParameter(r -> r.name("/app/a").value("v2").overwrite(true));

        assertThat(first.version()).isEqualTo(1);
        assertThat(first.tier()).isEqualTo(ParameterTier.STANDARD);
        assertThat(second.version()).isEqualTo(2);
        Parameter p = client.getParameter(r -> r.name("/app/a")).parameter();
        assertThat(p.value()).isEqualTo("v2");
        assertThat(p.type()).isEqualTo(ParameterType.STRING);
    }

    @Test
    void putParameter_withoutOverwrite_onAnExistingName_isParameterAlreadyExists() {
        ssm.put("/app/a", "v1");

        ParameterAlreadyExistsException e = catchThrowableOfType(ParameterAlreadyExistsException.class,
                () -> client.putParameter(r -> r.name("/app/a").value("v2").type(ParameterType.STRING)));

        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterAlreadyExists");
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(client.getParameter(r -> r.name("/app/a")).parameter().version()).isEqualTo(1);
    }

    @ParameterizedTest
    @CsvSource({"/ssm/x", "ssm-thing", "/a b", "a/b", "/a//b", "/a/b/"})
    void putParameter_rejectsNamesSsmRejects(String name) {
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> client.putParameter(r -> r.name(name).value("v").type(ParameterType.STRING)));

        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
        assertThat(e.awsErrorDetails().errorMessage()).contains("sub-paths divided by slash symbol");
    }

    @ParameterizedTest
    @CsvSource({"/aws/x", "awsx", "/AWS-x"})
    void putParameter_reservedAwsPrefix_isAccessDenied_asSsmAnswers(String name) {
        SsmException e = catchThrowableOfType(SsmException.class,
                () -> client.putParameter(r -> r.name(name).value("v").type(ParameterType.STRING)));

        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("No access to reserved parameter name: " + name + ".");
    }

    @Test
    void putParameter_largerThanStandardTier_needsAdvanced() {
        String big = "x".repeat(5000);

        assertThatThrownBy(() -> client.putParameter(r -> r.name("/big").value(big).type(ParameterType.STRING)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("4096");
        PutParameterResponse advanced = client.putParameter(r -> r.name("/big").value(big)
                .type(ParameterType.STRING).tier(ParameterTier.ADVANCED));
        assertThat(advanced.tier()).isEqualTo(ParameterTier.ADVANCED);
    }

    @Test
    void getParameter_answersEveryModelField_withTheClockAsLastModified() {
        ssm.put("/app/db/password", "pw", "SecureString");

        Parameter p = client.getParameter(r -> r.name("/app/db/password").withDecryption(true)).parameter();

        assertThat(p.name()).isEqualTo("/app/db/password");
        assertThat(p.type()).isEqualTo(ParameterType.SECURE_STRING);
        assertThat(p.value()).isEqualTo("pw");
        assertThat(p.version()).isEqualTo(1);
        assertThat(p.selector()).isNull();
        assertThat(p.lastModifiedDate()).isEqualTo(T0);
        assertThat(p.arn()).isEqualTo("arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password");
        assertThat(p.dataType()).isEqualTo("text");
        assertThat(p.sourceResult()).isNull();
    }

    @Test
    void getParameter_secureStringWithoutDecryption_answersCiphertextNotTheValue() {
        ssm.put("/app/db/password", "plain-pw", "SecureString");

        Parameter p = client.getParameter(r -> r.name("/app/db/password")).parameter();

        assertThat(p.value()).doesNotContain("plain-pw").startsWith("AQICAH");
    }

    @Test
    void getParameter_ofAMissingName_isParameterNotFound() {
        ParameterNotFoundException e = catchThrowableOfType(ParameterNotFoundException.class,
                () -> client.getParameter(r -> r.name("/nope")));

        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterNotFound");
        assertThat(e.statusCode()).isEqualTo(400);
    }

    @Test
    void getParameter_withVersionSelector_answersTheBareNameAndTheSelector() {
        ssm.put("/app/a", "v1");
        ssm.put("/app/a", "v2");

        Parameter p = client.getParameter(r -> r.name("/app/a:1")).parameter();

        assertThat(p.name()).isEqualTo("/app/a");
        assertThat(p.selector()).isEqualTo(":1");
        assertThat(p.version()).isEqualTo(1);
        assertThat(p.value()).isEqualTo("v1");
        ParameterVersionNotFoundException e = catchThrowableOfType(ParameterVersionNotFoundException.class,
                () -> client.getParameter(r -> r.name("/app/a:3")));
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ParameterVersionNotFound");
    }

    @Test
    void getParameter_withLabelSelector_answersTheLabelledVersion() {
        ssm.put("/app/a", "v1");
        ssm.put("/app/a", "v2");
        ssm.label("/app/a", 1, "blue");

        Parameter p = client.getParameter(r -> r.name("/app/a:blue")).parameter();

        assertThat(p.selector()).isEqualTo(":blue");
        assertThat(p.version()).isEqualTo(1);
        assertThat(p.value()).isEqualTo("v1");
        assertThatThrownBy(() -> client.getParameter(r -> r.name("/app/a:green")))
                .isInstanceOf(ParameterVersionNotFoundException.class);
    }

    @Test
    void getParameters_answersAlphabetically_andListsMissingNamesAndVersionsAsInvalid() {
        ssm.put("/b", "vb");
        ssm.put("/a", "va");
        ssm.put("c", "vc");

        GetParametersResponse r = client.getParameters(q -> q.names("c", "/nope", "/b", "/a", "/a:7", "/a:1"));

        assertThat(r.parameters()).extracting(Parameter::name).containsExactly("/a", "/a", "/b", "c");
        assertThat(r.parameters()).extracting(Parameter::selector).containsExactly(null, ":1", null, null);
        assertThat(r.invalidParameters()).containsExactlyInAnyOrder("/nope", "/a:7");
    }

    @Test
    void getParameters_withMoreThanTenNames_isValidationException() {
        List<String> eleven = IntStream.range(0, 11).mapToObj(i -> "/n" + i).toList();

        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> client.getParameters(q -> q.names(eleven)));

        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
        assertThat(e.awsErrorDetails().errorMessage()).contains("less than or equal to 10");
    }

    @Test
    void getParametersByPath_answersShortPagesWhileMoreFollow_untilNoToken() {
        List<String> names = List.of("/app/a", "/app/b", "/app/c", "/app/d/e", "/app/d/f", "/app/g", "/app/h/i/j");
        names.forEach(n -> ssm.put(n, "v"));
        ssm.put("/apple", "not below /app");
        ssm.faults().pageSize(3);

        List<GetParametersByPathResponse> pages = new ArrayList<>();
        client.getParametersByPathPaginator(r -> r.path("/app").recursive(true).maxResults(10)).forEach(pages::add);

        assertThat(pages).extracting(p -> p.parameters().size()).containsExactly(3, 3, 1);
        assertThat(pages.subList(0, 2)).allSatisfy(p -> assertThat(p.nextToken()).isNotBlank());
        assertThat(pages.get(2).nextToken()).isNull();
        assertThat(pages.stream().flatMap(p -> p.parameters().stream()).map(Parameter::name))
                .containsExactlyElementsOf(names);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(3);
    }

    @Test
    void getParametersByPath_withEmptyPages_servesEveryOtherPageEmptyWithAToken() {
        List<String> names = List.of("/app/a", "/app/b", "/app/c", "/app/d", "/app/e");
        names.forEach(n -> ssm.put(n, "v"));
        ssm.faults().pageSize(3).emptyPages(true);

        List<GetParametersByPathResponse> pages = new ArrayList<>();
        client.getParametersByPathPaginator(r -> r.path("/app").recursive(true)).forEach(pages::add);

        assertThat(pages).extracting(p -> p.parameters().size()).containsExactly(0, 3, 0, 2);
        assertThat(pages.subList(0, 3)).allSatisfy(p -> assertThat(p.nextToken()).isNotBlank());
        assertThat(pages.stream().flatMap(p -> p.parameters().stream()).map(Parameter::name))
                .containsExactlyElementsOf(names);
    }

    @Test
    void getParametersByPath_notRecursive_answersOnlyDirectChildren() {
        List.of("/app/a", "/app/d/e", "/app/g").forEach(n -> ssm.put(n, "v"));

        GetParametersByPathResponse r = client.getParametersByPath(q -> q.path("/app/").recursive(false));

        assertThat(r.parameters()).extracting(Parameter::name).containsExactly("/app/a", "/app/g");
    }

    @Test
    void getParametersByPath_rejectsForeignTokensAndMaxResultsAboveTen() {
        IntStream.range(0, 4).forEach(i -> ssm.put("/app/p" + i, "v"));
        String token = client.getParametersByPath(q -> q.path("/app").maxResults(2)).nextToken();

        InvalidNextTokenException e = catchThrowableOfType(InvalidNextTokenException.class,
                () -> client.getParametersByPath(q -> q.path("/other").nextToken(token)));
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidNextToken");
        assertThatThrownBy(() -> client.getParametersByPath(q -> q.path("/app").maxResults(11)))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void labelParameterVersion_movesALabelFromOneVersionToAnother() {
        ssm.put("/app/a", "v1");
        ssm.put("/app/a", "v2");

        client.labelParameterVersion(r -> r.name("/app/a").parameterVersion(1L).labels("blue"));
        assertThat(client.getParameter(r -> r.name("/app/a:blue")).parameter().version()).isEqualTo(1);
        LabelParameterVersionResponse moved = client.labelParameterVersion(r -> r.name("/app/a").labels("blue"));

        assertThat(moved.parameterVersion()).isEqualTo(2);
        assertThat(client.getParameter(r -> r.name("/app/a:blue")).parameter().version()).isEqualTo(2);
        List<ParameterHistory> history = client.getParameterHistory(r -> r.name("/app/a")).parameters();
        assertThat(history).extracting(ParameterHistory::labels).containsExactly(List.of(), List.of("blue"));
    }

    @Test
    void labelParameterVersion_answersLabelsBreakingTheRulesAsInvalid_andAppliesTheRest() {
        ssm.put("/app/a", "v1");
        String tooLong = "l".repeat(101);

        LabelParameterVersionResponse r = client.labelParameterVersion(q -> q.name("/app/a")
                .labels("ok-label", "1starts-with-digit", "aws-reserved", "SSMreserved", tooLong, "has space"));

        assertThat(r.invalidLabels()).containsExactly("1starts-with-digit", "aws-reserved", "SSMreserved", tooLong,
                "has space");
        assertThat(client.getParameter(q -> q.name("/app/a:ok-label")).parameter().version()).isEqualTo(1);
    }

    @Test
    void labelParameterVersion_beyondTenLabelsOnAVersion_isLimitExceeded_andMissingVersionIsNotFound() {
        ssm.put("/app/a", "v1");
        client.labelParameterVersion(q -> q.name("/app/a").labels("l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7",
                "l8", "l9"));

        assertThatThrownBy(() -> client.labelParameterVersion(q -> q.name("/app/a").labels("l10")))
                .isInstanceOf(ParameterVersionLabelLimitExceededException.class);
        assertThatThrownBy(() -> client.labelParameterVersion(q -> q.name("/app/a").parameterVersion(5L).labels("x")))
                .isInstanceOf(ParameterVersionNotFoundException.class);
    }

    @Test
    void getParameterHistory_listsVersionsOldestFirst_inPages() {
        ssm.put("/app/a", "v1");
        local.clock().advance(Duration.ofMinutes(1));
        ssm.put("/app/a", "v2", "SecureString");
        local.clock().advance(Duration.ofMinutes(1));
        ssm.put("/app/a", "v3");

        GetParameterHistoryResponse first = client.getParameterHistory(r -> r.name("/app/a").maxResults(2)
                .withDecryption(true));
        GetParameterHistoryResponse second = client.getParameterHistory(r -> r.name("/app/a").maxResults(2)
                .nextToken(first.nextToken()));

        assertThat(first.parameters()).extracting(ParameterHistory::version).containsExactly(1L, 2L);
        assertThat(first.parameters()).extracting(ParameterHistory::value).containsExactly("v1", "v2");
        assertThat(first.parameters().get(1).keyId()).isEqualTo("alias/aws/ssm");
        assertThat(first.parameters().get(1).lastModifiedDate()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        assertThat(second.parameters()).extracting(ParameterHistory::version).containsExactly(3L);
        assertThat(second.nextToken()).isNull();
    }

    @Test
    void deleteParameter_removesEveryVersion_andAMissingNameIsNotFound() {
        ssm.put("/app/a", "v1");
        ssm.put("/app/a", "v2");

        client.deleteParameter(r -> r.name("/app/a"));

        assertThatThrownBy(() -> client.getParameter(r -> r.name("/app/a:1")))
                .isInstanceOf(ParameterNotFoundException.class);
        assertThatThrownBy(() -> client.deleteParameter(r -> r.name("/app/a")))
                .isInstanceOf(ParameterNotFoundException.class);
    }

    @Test
    void arnNames_resolveTheParameter_andTheAnswerCarriesTheBareName() {
        ssm.put("/prod/db/password", "v1");
        ssm.put("/prod/db/password", "v2");
        ssm.put("my.little.secret", "m");
        String arn = ssm.arnOf("/prod/db/password");

        Parameter byArn = client.getParameter(r -> r.name(arn)).parameter();
        Parameter byArnAndVersion = client.getParameter(r -> r.name(arn + ":1")).parameter();
        GetParametersResponse batch = client.getParameters(r -> r.names(ssm.arnOf("my.little.secret"),
                "arn:aws:ssm:us-east-1:999999999999:parameter/prod/db/password"));

        assertThat(arn).isEqualTo("arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password");
        assertThat(byArn.name()).isEqualTo("/prod/db/password");
        assertThat(byArn.arn()).isEqualTo(arn);
        assertThat(byArn.value()).isEqualTo("v2");
        assertThat(byArnAndVersion.selector()).isEqualTo(":1");
        assertThat(byArnAndVersion.value()).isEqualTo("v1");
        assertThat(batch.parameters()).extracting(Parameter::name).containsExactly("my.little.secret");
        assertThat(batch.invalidParameters()).containsExactly(
                "arn:aws:ssm:us-east-1:999999999999:parameter/prod/db/password");
    }

    @Test
    void secretsManagerReference_answersTheCurrentSecret_withSourceResultShapedLikeSecretsManager() throws Exception {
        String v1 = ssm.putSecret("prod/db", "{\"password\":\"first\"}");
        local.clock().advance(Duration.ofHours(1));
        String v2 = ssm.putSecret("prod/db", "{\"password\":\"second\"}");

        Parameter current = client.getParameter(r -> r.name("/aws/reference/secretsmanager/prod/db")
                .withDecryption(true)).parameter();
        Parameter previous = client.getParameter(r -> r.name("/aws/reference/secretsmanager/prod/db:AWSPREVIOUS")
                .withDecryption(true)).parameter();

        assertThat(current.name()).isEqualTo("/aws/reference/secretsmanager/prod/db");
        assertThat(current.type()).isEqualTo(ParameterType.SECURE_STRING);
        assertThat(current.value()).isEqualTo("{\"password\":\"second\"}");
        assertThat(current.version()).isZero();
        assertThat(current.dataType()).isNull();
        assertThat(current.lastModifiedDate()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(current.arn()).matches("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-[A-Za-z0-9]{6}");
        JsonNode source = json.readTree(current.sourceResult());
        List<String> keys = new ArrayList<>();
        source.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("ARN", "name", "versionId", "versionStages", "createdDate");
        assertThat(source.get("ARN").asText()).isEqualTo(current.arn());
        assertThat(source.get("name").asText()).isEqualTo("prod/db");
        assertThat(source.get("versionId").asText()).isEqualTo(v2);
        assertThat(source.get("versionStages").toString()).isEqualTo("[\"AWSCURRENT\"]");
        assertThat(source.get("createdDate").asText()).isEqualTo("May 1, 2024, 11:00:00 AM");
        assertThat(current.sourceResult()).doesNotContain("second");

        assertThat(previous.selector()).isEqualTo(":AWSPREVIOUS");
        assertThat(previous.value()).isEqualTo("{\"password\":\"first\"}");
        assertThat(json.readTree(previous.sourceResult()).get("versionId").asText()).isEqualTo(v1);
        assertThat(json.readTree(previous.sourceResult()).get("versionStages").toString()).isEqualTo("[\"AWSPREVIOUS\"]");
    }

    @Test
    void secretsManagerReference_selectsAVersionById_andNeedsDecryption() {
        String v1 = ssm.putSecret("prod/db", "first");
        ssm.putSecret("prod/db", "second");

        Parameter byId = client.getParameter(r -> r.name("/aws/reference/secretsmanager/prod/db:" + v1)
                .withDecryption(true)).parameter();

        assertThat(byId.value()).isEqualTo("first");
        ValidationException e = catchThrowableOfType(ValidationException.class,
                () -> client.getParameter(r -> r.name("/aws/reference/secretsmanager/prod/db")));
        assertThat(e.awsErrorDetails().errorMessage()).contains("WithDecryption");
    }

    @Test
    void secretsManagerReference_missingSecretsAreNotFound_andPathsNeverListSecrets() {
        ssm.putSecret("prod/db", "s");

        assertThatThrownBy(() -> client.getParameter(r -> r.name("/aws/reference/secretsmanager/prod/nope")
                .withDecryption(true))).isInstanceOf(ParameterNotFoundException.class);
        GetParametersResponse batch = client.getParameters(r -> r.withDecryption(true)
                .names("/aws/reference/secretsmanager/prod/nope", "/aws/reference/secretsmanager/prod/db:AWSPENDING"));
        assertThat(batch.invalidParameters()).containsExactlyInAnyOrder("/aws/reference/secretsmanager/prod/nope",
                "/aws/reference/secretsmanager/prod/db:AWSPENDING");
        assertThat(client.getParametersByPath(r -> r.path("/aws/reference/secretsmanager").recursive(true)
                .withDecryption(true)).parameters()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
        "ThrottlingException, 400, software.amazon.awssdk.services.ssm.model.ThrottlingException",
        "InternalServerError, 500, software.amazon.awssdk.services.ssm.model.InternalServerErrorException",
        "AccessDeniedException, 400, software.amazon.awssdk.services.ssm.model.AccessDeniedException",
        "InvalidKeyId, 400, software.amazon.awssdk.services.ssm.model.InvalidKeyIdException",
        "ParameterNotFound, 400, software.amazon.awssdk.services.ssm.model.ParameterNotFoundException",
        "ValidationException, 400, software.amazon.awssdk.services.ssm.model.ValidationException"
    })
    void injectedErrors_reachTheSdkAsItsOwnExceptionTypes(String code, int status, String sdkType) throws Exception {
        ssm.put("/app/a", "v");
        ssm.faults().failNext(1, code);

        AwsServiceException e = catchThrowableOfType(AwsServiceException.class,
                () -> client.getParameters(r -> r.names("/app/a")));

        assertThat(e).isInstanceOf(Class.forName(sdkType));
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
        assertThat(e.statusCode()).isEqualTo(status);
        assertThat(e.isThrottlingException()).isEqualTo(code.equals("ThrottlingException"));
        assertThat(e.requestId()).isNotBlank();
    }
}
