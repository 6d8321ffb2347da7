package io.ssmsidecar.localssm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Secrets Manager's own read operations over AWS JSON 1.1 (target {@code secretsmanager.X}), on the same port and
 * over the same secrets as Parameter Store's {@code /aws/reference/secretsmanager/} path: GetSecretValue,
 * BatchGetSecretValue (by {@code SecretIdList}; AWSCURRENT only, as AWS), DescribeSecret and ListSecrets (with the
 * {@code name} filter). Members, names and JSON types follow botocore's {@code secretsmanager} model: timestamps
 * are epoch seconds, {@code SecretBinary} is base64. Deny rules ({@link Faults#deny}) match the secret id as sent.
 */
final class SecretsManagerProtocol {
    static final Set<String> OPERATIONS = Set.of("GetSecretValue", "BatchGetSecretValue", "DescribeSecret",
            "ListSecrets");
    /** Secrets Manager's limit on {@code SecretIdList} and on {@code MaxResults}. */
    static final int MAX_BATCH = 20;
    static final int MAX_LIST_RESULTS = 100;
    private static final Pattern VERSION_ID = Pattern.compile("[A-Za-z0-9-]{32,64}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ParameterStore store;
    private final Faults faults;
    private final Identities identities;
    /** The access key id the request being answered was signed with (answers run one per thread). */
    private final ThreadLocal<String> caller = new ThreadLocal<>();

    SecretsManagerProtocol(ParameterStore store, Faults faults) {
        this(store, faults, new Identities());
    }

    SecretsManagerProtocol(ParameterStore store, Faults faults, Identities identities) {
        this.store = store;
        this.faults = faults;
        this.identities = identities;
    }

    /** As {@link #execute(String, JsonNode)}, for a request signed with access key {@code accessKeyId}. */
    ObjectNode execute(String operation, JsonNode request, String accessKeyId) {
        caller.set(accessKeyId);
        try {
            return execute(operation, request);
        } finally {
            caller.remove();
        }
    }

    ObjectNode execute(String operation, JsonNode request) {
        return switch (operation) {
            case "GetSecretValue" -> getSecretValue(request);
            case "BatchGetSecretValue" -> batchGetSecretValue(request);
            case "DescribeSecret" -> describeSecret(request);
            case "ListSecrets" -> listSecrets(request);
            default -> throw new SsmError("UnknownOperationException", 400, "Unknown operation " + operation);
        };
    }

    private ObjectNode getSecretValue(JsonNode req) {
        String id = secretId(req.get("SecretId"));
        String versionId = optionalString(req, "VersionId");
        if (versionId != null && !VERSION_ID.matcher(versionId).matches()) {
            throw invalidParameter("Invalid VersionId: 32 to 64 letters, digits and '-'");
        }
        String stage = optionalString(req, "VersionStage");
        checkDenied(id);
        return value(store.secretValue(id, versionId, stage));
    }

    private ObjectNode batchGetSecretValue(JsonNode req) {
        if (req.has("Filters")) {
            throw invalidParameter("This endpoint reads BatchGetSecretValue by SecretIdList only, not by Filters");
        }
        JsonNode list = req.get("SecretIdList");
        if (list == null || !list.isArray() || list.isEmpty() || list.size() > MAX_BATCH) {
            throw invalidParameter("SecretIdList must hold 1 to " + MAX_BATCH + " secret ids");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode n : list) {
            ids.add(secretId(n));
        }
        ObjectNode answer = NODES.objectNode();
        ArrayNode values = answer.putArray("SecretValues");
        ArrayNode errors = answer.putArray("Errors");
        for (String id : ids) {
            try {
                checkDenied(id);
                values.add(value(store.secretValue(id, null, null)));
            } catch (SsmError e) {
                ObjectNode error = errors.addObject();
                error.put("SecretId", id);
                error.put("ErrorCode", e.code());
                error.put("Message", e.getMessage());
            }
        }
        return answer;
    }

    private ObjectNode describeSecret(JsonNode req) {
        String id = secretId(req.get("SecretId"));
        checkDenied(id);
        List<ParameterStore.SecretView> versions = store.secretVersions(id);
        ObjectNode answer = NODES.objectNode();
        ParameterStore.SecretView first = versions.get(0);
        answer.put("ARN", first.arn());
        answer.put("Name", first.id());
        ObjectNode stages = answer.putObject("VersionIdsToStages");
        Instant changed = first.created();
        for (ParameterStore.SecretView v : versions) {
            ArrayNode a = stages.putArray(v.versionId());
            v.stages().forEach(a::add);
            changed = v.created().isAfter(changed) ? v.created() : changed;
        }
        answer.set("LastChangedDate", seconds(changed));
        answer.set("CreatedDate", seconds(first.created()));
        return answer;
    }

    private ObjectNode listSecrets(JsonNode req) {
        int max = req.has("MaxResults") ? req.get("MaxResults").asInt() : MAX_LIST_RESULTS;
        if (max < 1 || max > MAX_LIST_RESULTS) {
            throw invalidParameter("MaxResults must be between 1 and " + MAX_LIST_RESULTS);
        }
        List<String> prefixes = new ArrayList<>();
        for (JsonNode filter : req.path("Filters")) {
            if (!"name".equals(filter.path("Key").asText())) {
                throw invalidParameter("This endpoint filters ListSecrets by the key 'name' only");
            }
            filter.path("Values").forEach(v -> prefixes.add(v.asText()));
        }
        int start = 0;
        String token = optionalString(req, "NextToken");
        if (token != null) {
            try {
                start = Integer.parseInt(token);
            } catch (NumberFormatException e) {
                throw new SsmError("InvalidNextTokenException", 400, "The NextToken is not valid");
            }
        }
        List<ParameterStore.SecretView> matching = store.currentSecrets().stream()
                .filter(s -> prefixes.isEmpty() || prefixes.stream().anyMatch(p -> s.id().startsWith(p)))
                .toList();
        ObjectNode answer = NODES.objectNode();
        ArrayNode list = answer.putArray("SecretList");
        for (int i = start; i < Math.min(matching.size(), start + max); i++) {
            ParameterStore.SecretView s = matching.get(i);
            ObjectNode entry = list.addObject();
            entry.put("ARN", s.arn());
            entry.put("Name", s.id());
            entry.putObject("SecretVersionsToStages").putArray(s.versionId()).addAll(
                    s.stages().stream().map(NODES::textNode).toList());
            entry.set("CreatedDate", seconds(s.created()));
        }
        if (start + max < matching.size()) {
            answer.put("NextToken", Integer.toString(start + max));
        }
        return answer;
    }

    private static ObjectNode value(ParameterStore.SecretView s) {
        ObjectNode v = NODES.objectNode();
        v.put("ARN", s.arn());
        v.put("Name", s.id());
        v.put("VersionId", s.versionId());
        if (s.value() != null) {
            v.put("SecretString", s.value());
        } else {
            v.put("SecretBinary", Base64.getEncoder().encodeToString(s.binary()));
        }
        ArrayNode stages = v.putArray("VersionStages");
        s.stages().forEach(stages::add);
        v.set("CreatedDate", seconds(s.created()));
        return v;
    }

    private void checkDenied(String id) {
        identities.checkRead(id, caller.get(), "secretsmanager:GetSecretValue");
        String code = faults.deniedCode(id);
        if (code != null) {
            throw SsmError.of(code, "User is not authorized to perform: secretsmanager:GetSecretValue on resource: "
                    + id + " because no identity-based policy allows the secretsmanager:GetSecretValue action");
        }
    }

    private static String secretId(JsonNode n) {
        if (n == null || !n.isTextual() || n.asText().isEmpty() || n.asText().length() > 2048) {
            throw invalidParameter("SecretId must be a string of 1 to 2048 characters");
        }
        return n.asText();
    }

    private static String optionalString(JsonNode req, String member) {
        JsonNode n = req.get(member);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw invalidParameter(member + " must be a non-empty string");
        }
        return n.asText();
    }

    private static SsmError invalidParameter(String message) {
        return new SsmError("InvalidParameterException", 400, message);
    }

    private static DecimalNode seconds(Instant t) {
        return new DecimalNode(BigDecimal.valueOf(t.toEpochMilli()).movePointLeft(3));
    }
}
