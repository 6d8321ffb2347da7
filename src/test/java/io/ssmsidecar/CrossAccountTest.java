package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.Call;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.source.Routing;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.CredentialLeakCheck;
import io.ssmsidecar.testing.LocalWire;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Another account's secrets, over the real SDK and real HTTP against local-ssm standing in for STS and for an
 * account B whose secrets only some principals may read: through an assumed role (with an external id), through the
 * secret's resource policy (the task's own key), a role that cannot be assumed (its keys fail, the others are
 * served, one log line), the session renewed before it expires, and the SDK endpoint's {@code verify} mode still
 * checking against the task's own key. Every value carries {@link #MARK}; the log is searched for it and for every
 * session secret key and token local-ssm handed out.
 */
class CrossAccountTest {
    private static final String MARK = "xAcctLeak";
    private static final String TASK_KEY = "AKIDLOCALWIRE";
    private static final String B = "210987654321";
    private static final String ROLE = "arn:aws:iam::" + B + ":role/secrets-reader";
    private static final String EVERY_CALL_ROLE = "arn:aws:iam::123456789012:role/sidecar";
    private static final String DB = "arn:aws:secretsmanager:us-east-1:" + B + ":secret:shared/db-AbC123";
    private static final String API = "arn:aws:secretsmanager:us-east-1:" + B + ":secret:shared/api-XyZ789";
    private static final String EXTERNAL_ID = "ext-7Q2w";

    @RegisterExtension
    final CredentialLeakCheck leaks = new CredentialLeakCheck(MARK);
    private final LocalSsm ssm = leaks.ssm();

    @BeforeEach
    void start() throws Exception {
        ssm.putSecret(DB, "{\"password\":\"" + MARK + "-db\"}");
        ssm.putSecret(API, MARK + "-api");
        ssm.putSecret("own/one", MARK + "-one");
        ssm.putSecret("own/two", MARK + "-two");
    }

    @Test
    void aSecretInAnotherAccount_isReadThroughItsRole_withTheExternalId_andBatchesNeverMixCredentials() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        ssm.guardAccount(B, List.of(ROLE));
        SsmParameterSource source = source(routing(Optional.empty(), Map.of(B, ROLE), EXTERNAL_ID));

        Resolution r = resolve(source);

