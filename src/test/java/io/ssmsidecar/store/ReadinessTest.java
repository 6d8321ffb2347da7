package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.reference.Reference;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one readiness rule, on its own: what {@code /readyz}, the healthcheck command and awaitReady answer. */
class ReadinessTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Reference DB = ref("DB", "ssm:///app/db");
    private static final Reference API = ref("API", "ssm:///app/api");
    private static final Reference EXTRA = ref("EXTRA", "ssm:///app/extra?optional");
    private static final List<Reference> REFS = List.of(DB, API, EXTRA);

    private static KeyStatus loaded(String key, Duration ago) {
        return new KeyStatus(key, true, false, NOW.minus(ago), null, null, 0);
    }

    private static KeyStatus stale(String key, Duration ago, String code) {
        return new KeyStatus(key, true, true, NOW.minus(ago), code, "SSM did not answer", 3);
    }

    private static KeyStatus missing(String key, String code) {
        return new KeyStatus(key, false, false, null, code, code == null ? null : "no answer", code == null ? 0 : 1);
    }

    private static Map<String, KeyStatus> allLoaded() {
        return Map.of("DB", loaded("DB", Duration.ofMinutes(1)), "API", loaded("API", Duration.ofMinutes(1)),
                "EXTRA", missing("EXTRA", null));
    }

    private static Readiness of(Map<String, KeyStatus> status, boolean firstLoadDone, boolean delivered,
                                Optional<Duration> maxStaleness) {
        return Readiness.of(REFS, status, firstLoadDone, delivered, maxStaleness, NOW);
    }

    @Test
    void everyRequiredSecretLoadedAndDelivered_isReady_evenWithAnOptionalOneMissing() {
        assertThat(of(allLoaded(), true, true, Optional.empty())).isEqualTo(Readiness.READY);
        assertThat(Readiness.READY.reason()).isEqualTo("ready");
    }

    @Test
    void beforeTheFirstLoadHasRun_isNotReady_whateverTheStatusSays() {
        Readiness r = of(allLoaded(), false, true, Optional.empty());

        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).isEqualTo("initial load in progress");
    }

    @Test
    void requiredSecretsNotLoaded_areNamed_withTheirErrorCode_orPending() {
        Map<String, KeyStatus> status = Map.of("DB", missing("DB", "AccessDeniedException"), "API", missing("API", null),
                "EXTRA", missing("EXTRA", "ParameterNotFound"));

        Readiness r = of(status, true, false, Optional.empty());

        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).isEqualTo("DB not loaded: AccessDeniedException; API not loaded: pending");
    }

    @Test
    void loadedButNotDelivered_isNotReady_andSaysTheFilesAreNotWrittenYet() {
        Readiness r = of(allLoaded(), true, false, Optional.empty());

        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).isEqualTo("secrets loaded but the output files are not written yet");
    }

    @Test
    void missingSecrets_areReportedBeforeTheUndeliveredFiles() {
        Map<String, KeyStatus> status = Map.of("DB", missing("DB", "InternalServerError"),
                "API", loaded("API", Duration.ZERO));

        assertThat(of(status, true, false, Optional.empty()).reason()).isEqualTo("DB not loaded: InternalServerError");
    }

    @Test
    void maxStaleness_failsOnlyASecretNotRefreshedForLonger() {
        Map<String, KeyStatus> status = Map.of("DB", stale("DB", Duration.ofMinutes(11), "InternalServerError"),
                "API", stale("API", Duration.ofMinutes(9), "InternalServerError"));

        Readiness r = of(status, true, true, Optional.of(Duration.ofMinutes(10)));

        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).isEqualTo("DB stale for longer than 600s: InternalServerError");
        assertThat(of(status, true, true, Optional.empty()).ready()).as("no max staleness: last good values serve")
                .isTrue();
        assertThat(of(status, true, true, Optional.of(Duration.ofMinutes(12))).ready()).isTrue();
    }

    @Test
    void allRequiredLoaded_countsStaleValues_andIgnoresOptionalOnes() {
        Map<String, KeyStatus> staleButLoaded = Map.of("DB", stale("DB", Duration.ofHours(5), "ThrottlingException"),
                "API", loaded("API", Duration.ZERO), "EXTRA", missing("EXTRA", "ParameterNotFound"));
        Map<String, KeyStatus> apiMissing = Map.of("DB", loaded("DB", Duration.ZERO), "API", missing("API", null));

        assertThat(Readiness.allRequiredLoaded(REFS, staleButLoaded)).isTrue();
        assertThat(Readiness.allRequiredLoaded(REFS, apiMissing)).isFalse();
        assertThat(Readiness.allRequiredLoaded(REFS, Map.of())).as("no status yet").isFalse();
        assertThat(Readiness.allRequiredLoaded(List.of(EXTRA), Map.of())).as("only optional references").isTrue();
    }
}
