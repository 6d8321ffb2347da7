package io.ssmsidecar.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The resolver over the real SDK and the local endpoint: call counts, failures, JSON keys, paths. */
class ResolverTest {
    private final ManualClock clock = new ManualClock();
    private LocalWire wire;
    private Resolver resolver;

    @BeforeEach
    void start() {
        wire = LocalWire.start(clock);
        resolver = new Resolver(wire.source, clock);
    }

    @AfterEach
    void stop() {
        wire.close();
    }

    static Reference ref(String key, String value) {
        try {
            return ReferenceParser.parse(key, value);
        } catch (ReferenceException e) {
            throw new AssertionError(e);
        }
    }

    private List<Reference> declare(int n) {
        List<Reference> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            wire.ssm.put("/batch/p" + i, "value-" + i, "SecureString");
            refs.add(ref("K" + i, "ssm:///batch/p" + i));
        }
        return refs;
    }

    @ParameterizedTest(name = "{0} names -> {1} GetParameters calls")
    @CsvSource({"1,1", "10,1", "11,2", "25,3"})
    void resolve_batchesNamesTenPerCall(int names, int expectedCalls) {
        List<Reference> refs = declare(names);
        wire.ssm.counters().reset();

        Resolution r = resolver.resolve(refs);

        assertThat(r.failures()).isEmpty();
        assertThat(r.secrets()).hasSize(names);
        assertThat(wire.ssm.counters().calls("GetParameters")).isEqualTo(expectedCalls);
        assertThat(wire.ssm.counters().total()).isEqualTo(expectedCalls);
        assertThat(r.calls()).isEqualTo(expectedCalls);
        assertThat(wire.ssm.calls("GetParameters")).allSatisfy(c -> assertThat(c.names()).hasSizeLessThanOrEqualTo(10));
    }

    @Test
    void resolve_pathOf37_pagesUntilTheEnd_withTheMinimumCalls() {
        for (int i = 0; i < 37; i++) {
            wire.ssm.put("/app/p" + String.format("%02d", i), "v" + i, "SecureString");
        }
        wire.ssm.counters().reset();

        Resolution r = resolver.resolve(List.of(ref("APP", "ssm:///app/*")));

        assertThat(r.failures()).isEmpty();
        assertThat(r.secrets()).hasSize(37).containsKey("APP_P00").containsKey("APP_P36");
        assertThat(wire.ssm.counters().calls("GetParametersByPath")).isEqualTo(4);
        assertThat(wire.ssm.counters().total()).isEqualTo(4);
    }

    @Test
    void resolve_deduplicatesNames_acrossJsonKeys() {
        wire.ssm.put("/db", "{\"user\":\"u1\",\"password\":\"p1\"}", "SecureString");
        wire.ssm.counters().reset();

        Resolution r = resolver.resolve(List.of(ref("USER", "ssm:///db#user"), ref("PASS", "ssm:///db#password"),
                ref("RAW", "ssm:///db")));

        assertThat(wire.ssm.counters().total()).isEqualTo(1);
        assertThat(r.secrets().get("USER").value().reveal()).isEqualTo("u1");
        assertThat(r.secrets().get("PASS").value().reveal()).isEqualTo("p1");
        assertThat(r.secrets().get("RAW").value().reveal()).startsWith("{");
    }

    @Test
    void resolve_missingRequired_isAPermanentFailure_missingOptional_isSkipped() {
        wire.ssm.put("/present", "here", "String");

        Resolution r = resolver.resolve(List.of(ref("A", "ssm:///present"), ref("B", "ssm:///absent"),
                ref("C", "ssm:///also-absent?optional")));

        assertThat(r.secrets()).containsOnlyKeys("A");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.key()).isEqualTo("B");
            assertThat(f.code()).isEqualTo("ParameterNotFound");
            assertThat(f.isTransient()).isFalse();
        });
    }

    @Test
    void resolve_missingJsonKey_namesTheKey_neverTheValue() {
        wire.ssm.put("/db", "{\"user\":\"zz-user-value\"}", "SecureString");

        Resolution r = resolver.resolve(List.of(ref("PASS", "ssm:///db#password")));

        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("JsonKeyNotFound");
            assertThat(f.reason()).contains("'password'").contains("1 key;").doesNotContain("zz-user-value")
                    .as("key names are part of the value").doesNotContain("user");
        });
    }

    @Test
    void resolve_deniedName_isIsolated_othersStillLoad() {
        declare(5);
        wire.ssm.faults().deny("/batch/p3");

        Resolution r = resolver.resolve(declare(5));

        assertThat(r.secrets()).containsOnlyKeys("K0", "K1", "K2", "K4");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.key()).isEqualTo("K3");
            assertThat(f.code()).isEqualTo("AccessDeniedException");
            assertThat(f.isTransient()).isFalse();
        });
    }

    @Test
    void resolve_throttled_isTransient() {
        List<Reference> refs = declare(3);
        wire.ssm.faults().failNext(1, "ThrottlingException");

        Resolution r = resolver.resolve(refs);

        assertThat(r.secrets()).isEmpty();
        assertThat(r.failures()).hasSize(3).allSatisfy(f -> assertThat(f.isTransient()).isTrue());
    }

    @Test
    void resolve_stopsAtTheFirstThrottledCall_andFailsTheRestAsThrottled() {
        List<Reference> refs = new ArrayList<>(declare(25));
        wire.ssm.put("/tree/a", "a", "String");
        refs.add(ref("TREE", "ssm:///tree/*"));
        wire.ssm.counters().reset();
        wire.ssm.faults().failNext(1, "ThrottlingException");

        Resolution r = resolver.resolve(refs);

        // One refused call, not three batches and a path listing: a throttled fleet spends one call per task.
        assertThat(wire.ssm.counters().total()).isEqualTo(1);
        assertThat(r.calls()).isEqualTo(1);
        assertThat(r.secrets()).isEmpty();
        assertThat(r.failures()).hasSize(26).allSatisfy(f -> {
            assertThat(f.isThrottling()).isTrue();
            assertThat(f.isTransient()).isTrue();
        });
    }

    @Test
    void resolve_secretsManagerReference_carriesVersionId() {
        String versionId = wire.ssm.putSecret("prod/db", "{\"password\":\"pw-1\"}");

        Resolution r = resolver.resolve(List.of(ref("PW", "ssm:///aws/reference/secretsmanager/prod/db#password")));

        assertThat(r.failures()).isEmpty();
        Secret s = r.secrets().get("PW");
        assertThat(s.value().reveal()).isEqualTo("pw-1");
        assertThat(s.versionId()).isEqualTo(versionId);
        assertThat(s.versionTag()).contains(versionId);
    }

    @Test
    void resolve_twoPathParametersOnOneKey_isAnErrorNamingBoth() {
        wire.ssm.put("/col/db-pass", "a", "String");
        wire.ssm.put("/col/db.pass", "b", "String");

        Resolution r = resolver.resolve(List.of(ref("X", "ssm:///col/*")));

        assertThat(r.secrets()).isEmpty();
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("KeyCollision");
            assertThat(f.reason()).contains("/col/db-pass").contains("/col/db.pass");
        });
    }
}