        assertThat(r.failures()).isEmpty();
        assertThat(r.secrets().get("DB_PASSWORD").value().reveal()).isEqualTo(MARK + "-db");
        assertThat(r.secrets().get("API_KEY").value().reveal()).isEqualTo(MARK + "-api");
        assertThat(r.secrets().get("ONE").value().reveal()).isEqualTo(MARK + "-one");
        List<Call> assumed = calls("AssumeRole");
        assertThat(assumed).singleElement().satisfies(c -> {
            assertThat(c.accessKeyId()).isEqualTo(TASK_KEY);
            assertThat(c.names()).containsExactly(ROLE);
        });
        List<Call> batches = calls("BatchGetSecretValue");
        assertThat(batches).hasSize(2);
        for (Call c : batches) {
            boolean inB = c.names().stream().allMatch(n -> n.contains(":" + B + ":"));
            boolean own = c.names().stream().noneMatch(n -> n.contains(":" + B + ":"));
            assertThat(inB || own).as("a batch mixes accounts: " + c.names()).isTrue();
            assertThat(c.names()).isNotEmpty();
            if (inB) {
                assertThat(c.accessKeyId()).as("account B's batch: signed with the role's session").startsWith("ASIA");
            } else {
                assertThat(c.accessKeyId()).as("the own account's batch: the task's key").isEqualTo(TASK_KEY);
            }
        }
    }

    /** The guard is real: without the role, the task's own key is refused (so the test above proves the role). */
    @Test
    void withoutTheRole_theOtherAccountRefusesTheTasksKey() {
        ssm.guardAccount(B, List.of(ROLE));
        SsmParameterSource source = source(Routing.none());

        Resolution r = resolve(source);

        assertThat(r.failures()).extracting(Failure::key).containsExactlyInAnyOrder("DB_PASSWORD", "API_KEY");
        assertThat(r.failures()).allSatisfy(f -> {
            assertThat(f.code()).isEqualTo("AccessDeniedException");
            assertThat(f.isTransient()).isFalse();
        });
        assertThat(calls("AssumeRole")).isEmpty();
    }

    @Test
    void aResourcePolicy_letsTheTasksOwnKeyRead_withoutAnyRole() {
        ssm.guardAccount(B, List.of(TASK_KEY));
        SsmParameterSource source = source(Routing.none());

        Resolution r = resolve(source);

        assertThat(r.failures()).isEmpty();
        assertThat(r.secrets().get("API_KEY").value().reveal()).isEqualTo(MARK + "-api");
        assertThat(calls("AssumeRole")).isEmpty();
        assertThat(ssm.calls()).allSatisfy(c -> assertThat(c.accessKeyId()).isEqualTo(TASK_KEY));
    }

    @Test
    void aRoleThatCannotBeAssumed_failsItsKeysOnly_permanently_withOneLogLine() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        ssm.guardAccount(B, List.of(ROLE));
        SsmParameterSource source = source(routing(Optional.empty(), Map.of(B, ROLE), "not-the-external-id"));

        Resolution first = resolve(source);
        Resolution second = resolve(source);

        for (Resolution r : List.of(first, second)) {
            assertThat(r.secrets()).containsOnlyKeys("ONE", "TWO");
            assertThat(r.failures()).extracting(Failure::key).containsExactlyInAnyOrder("DB_PASSWORD", "API_KEY");
            assertThat(r.failures()).allSatisfy(f -> {
                assertThat(f.code()).isEqualTo("AssumeRoleFailed");
                assertThat(f.isTransient()).as("AccessDenied on AssumeRole is permanent").isFalse();
                assertThat(f.reason()).contains("could not assume role " + ROLE).contains("AccessDenied");
            });
        }
        // One AssumeRole per pass: the two secrets of account B share it, and are not retried one by one.
        assertThat(calls("AssumeRole")).hasSize(2).allSatisfy(c -> assertThat(c.errorCode()).isEqualTo("AccessDenied"));
        assertThat(leaks.logged().lines().filter(l -> l.contains("could not assume role"))).singleElement()
                .satisfies(l -> assertThat(l).contains("WARN").contains(ROLE).contains("AccessDenied"));
    }

    /**
     * local-ssm issues sessions that last 130 s. The SDK's provider renews at a jittered time between 5 and 2 minutes
     * before expiry (here: from 170 s ago to 10 s from now), so a read within seconds renews the session, long before
     * the first one expires, and no call is ever refused as expired.
     */
    @Test
    void theSession_isRenewedBeforeItExpires() throws SourceException {
        ssm.declareRole(ROLE, null, Duration.ofSeconds(130));
        ssm.guardAccount(B, List.of(ROLE));
        SsmParameterSource source = source(routing(Optional.empty(), Map.of(B, ROLE), null));
        source.getSecretValue(API, null, null);
        Instant firstExpiry = calls("AssumeRole").get(0).at().plusSeconds(130);

        Await.until(Duration.ofSeconds(20), () -> {
            try {
                source.getSecretValue(API, null, null);
            } catch (SourceException e) {
                throw new AssertionError(e.getMessage());
            }
            return calls("AssumeRole").size() >= 2;
        }, () -> "no second AssumeRole: " + calls("AssumeRole"));

        List<Call> assumed = calls("AssumeRole");
        assertThat(assumed.get(1).at()).isBefore(firstExpiry);
        assertThat(assumed).allSatisfy(c -> assertThat(c.succeeded()).isTrue());
        List<String> keys = calls("GetSecretValue").stream().map(Call::accessKeyId).distinct().toList();
        assertThat(keys).hasSize(2).allSatisfy(k -> assertThat(k).startsWith("ASIA"));
        assertThat(ssm.calls()).noneMatch(c -> "ExpiredTokenException".equals(c.errorCode()));
    }

    /**
     * SIDECAR_ROLE_ARN carries every call, references by name included; SIDECAR_ROLE_ARN_<ACCOUNT> wins for its
     * account; the SDK endpoint's verify mode still checks callers against the task's own key.
     */
    @Test
    void theRoleForEveryCall_carriesNames_theAccountsRoleWins_andVerifyKeepsTheTasksKey() throws SourceException {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        ssm.declareRole(EVERY_CALL_ROLE, EXTERNAL_ID, null);
        ssm.guardAccount(B, List.of(ROLE));
        SsmParameterSource source = source(routing(Optional.of(EVERY_CALL_ROLE), Map.of(B, ROLE), EXTERNAL_ID));

        Resolution r = resolve(source);

        assertThat(r.failures()).isEmpty();
        assertThat(calls("AssumeRole")).extracting(c -> c.names().get(0))
                .containsExactlyInAnyOrder(ROLE, EVERY_CALL_ROLE);
        assertThat(ssm.calls()).filteredOn(c -> !c.operation().equals("AssumeRole"))
                .allSatisfy(c -> assertThat(c.accessKeyId()).startsWith("ASIA"));
        assertThat(source.signingCredentials().orElseThrow().current().accessKeyId()).isEqualTo(TASK_KEY);
        assertThat(source.signingCredentials().orElseThrow().resolveAgain().accessKeyId()).isEqualTo(TASK_KEY);
    }

    private Resolution resolve(SsmParameterSource source) {
        List<Reference> refs;
        try {
            refs = List.of(ReferenceParser.parse("DB_PASSWORD", "sm://" + DB + "#password"),
                ReferenceParser.parse("API_KEY", "sm://" + API), ReferenceParser.parse("ONE", "sm://own/one"),
                ReferenceParser.parse("TWO", "sm://own/two"));
        } catch (io.ssmsidecar.reference.ReferenceException e) {
            throw new AssertionError(e);
        }
        return new Resolver(source, Clock.systemUTC()).resolve(refs);
    }

    private static Routing routing(Optional<String> role, Map<String, String> accountRoles, String externalId) {
        return new Routing(role, accountRoles, Optional.ofNullable(externalId), "ssm-sidecar-test", List.of(),
                Map.of());
    }

    private SsmParameterSource source(Routing routing) {
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("AWS_ENDPOINT_URL_STS", ssm.endpoint().toString());
        SsmParameterSource source = SsmParameterSource.create(env, Metrics.noop(), LocalWire.FAST, routing);
        leaks.closeAfter(source);
        return source;
    }

    private List<Call> calls(String operation) {
        return ssm.calls().stream().filter(c -> c.operation().equals(operation)).toList();
    }
}
