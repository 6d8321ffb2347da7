package io.ssmsidecar.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.json.Jackson;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;

/**
 * Secrets Manager answers ({@code GetSecretValue}, {@code BatchGetSecretValue} entries) turned into
 * {@link Parameter}s, so {@code sm://} secrets travel through the same engine as Parameter Store's: the value
 * (binary for a {@code SecretBinary}), the secret's name, and value-free {@link SecretMetadata} with its ARN,
 * version id, stages and creation date (the version id drives change detection).
 */
final class SecretsManagerAnswers {
    static final String STRING_TYPE = "SecretString";
    static final String BINARY_TYPE = "SecretBinary";

    private SecretsManagerAnswers() {
    }

    static Parameter convert(String requested, String selector, String arn, String name, String versionId,
                             List<String> stages, Instant created, String secretString, SdkBytes secretBinary)
            throws SourceException {
        SecretValue value;
        if (secretString != null) {
            value = SecretValue.of(secretString);
        } else if (secretBinary != null) {
            value = SecretValue.ofBinary(secretBinary.asByteArrayUnsafe());
        } else {
            throw new SourceException("NoSecretValue", 0, false, "Secrets Manager answered " + requested
                    + " without a SecretString or SecretBinary", null);
        }
        ObjectNode meta = Jackson.mapper().createObjectNode();
        meta.put("ARN", arn);
        meta.put("Name", name);
        meta.put("VersionId", versionId);
        ArrayNode array = meta.putArray("VersionStages");
        stages.forEach(array::add);
        if (created != null) {
            meta.put("CreatedDate", created.toString());
        }
        String json;
        try {
            json = Jackson.mapper().writeValueAsString(meta);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write secret metadata", e);
        }
        SecretMetadata metadata = new SecretMetadata(json, arn, name, versionId, stages, created);
        return new Parameter(requested, name, value.isBinary() ? BINARY_TYPE : STRING_TYPE, value, 0L, selector,
                metadata, created, arn, null);
    }

    /**
     * True when {@code requested} (a name, a full ARN, or a partial ARN without the six-character suffix) names
     * the secret answered as {@code arn}/{@code name}.
     */
    static boolean names(String requested, String arn, String name) {
        if (requested.startsWith("arn:")) {
            return requested.equals(arn) || (arn != null && arn.length() == requested.length() + 7
                    && arn.startsWith(requested + "-"));
        }
        return requested.equals(name);
    }
}
