package io.ssmsidecar.testing;

import java.util.List;
import java.util.Map;

/** {@link SsmBackend} over moto's {@code moto_server}, seeded through its SSM and Secrets Manager APIs. */
final class MotoBackend implements SsmBackend {
    private static final String ACCOUNT = "123456789012";
    private final MotoServer moto;

    MotoBackend(MotoServer moto) {
        this.moto = moto;
    }

    @Override
    public String name() {
        return "moto";
    }

    @Override
    public Map<String, String> env() {
        return Map.of("AWS_ENDPOINT_URL_SSM", moto.endpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", moto.endpoint().toString(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKIDMOTO", "AWS_SECRET_ACCESS_KEY", "not-checked");
    }

    @Override
    public long put(String name, String value, String type) {
        return moto.call("ssm", "AmazonSSM.PutParameter", Map.of("Name", name, "Value", value, "Type", type,
                "Overwrite", true)).get("Version").asLong();
    }

    @Override
    public void label(String name, long version, String label) {
        moto.call("ssm", "AmazonSSM.LabelParameterVersion", Map.of("Name", name, "ParameterVersion", version,
                "Labels", List.of(label)));
    }

    @Override
    public String putSecret(String id, String secretString) {
        return putSecretValue(id, "SecretString", secretString);
    }

    @Override
    public String putBinarySecret(String id, byte[] secretBinary) {
        return putSecretValue(id, "SecretBinary", java.util.Base64.getEncoder().encodeToString(secretBinary));
    }

    private String putSecretValue(String id, String member, String value) {
        try {
            return moto.call("secretsmanager", "secretsmanager.CreateSecret", Map.of("Name", id, member, value))
                    .get("VersionId").asText();
        } catch (IllegalStateException exists) {
            if (!exists.getMessage().contains("ResourceExistsException")) {
                throw exists;
            }
            return moto.call("secretsmanager", "secretsmanager.PutSecretValue", Map.of("SecretId", id, member, value))
                    .get("VersionId").asText();
        }
    }

    @Override
    public String putSharedSecret(String account, String name, String secretString) {
        String arn = moto.callAs(account, "secretsmanager", "secretsmanager.CreateSecret",
                Map.of("Name", name, "SecretString", secretString)).get("ARN").asText();
        String policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
                + "\"arn:aws:iam::" + ACCOUNT + ":root\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}";
        moto.callAs(account, "secretsmanager", "secretsmanager.PutResourcePolicy",
                Map.of("SecretId", name, "ResourcePolicy", policy));
        return arn;
    }

    @Override
    public void delete(String name) {
        moto.call("ssm", "AmazonSSM.DeleteParameter", Map.of("Name", name));
    }

    @Override
    public String arnOf(String name) {
        return "arn:aws:ssm:us-east-1:" + ACCOUNT + ":parameter" + (name.startsWith("/") ? "" : "/") + name;
    }

    @Override
    public boolean has(Gap gap) {
        return true; // moto 5.2.1 has every gap listed
    }

    @Override
    public void close() {
        moto.reset();
    }

    @Override
    public String toString() {
        return name();
    }
}
