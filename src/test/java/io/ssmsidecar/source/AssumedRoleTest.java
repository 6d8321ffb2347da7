package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.testing.CredentialLeakCheck;
import io.ssmsidecar.testing.LocalWire;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@link AssumedRole} against local-ssm's STS over the real SDK: a role that cannot be assumed is thrown as a
 * {@link RoleNotAssumed} that names the role and nothing else, survives the SDK's wrapping and rebuilding, and reaches
 * {@link SsmErrors} through the real SSM and Secrets Manager clients as {@code AssumeRoleFailed}, sorted as STS's
 * answer is; one WARN per failing stretch, one INFO when the role is assumed again.
 */
class AssumedRoleTest {
    private static final String ROLE = "arn:aws:iam::210987654321:role/secrets-reader";
    private static final String EXTERNAL_ID = "ext-7Q2w";
    private static final String TASK_SECRET = "taskSecretKeyNeverShown";

    @RegisterExtension
    final CredentialLeakCheck leaks = new CredentialLeakCheck(TASK_SECRET);
    private final LocalSsm ssm = leaks.ssm();

    @Test
    void aRoleThatCannotBeAssumed_isThrownAsRoleNotAssumed_namingTheRoleOnly_withStsAnswerAsItsCause() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);

        RoleNotAssumed e = refused(role("not-" + EXTERNAL_ID));

        assertThat(e.roleArn()).isEqualTo(ROLE);
        assertThat(e.getMessage()).isEqualTo("could not assume role " + ROLE);
        assertThat(e).hasToString(RoleNotAssumed.class.getName() + ": could not assume role " + ROLE);
        assertThat(e.getCause()).isInstanceOfSatisfying(StsException.class,
                sts -> assertThat(sts.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    }

    /** The SDK's retry stage rebuilds the failure it throws with {@code toBuilder().numAttempts(n).build()}. */
    @Test
    void toBuilder_keepsTheTypeTheRoleAndTheCause_andTheMessageStaysTheRoleOnly() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        RoleNotAssumed e = refused(role("not-" + EXTERNAL_ID));

        SdkException copy = e.toBuilder().build();
        SdkException counted = ((SdkException) e).toBuilder().numAttempts(3).build();
        SdkException reworded = e.toBuilder().message("something else").build();

        for (SdkException c : List.of(copy, counted, reworded)) {
            assertThat(c).isNotSameAs(e).isInstanceOfSatisfying(RoleNotAssumed.class, r -> {
                assertThat(r.roleArn()).isEqualTo(ROLE);
                assertThat(r.rawMessage()).isEqualTo("could not assume role " + ROLE);
                assertThat(r.getCause()).isSameAs(e.getCause());
            });
        }
        assertThat(counted.numAttempts()).isEqualTo(3);
        assertThatThrownBy(() -> RoleNotAssumed.builder().cause(e.getCause()).build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void classify_findsItWrappedOrRebuilt_asAssumeRoleFailed_sortedAsStsAnswer() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        RoleNotAssumed denied = refused(role("not-" + EXTERNAL_ID));
        ssm.refuseConnections();
        RoleNotAssumed unreachable = refused(role(EXTERNAL_ID));
        ssm.acceptConnections();

        String where = "GetParameters [/app/db]: could not assume role " + ROLE + ": ";
        for (SdkException e : asTheSdkMightHandItBack(denied)) {
            SsmErrors.Classified c = SsmErrors.classify("GetParameters", List.of("/app/db"), e);
            assertThat(c.exception().errorCode()).isEqualTo(SsmErrors.ASSUME_ROLE_FAILED);
            assertThat(c.exception().isTransient()).as("AccessDenied on AssumeRole is permanent").isFalse();
            assertThat(c.exception().statusCode()).isEqualTo(403);
            assertThat(c.exception().getMessage()).startsWith(where + "AccessDenied (HTTP 403): ")
                    .doesNotContain("SDK Attempt Count");
            assertThat(c.outcome()).isEqualTo("permanent");
            assertThat(c.exception().getCause()).isSameAs(e);
        }
        for (SdkException e : asTheSdkMightHandItBack(unreachable)) {
            SsmErrors.Classified c = SsmErrors.classify("GetParameters", List.of("/app/db"), e);
            assertThat(c.exception().errorCode()).isEqualTo(SsmErrors.ASSUME_ROLE_FAILED);
            assertThat(c.exception().isTransient()).as("STS unreachable is transient").isTrue();
            assertThat(c.exception().getMessage()).isEqualTo(where + "cannot reach SSM: ConnectException: "
                    + "Connection refused");
            assertThat(c.outcome()).isEqualTo("transient");
        }
    }

    /**
     * What the SSM and Secrets Manager clients (SDK 2.57.8) throw when the credentials provider throws: the very
     * instance, whatever the attempts. If an SDK upgrade ever wraps it, the role must still be found.
     */
    @Test
    void throughTheRealClients_everyCallThroughTheRole_failsAsAssumeRoleFailed_carryingTheRoleNotAssumed() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        ssm.put("/app/db", "v1");
        ssm.putSecret("app/api", "v2");
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.put("AWS_ENDPOINT_URL_STS", ssm.endpoint().toString());
        Routing routing = new Routing(Optional.of(ROLE), Map.of(), Optional.of("not-" + EXTERNAL_ID), "test",
                List.of(), Map.of());
        SsmParameterSource.Limits threeAttempts = new SsmParameterSource.Limits(Duration.ofMillis(500),
                Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), 3);
        SsmParameterSource source = SsmParameterSource.create(env, Metrics.noop(), threeAttempts, routing);
        leaks.closeAfter(source);

        List<SourceException> failures = List.of(
                catchThrowableOfType(SourceException.class, () -> source.getParameters(List.of("/app/db"))),
                catchThrowableOfType(SourceException.class, () -> source.getSecretValue("app/api", null, null)),
                catchThrowableOfType(SourceException.class, () -> source.batchGetSecretValue(List.of("app/api"))));

        assertThat(failures).allSatisfy(f -> {
            assertThat(f.errorCode()).isEqualTo("AssumeRoleFailed");
            assertThat(f.isTransient()).isFalse();
            assertThat(f.getMessage()).contains(": could not assume role " + ROLE + ": AccessDenied (HTTP 403)");
            assertThat(f.getCause()).as("what the SDK client threw").isInstanceOfSatisfying(RoleNotAssumed.class,
                    r -> assertThat(r.roleArn()).isEqualTo(ROLE));
        });
        assertThat(ssm.calls()).extracting(c -> c.operation()).containsOnly("AssumeRole");
    }

    @Test
    void oneWarnPerFailingStretch_andOneInfo_whenTheRoleIsAssumedAgain() {
        ssm.declareRole(ROLE, EXTERNAL_ID, null);
        AssumedRole role = role(EXTERNAL_ID);
        ssm.refuseConnections();

        RoleNotAssumed first = refused(role);
        RoleNotAssumed second = refused(role);
        ssm.acceptConnections();
        String accessKey = role.resolveCredentials().accessKeyId();
        role.resolveCredentials();

        assertThat(first).isNotSameAs(second);
        List<String> lines = leaks.logged().lines().toList();
        assertThat(lines).filteredOn(l -> l.contains("could not assume role")).singleElement().satisfies(l ->
                assertThat(l).contains("WARN").contains("role=" + ROLE).contains("code=IOError")
                        .contains("transient=true"));
        assertThat(lines).filteredOn(l -> l.contains("assumed role again")).singleElement().satisfies(l ->
                assertThat(l).contains("INFO").contains(ROLE));
        assertThat(accessKey).startsWith("ASIA");
        assertThat(leaks.logged()).doesNotContain(accessKey);
    }

    private AssumedRole role(String externalId) {
        StsClient sts = StsClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.US_EAST_1)
                .endpointOverride(ssm.endpoint())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDLOCALWIRE", TASK_SECRET)))
                .build();
        AssumedRole role = new AssumedRole(sts, ROLE, "test", externalId);
        leaks.closeAfter(sts);
        leaks.closeAfter(role);
        return role;
    }

    private static RoleNotAssumed refused(AssumedRole role) {
        RoleNotAssumed e = catchThrowableOfType(RoleNotAssumed.class, role::resolveCredentials);
        assertThat(e).as("resolveCredentials threw a RoleNotAssumed").isNotNull();
        assertThat(e.toString()).doesNotContain(TASK_SECRET);
        return e;
    }

    /** As thrown; wrapped in another client exception; rebuilt with an attempt count, then wrapped. */
    private static List<SdkException> asTheSdkMightHandItBack(RoleNotAssumed e) {
        SdkException counted = ((SdkException) e).toBuilder().numAttempts(2).build();
        return List.of(e, SdkClientException.create("Unable to execute the request", e),
                SdkClientException.builder().message("outer").cause(counted).build());
    }
}
