package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalSsmExtension;
import io.ssmsidecar.testing.RecordingMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The SSM source through the real SDK over HTTP against {@link LocalSsm}, faults included. */
class SsmParameterSourceTest {
    static final SsmParameterSource.Limits FAST = new SsmParameterSource.Limits(Duration.ofMillis(500),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), 1);
    static final String KEY_ID = "AKIDSOURCETEST";
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    private final RecordingMetrics metrics = new RecordingMetrics();
    private final List<String> values = new ArrayList<>();
    // A fixed clock: the throttling bucket never refills, so throttling is deterministic.
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start(o -> o.withClock(Clock.fixed(T0, ZoneOffset.UTC)));
    private final LocalSsm ssm = local.ssm();
    private SsmParameterSource source;

    @BeforeEach
    void start() {
        source = SsmParameterSource.create(env(ssm), metrics, FAST);
    }

    @AfterEach
    void stop() {
        source.close();
    }

    static Map<String, String> env(LocalSsm ssm) {
        return Map.of("AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", KEY_ID, "AWS_SECRET_ACCESS_KEY", "not-checked");
    }

    /** Stores a parameter whose value is distinctive, so tests can search messages for it. */
    private String put(String name, String type) {
        String value = "VALUE-" + name.replace('/', '_') + "-" + Integer.toHexString(name.hashCode());
        ssm.put(name, value, type);
        values.add(value);
        return value;
    }

    @Test
    void getParameters_withTenNames_isOneCall_andEachAnswerCarriesTheNameAskedFor() throws Exception {
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "/app/p" + i).toList();
        names.forEach(n -> put(n, "SecureString"));

        FetchResult r = source.getParameters(names);

        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(1);
        assertThat(r.invalid()).isEmpty();
        assertThat(r.parameters()).extracting(Parameter::requestedName).containsExactlyInAnyOrderElementsOf(names);
        assertThat(r.parameters()).allSatisfy(p -> {
            assertThat(p.name()).isEqualTo(p.requestedName());
            assertThat(p.type()).isEqualTo("SecureString");
            assertThat(values).contains(p.value().reveal());
            assertThat(p.version()).isEqualTo(1);
            assertThat(p.lastModified()).isEqualTo(T0);
            assertThat(p.arn()).isEqualTo(ssm.arnOf(p.name()));
            assertThat(p.dataType()).isEqualTo("text");
        });
        assertThat(r.toString()).doesNotContain("VALUE-");
        assertThat(metrics.ssmCalls).containsExactly("GetParameters success");
        assertThat(ssm.calls()).extracting(Call::accessKeyId).containsOnly(KEY_ID);
    }

    @Test
    void getParameters_refusesEmptyOversizedAndDuplicateBatches_withoutCallingSsm() {
        List<String> eleven = IntStream.range(0, 11).mapToObj(i -> "/app/p" + i).toList();

        assertThatThrownBy(() -> source.getParameters(eleven)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 10 names, got 11");
        assertThatThrownBy(() -> source.getParameters(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> source.getParameters(List.of("/a", "/a"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct");
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void getParameters_reportsEveryMissingNameTogether() throws Exception {
        put("/app/a", "String");
        put("/app/b", "String");

        FetchResult r = source.getParameters(List.of("/app/a", "/nope/1", "/app/b", "/nope/2", "/app/a:9"));

        assertThat(r.parameters()).extracting(Parameter::requestedName).containsExactlyInAnyOrder("/app/a", "/app/b");
        assertThat(r.invalid()).containsExactlyInAnyOrder("/nope/1", "/nope/2", "/app/a:9");
        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(1);
    }

    @Test
    void getParametersByPath_with37Items_pagesUntilNoToken_inTheCallsShortPagesNeed() throws Exception {
        List<String> names = IntStream.range(0, 37).mapToObj(i -> "/app/" + (i % 3 == 0 ? "deep/er/" : "") + "p" + i)
                .toList();
        names.forEach(n -> put(n, "String"));
        put("/application/not-below", "String");
        ssm.faults().pageSize(4);

        List<Parameter> shortPages = source.getParametersByPath("/app");
        long shortCalls = ssm.counters().calls("GetParametersByPath");
        ssm.faults().pageSize(10);
        List<Parameter> fullPages = source.getParametersByPath("/app");

        assertThat(shortCalls).isEqualTo(10);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(10 + 4);
        assertThat(shortPages).extracting(Parameter::name).containsExactlyInAnyOrderElementsOf(names);
        assertThat(fullPages).extracting(Parameter::name).containsExactlyInAnyOrderElementsOf(names);
        assertThat(shortPages).allSatisfy(p -> assertThat(p.requestedName()).isEqualTo(p.name()));
        assertThat(ssm.calls("GetParametersByPath")).allSatisfy(c -> assertThat(c.names()).containsExactly("/app"));
        assertThat(metrics.ssmCalls).hasSize(14).containsOnly("GetParametersByPath success");
    }

    @Test
    void getParametersByPath_followsTokensPastEmptyPages() throws Exception {
        List<String> names = IntStream.range(0, 37).mapToObj(i -> "/app/p" + i).toList();
        names.forEach(n -> put(n, "String"));
        ssm.faults().emptyPages(true);

        List<Parameter> all = source.getParametersByPath("/app");

        assertThat(all).extracting(Parameter::name).containsExactlyInAnyOrderElementsOf(names);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(8);
    }

    @Test
    void answers_areKeyedByTheNameAskedFor_forSelectorsArnsAndSecretReferences() throws Exception {
        ssm.put("/prod/db/password", "v1", "SecureString");
        ssm.put("/prod/db/password", "v2", "SecureString");
        ssm.label("/prod/db/password", 1, "blue");
        ssm.put("my.little.secret", "m", "String");
        ssm.putSecret("prod/db", "s1");
        ssm.putSecret("prod/db", "s2");
        String arn = ssm.arnOf("/prod/db/password");
        List<String> asked = List.of("/prod/db/password", "/prod/db/password:1", "/prod/db/password:blue", arn,
                arn + ":2", ssm.arnOf("my.little.secret"), "/aws/reference/secretsmanager/prod/db",
                "/aws/reference/secretsmanager/prod/db:AWSPREVIOUS");

        FetchResult r = source.getParameters(asked);

        Map<String, String> valueByAsked = new HashMap<>();
        r.parameters().forEach(p -> valueByAsked.put(p.requestedName(), p.value().reveal()));
        assertThat(valueByAsked).containsExactlyInAnyOrderEntriesOf(Map.of(
                "/prod/db/password", "v2", "/prod/db/password:1", "v1", "/prod/db/password:blue", "v1",
                arn, "v2", arn + ":2", "v2", ssm.arnOf("my.little.secret"), "m",
                "/aws/reference/secretsmanager/prod/db", "s2",
                "/aws/reference/secretsmanager/prod/db:AWSPREVIOUS", "s1"));
        Parameter previous = r.parameters().stream()
                .filter(p -> p.requestedName().endsWith(":AWSPREVIOUS")).findFirst().orElseThrow();
        assertThat(previous.name()).isEqualTo("/aws/reference/secretsmanager/prod/db");
        assertThat(previous.selector()).isEqualTo(":AWSPREVIOUS");
        assertThat(previous.secretMetadata().json()).contains("\"versionStages\":[\"AWSPREVIOUS\"]");
        assertThat(previous.secretMetadata().stages()).containsExactly("AWSPREVIOUS");
    }

    @Test
    void sourceResult_neverCarriesTheSecret_evenWhenSsmPutsItThere() throws Exception {
        try (LocalSsm awsLike = LocalSsm.start(LocalSsm.Options.defaults().withSourceResultWithSecretString(true));
             SsmParameterSource s = SsmParameterSource.create(env(awsLike), metrics, FAST)) {
            String versionId = awsLike.putSecret("prod/db", "{\"password\":\"TOP-SECRET\"}");

            Parameter p = s.getParameters(List.of("/aws/reference/secretsmanager/prod/db")).parameters().get(0);

            assertThat(p.value().reveal()).isEqualTo("{\"password\":\"TOP-SECRET\"}");
            JsonNode sourceResult = new ObjectMapper().readTree(p.secretMetadata().json());
            assertThat(sourceResult.has("secretString")).isFalse();
            assertThat(sourceResult.get("versionId").asText()).isEqualTo(versionId);
            assertThat(p.secretMetadata().versionId()).isEqualTo(versionId);
            assertThat(p.secretMetadata().json()).doesNotContain("TOP-SECRET");
            assertThat(p.toString()).doesNotContain("TOP-SECRET");
        }
    }

    @Test
    void throttling_isTransient_andCountedAsThrottled() throws Exception {
        put("/app/a", "String");
        ssm.faults().throttleAbove(1);
        source.getParameters(List.of("/app/a"));

        SourceException e = catchThrowableOfType(SourceException.class, () -> source.getParameters(List.of("/app/a")));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.isThrottling()).isTrue();
        assertThat(e.errorCode()).isEqualTo("ThrottlingException");
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e).hasMessage("GetParameters [/app/a]: ThrottlingException (HTTP 400): Rate exceeded");
        assertThat(metrics.ssmCalls).containsExactly("GetParameters success", "GetParameters throttled");
    }

    @Test
    void serverErrors_areTransient() {
        put("/app/a", "String");
        ssm.faults().errorRate(1.0, "InternalServerError");

        SourceException e = catchThrowableOfType(SourceException.class, () -> source.getParameters(List.of("/app/a")));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.isThrottling()).isFalse();
        assertThat(e.errorCode()).isEqualTo("InternalServerError");
        assertThat(e.statusCode()).isEqualTo(500);
        assertThat(metrics.ssmCalls).containsExactly("GetParameters transient");
    }

    @Test
    void answersSlowerThanTheAttemptTimeout_areTransientTimeouts() throws Exception {
        put("/app/a", "String");
        ssm.faults().latency(Duration.ofSeconds(30));
        SsmParameterSource.Limits shortAttempt = new SsmParameterSource.Limits(Duration.ofMillis(500),
                Duration.ofSeconds(5), Duration.ofMillis(300), Duration.ofSeconds(2), 1);

        try (SsmParameterSource s = SsmParameterSource.create(env(ssm), metrics, shortAttempt)) {
            SourceException e = catchThrowableOfType(SourceException.class, () -> s.getParametersByPath("/app"));

            assertThat(e.isTransient()).isTrue();
            assertThat(e.errorCode()).isEqualTo("Timeout");
            assertThat(e.statusCode()).isZero();
            assertThat(e).hasMessageStartingWith("GetParametersByPath [/app]: no answer from SSM within the");
        }
        assertThat(metrics.ssmCalls).containsExactly("GetParametersByPath transient");
    }

    @Test
    void refusedConnections_areTransientIoErrors() {
        ssm.faults().refuseConnections();

        SourceException e = catchThrowableOfType(SourceException.class, () -> source.getParameters(List.of("/app/a")));

        assertThat(e.isTransient()).isTrue();
        assertThat(e.errorCode()).isEqualTo("IOError");
        assertThat(e.statusCode()).isZero();
        assertThat(e).hasMessageStartingWith("GetParameters [/app/a]: cannot reach SSM: ConnectException");
        assertThat(metrics.ssmCalls).containsExactly("GetParameters transient");
    }

    @ParameterizedTest
    @CsvSource({"AccessDeniedException", "InvalidKeyId"})
    void accessDeniedAndBadKeys_arePermanent_andNameTheParameter(String code) {
        put("/app/a", "String");
        put("/app/secret/b", "SecureString");
        ssm.faults().deny("/app/secret", code);

        SourceException e = catchThrowableOfType(SourceException.class,
                () -> source.getParameters(List.of("/app/a", "/app/secret/b")));

        assertThat(e.isTransient()).isFalse();
        assertThat(e.errorCode()).isEqualTo(code);
        assertThat(e.statusCode()).isEqualTo(400);
        assertThat(e).hasMessageStartingWith("GetParameters [/app/a, /app/secret/b]: " + code + " (HTTP 400)")
                .hasMessageContaining("/app/secret/b");
        assertThat(metrics.ssmCalls).containsExactly("GetParameters permanent");
    }

    @Test
    void aPathFailingOnItsSecondPage_isPermanent_afterTwoCalls() {
        IntStream.range(0, 8).forEach(i -> put("/app/p" + i, "String"));
        ssm.faults().pageSize(4).deny("/app/p6");

        SourceException e = catchThrowableOfType(SourceException.class, () -> source.getParametersByPath("/app"));

        assertThat(e.errorCode()).isEqualTo("AccessDeniedException");
        assertThat(e.isTransient()).isFalse();
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(2);
        assertThat(metrics.ssmCalls).containsExactly("GetParametersByPath success", "GetParametersByPath permanent");
    }

    @Test
    void invalidPaths_arePermanentValidationErrors() {
        SourceException e = catchThrowableOfType(SourceException.class, () -> source.getParametersByPath("no-slash"));

        assertThat(e.errorCode()).isEqualTo("ValidationException");
        assertThat(e.isTransient()).isFalse();
    }

    @Test
    void oneTransientFailure_isRetriedOnce_withTwoAttempts() throws Exception {
        put("/app/a", "String");
        ssm.faults().failNext(1, "InternalServerError");
        SsmParameterSource.Limits twoAttempts = new SsmParameterSource.Limits(Duration.ofMillis(500),
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), 2);

        try (SsmParameterSource s = SsmParameterSource.create(env(ssm), metrics, twoAttempts)) {
            assertThat(s.getParameters(List.of("/app/a")).parameters()).hasSize(1);
        }
        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(2);
        assertThat(metrics.ssmCalls).containsExactly("GetParameters success");
    }

    @Test
    void noFailureMessage_everContainsAValue() {
        put("/app/a", "SecureString");
        put("/app/secret/b", "SecureString");
        List<String> messages = new ArrayList<>();
        Runnable[] faults = {
            () -> ssm.faults().clear().failNext(1, "ThrottlingException"),
            () -> ssm.faults().clear().errorRate(1, "InternalServerError"),
            () -> ssm.faults().clear().deny("/app/secret"),
            () -> ssm.faults().clear().deny("/app/secret", "InvalidKeyId"),
            () -> ssm.faults().clear().refuseConnections(),
        };
        for (Runnable fault : faults) {
            fault.run();
            for (ThrowingCall call : List.<ThrowingCall>of(() -> source.getParameters(List.of("/app/a", "/app/secret/b")),
                    () -> source.getParametersByPath("/app"))) {
                try {
                    call.run();
                } catch (SourceException e) {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        messages.add(String.valueOf(t.getMessage()));
                        messages.add(t.toString());
                    }
                }
            }
        }

        assertThat(messages).hasSizeGreaterThanOrEqualTo(20);
        for (String value : values) {
            assertThat(messages).noneMatch(m -> m.contains(value));
        }
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws SourceException;
    }

    @Test
    void configuration_comesFromTheGivenMap_withAwsEndpointUrlAndDefaultRegionAsFallbacks() throws Exception {
        put("/app/a", "String");
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL", ssm.endpoint().toString(),
                "AWS_DEFAULT_REGION", "eu-west-1", "AWS_ACCESS_KEY_ID", "AKIDFALLBACK",
                "AWS_SECRET_ACCESS_KEY", "x", "AWS_SESSION_TOKEN", "token");

        try (SsmParameterSource s = SsmParameterSource.create(env, metrics, FAST)) {
            assertThat(s.getParameters(List.of("/app/a")).parameters()).hasSize(1);
            assertThat(s.toString()).contains("eu-west-1");
        }
        assertThat(ssm.calls()).extracting(Call::accessKeyId).containsExactly("AKIDFALLBACK");
    }

    @Test
    void noRegionAnywhere_isAClearErrorSayingToSetAwsRegion() {
        Map<String, String> env = Map.of("AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString());

        assertThatThrownBy(() -> SsmParameterSource.create(env, metrics, FAST,
                () -> { throw SdkClientException.create("Unable to load region"); }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("no AWS region configured: set AWS_REGION");
    }

    @Test
    void halfAStaticKeyPair_orAMalformedEndpoint_isRefused_namingTheVariable() {
        assertThatThrownBy(() -> SsmParameterSource.create(Map.of("AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKID"), metrics, FAST))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
        assertThatThrownBy(() -> SsmParameterSource.create(Map.of("AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_SSM", "localhost:4583"), metrics, FAST))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS_ENDPOINT_URL_SSM must be an http:// or https:// URL")
                .hasMessageContaining("'localhost:4583'");
        assertThatThrownBy(() -> new SsmParameterSource.Limits(Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(1), 1)).hasMessageContaining("PT0S");
    }
}
