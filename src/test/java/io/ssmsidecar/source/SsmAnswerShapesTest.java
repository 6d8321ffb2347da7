package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ssmsidecar.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Matching answers to requests for every shape an SSM may answer in (AWS's, moto's, ambiguous ones), through the real
 * SDK over HTTP against {@link ShapedSsm}. The rule under test: a value lands under a name only when the answer is
 * provably that name's; else the batch is split, or the call fails with {@code UnmatchedAnswer}.
 */
class SsmAnswerShapesTest {
    private static final SsmParameterSource.Limits FAST = new SsmParameterSource.Limits(Duration.ofMillis(500),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), 1);

    private ShapedSsm ssm;
    private SsmParameterSource source;

    private void start(ShapedSsm.Shape shape) throws Exception {
        ssm = new ShapedSsm(shape);
        ssm.put("/app/db", "db-v1", "db-v2", "db-v3");
        ssm.label("/app/db", "blue", 1);
        ssm.label("/app/db", "green", 2);
        ssm.put("/app/api", "api-v1", "api-v2");
        ssm.label("/app/api", "live", 1);
        ssm.put("shared", "param-shared");
        ssm.secret("prod/db", "secret-prod-db");
        ssm.secret("shared", "secret-shared");
        source = SsmParameterSource.create(Map.of("AWS_ENDPOINT_URL_SSM", ssm.endpoint(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKIDSHAPES", "AWS_SECRET_ACCESS_KEY", "not-checked"), Metrics.noop(), FAST);
    }

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        if (ssm != null) {
            ssm.close();
        }
    }

    private Map<String, String> fetch(String... names) throws SourceException {
        FetchResult r = source.getParameters(List.of(names));
        Map<String, String> values = new TreeMap<>();
        r.parameters().forEach(p -> values.put(p.requestedName(), p.value().reveal()));
        r.invalid().forEach(n -> values.put(n, "(invalid)"));
        return values;
    }

    @ParameterizedTest
    @EnumSource(ShapedSsm.Shape.class)
    void everyReferenceForm_withOneRequestPerName_isMatchedInOneCall(ShapedSsm.Shape shape) throws Exception {
        start(shape);

        Map<String, String> values = fetch("/app/db:1", "/app/api:live", "/aws/reference/secretsmanager/prod/db",
                "shared", "/app/gone", "/app/db:9");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("/app/db:1", "db-v1", "/app/api:live", "api-v1",
                "/aws/reference/secretsmanager/prod/db", "secret-prod-db", "shared", "param-shared",
                "/app/gone", "(invalid)", "/app/db:9", "(invalid)"));
        assertThat(ssm.calls).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(ShapedSsm.Shape.class)
    void versionsOfOneName_areTold_apartByVersion_inOneCall(ShapedSsm.Shape shape) throws Exception {
        start(shape);

        Map<String, String> values = fetch("/app/db:1", "/app/db:2", "/app/db:3", "/app/api:1");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("/app/db:1", "db-v1", "/app/db:2", "db-v2",
                "/app/db:3", "db-v3", "/app/api:1", "api-v1"));
        assertThat(ssm.calls).hasSize(1);
    }

    @Test
    void labelsAndTheBareName_ofOneName_areMatchedBySelector_whenAwsEchoesIt() throws Exception {
        start(ShapedSsm.Shape.AWS);

        Map<String, String> values = fetch("/app/db", "/app/db:blue", "/app/db:green", "/app/db:1");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("/app/db", "db-v3", "/app/db:blue", "db-v1",
                "/app/db:green", "db-v2", "/app/db:1", "db-v1"));
        assertThat(ssm.calls).hasSize(1);
    }

    @Test
    void labelsAndTheBareName_ofOneName_withoutSelector_areAskedAgainOneByOne() throws Exception {
        start(ShapedSsm.Shape.MOTO);

        Map<String, String> values = fetch("/app/db", "/app/db:blue", "/app/db:green", "/app/db:1", "/app/api");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("/app/db", "db-v3", "/app/db:blue", "db-v1",
                "/app/db:green", "db-v2", "/app/db:1", "db-v1", "/app/api", "api-v2"));
        // The first call settles /app/db:1 (by version) and /app/api (alone); the other three are asked alone.
        assertThat(ssm.calls).containsExactly(
                List.of("/app/db", "/app/db:blue", "/app/db:green", "/app/db:1", "/app/api"),
                List.of("/app/db"), List.of("/app/db:blue"), List.of("/app/db:green"));
    }

    @Test
    void aParameterAndASecret_answeredUnderOneName_areAskedAgainOneByOne() throws Exception {
        start(ShapedSsm.Shape.MOTO);

        Map<String, String> values = fetch("shared", "/aws/reference/secretsmanager/shared");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("shared", "param-shared",
                "/aws/reference/secretsmanager/shared", "secret-shared"));
        assertThat(ssm.calls).hasSize(3);
    }

    @Test
    void aLabelAndTheBareName_resolvingToOneVersion_needNoSecondCall() throws Exception {
        start(ShapedSsm.Shape.MOTO);

        Map<String, String> values = fetch("/app/api", "/app/api:2", "/app/db:blue", "/app/db:1");

        assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of("/app/api", "api-v2", "/app/api:2", "api-v2",
                "/app/db:blue", "db-v1", "/app/db:1", "db-v1"));
        assertThat(ssm.calls).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(ShapedSsm.Shape.class)
    void anAnswerForAnotherVersion_isNeverTakenForTheVersionAskedFor(ShapedSsm.Shape shape) throws Exception {
        start(shape);
        ssm.ignoreSelectors = true;

        SourceException alone = catchThrowableOfType(SourceException.class, () -> fetch("/app/db:1"));
        SourceException batch = catchThrowableOfType(SourceException.class,
                () -> fetch("/app/db:1", "/app/api:1", "shared"));

        assertThat(alone.errorCode()).isEqualTo("UnmatchedAnswer");
        assertThat(alone.getMessage()).contains("/app/db:1").doesNotContain("db-v3");
        // In a batch, the names settled stay; the unproven one is asked alone, and fails there.
        assertThat(batch.errorCode()).isEqualTo("UnmatchedAnswer");
        assertThat(batch.getMessage()).contains("[/app/db:1]").doesNotContain("db-v3");
    }

    @Test
    void aLabelAnsweredWithoutSelector_isTakenByName_whenNoOtherAnswerCouldBeIts() throws Exception {
        start(ShapedSsm.Shape.MOTO);
        ssm.ignoreSelectors = true;

        // Alone, moto's shape for a label is trusted (it names the parameter); that is the documented limit.
        assertThat(fetch("/app/api:live")).containsEntry("/app/api:live", "api-v2");
        // Two labels of one name answered with one version and value: whichever answer is whose, the value is the one
        // the server gave for each, so no second call is needed.
        assertThat(fetch("/app/db:blue", "/app/db:green")).containsEntry("/app/db:blue", "db-v3")
                .containsEntry("/app/db:green", "db-v3");
        assertThat(ssm.calls).hasSize(2);
    }
}
