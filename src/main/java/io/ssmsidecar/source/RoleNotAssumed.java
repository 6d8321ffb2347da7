package io.ssmsidecar.source;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Thrown by {@link AssumedRole} when its role could not be assumed: names the role, and carries STS's failure as its
 * cause. {@link SsmErrors} finds it by type in the cause chain of what the SSM or Secrets Manager client throws and
 * reports every call that needed the role as {@link SsmErrors#ASSUME_ROLE_FAILED}. Its message is {@link #FAILED}
 * and the role ARN, nothing else: it never holds a credential.
 *
 * <p>Built the way the SDK builds its own {@link SdkClientException}s, with a {@link Builder} that {@link #toBuilder()}
 * fills from an instance, so a copy the SDK makes (its retry stage rebuilds the last failure with
 * {@code toBuilder().numAttempts(n).build()}) is still a {@code RoleNotAssumed} and still names the role.
 */
final class RoleNotAssumed extends SdkClientException {
    /** The start of the message, and of the reason of every call that needed the role. */
    static final String FAILED = "could not assume role ";
    private static final long serialVersionUID = 1L;

    private final String roleArn;

    private RoleNotAssumed(Builder builder) {
        super(builder);
        this.roleArn = builder.roleArn();
    }

    /** {@code roleArn} could not be assumed because STS failed with {@code sts}. */
    static RoleNotAssumed of(String roleArn, SdkException sts) {
        Builder builder = builder().roleArn(roleArn);
        builder.cause(sts);
        return builder.build();
    }

    /** The role that could not be assumed. */
    String roleArn() {
        return roleArn;
    }

    public static Builder builder() {
        return new BuilderImpl();
    }

    @Override
    public Builder toBuilder() {
        return new BuilderImpl(this);
    }

    /** The message is always {@link #FAILED} and the role: {@link #build()} sets it, whatever was given before. */
    interface Builder extends SdkClientException.Builder {
        Builder roleArn(String roleArn);

        String roleArn();

        @Override
        RoleNotAssumed build();
    }

    private static final class BuilderImpl extends SdkClientException.BuilderImpl implements Builder {
        private String roleArn;

        private BuilderImpl() {
        }

        private BuilderImpl(RoleNotAssumed e) {
            super(e);
            this.roleArn = e.roleArn;
        }

        @Override
        public Builder roleArn(String roleArn) {
            this.roleArn = roleArn;
            return this;
        }

        @Override
        public String roleArn() {
            return roleArn;
        }

        @Override
        public RoleNotAssumed build() {
            if (roleArn == null) {
                throw new IllegalStateException("RoleNotAssumed needs the role ARN");
            }
            message = FAILED + roleArn;
            return new RoleNotAssumed(this);
        }
    }
}
