package io.ssmsidecar.source;

import io.ssmsidecar.log.Log;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The credentials of one assumed role: the SDK's {@link StsAssumeRoleCredentialsProvider}, which caches the session
 * and assumes the role again before it expires (from five minutes before, on the calling thread; a call within the
 * last minute waits for the new session). A failure to assume is logged once, when it starts (and once when the role
 * is assumed again), never with a credential, and thrown as a {@link RoleNotAssumed} naming the role, with STS's
 * failure as its cause, so {@link SsmErrors} reports it as the reason of each call that needed the role.
 *
 * <p>The SDK hands that exception back as it was thrown (SDK 2.57.8, checked on the wire for SSM and Secrets Manager
 * with one and three attempts): the SSM or Secrets Manager client calls {@link #resolveCredentials()} from
 * {@code AuthSchemeResolver.resolveIdentity}, in its {@code AuthSchemeResolutionStage}, which runs before the retry
 * loop; {@code ApiCallTimeoutTrackingStage} and {@code ExecutionFailureExceptionReportingStage} rethrow an
 * {@link SdkException} as it is (only a call timeout that fires meanwhile replaces it, with an
 * {@code ApiCallTimeoutException}). {@link SsmErrors} still looks for it anywhere in the cause chain, and
 * {@link RoleNotAssumed#toBuilder()} keeps its type and role, should the SDK wrap or rebuild it (its retry stage
 * rebuilds the failures it sees with {@code toBuilder()}).
 */
final class AssumedRole implements AwsCredentialsProvider, SdkAutoCloseable {
    private static final Log LOG = Log.get(AssumedRole.class);

    private final String roleArn;
    private final StsAssumeRoleCredentialsProvider provider;
    private final AtomicBoolean failing = new AtomicBoolean();

    AssumedRole(StsClient sts, String roleArn, String sessionName, String externalId) {
        this.roleArn = roleArn;
        this.provider = StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts)
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName(sessionName).externalId(externalId))
                .asyncCredentialUpdateEnabled(false)
                .build();
    }

    @Override
    public AwsCredentials resolveCredentials() {
        AwsCredentials credentials;
        try {
            credentials = provider.resolveCredentials();
        } catch (SdkException e) {
            SourceException why = SsmErrors.classify("AssumeRole", List.of(roleArn), e).exception();
            if (failing.compareAndSet(false, true)) {
                LOG.warn("could not assume role: the references that go through it fail until it can be assumed",
                        "role", roleArn, "code", why.errorCode(), "transient", why.isTransient(),
                        "reason", why.getMessage());
            }
            throw RoleNotAssumed.of(roleArn, e);
        }
        if (failing.compareAndSet(true, false)) {
            LOG.info("assumed role again", "role", roleArn);
        }
        return credentials;
    }

    @Override
    public void close() {
        provider.close();
    }

    @Override
    public String toString() {
        return "AssumedRole[" + roleArn + "]";
    }
}
