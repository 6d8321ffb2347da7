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
 * BatchGetSecretValue (by {@code SecretIdList}, or by {@code Filters} with {@code MaxResults} and {@code NextToken};
 * AWSCURRENT only, as AWS), DescribeSecret and ListSecrets (with {@code Filters}, answering each secret's
 * {@code Tags}). Filters: {@code name}, {@code tag-key}, {@code tag-value} (case-sensitive prefix matches, a leading
 * {@code !} negates; values of one filter are or-ed, filters and-ed, as botocore's model documents); the other keys
 * of the model ({@code description}, {@code primary-region}, {@code owning-service}, {@code all}) are refused. Members, names and JSON types follow botocore's {@code secretsmanager} model: timestamps
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
        if (req.has("Filters") == req.has("SecretIdList")) {
            throw invalidParameter("You must include Filters or SecretIdList, but not both");
        }
        if (req.has("Filters")) {
            return batchByFilters(req);
        }
        if (req.has("MaxResults") || req.has("NextToken")) {
            throw invalidParameter("MaxResults and NextToken can be used only with Filters");
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

    /** BatchGetSecretValue by {@code Filters}: a page of the matching secrets' current values. */
    private ObjectNode batchByFilters(JsonNode req) {
        List<Filter> filters = filters(req);
        List<ParameterStore.SecretView> matching = store.currentSecrets().stream()
                .filter(s -> filters.stream().allMatch(f -> f.matches(s))).toList();
        int max = maxResults(req, MAX_BATCH);
        int start = start(req);
        ObjectNode answer = NODES.objectNode();
        ArrayNode values = answer.putArray("SecretValues");
        ArrayNode errors = answer.putArray("Errors");
        for (int i = start; i < Math.min(matching.size(), start + max); i++) {
            ParameterStore.SecretView s = matching.get(i);
            String code = faults.deniedCode(s.id());
            if (code == null) {
                values.add(value(s));
            } else {
                ObjectNode error = errors.addObject();
                error.put("SecretId", s.id());
                error.put("ErrorCode", code);
                error.put("Message", "User is not authorized to perform: secretsmanager:GetSecretValue on resource: "
                        + s.id());
            }
        }
        if (start + max < matching.size()) {
            answer.put("NextToken", Integer.toString(start + max));
        }
        return answer;
    }

    /** One filter of the model's {@code Filter} shape: a key and 1 to 10 values, each possibly negated by '!'. */
    private record Filter(String key, List<String> values) {
        boolean matches(ParameterStore.SecretView s) {
            boolean positive = false;
            boolean anyPositive = false;
            for (String v : values) {
                boolean negated = v.startsWith("!");
                String text = negated ? v.substring(1) : v;
                boolean hit = switch (key) {
                    case "name" -> s.id().startsWith(text);
                    case "tag-key" -> s.tags().keySet().stream().anyMatch(k -> k.startsWith(text));
                    default -> s.tags().values().stream().anyMatch(t -> t.startsWith(text));
                };
                if (negated && hit) {
                    return false;
                }
                if (!negated) {
                    anyPositive = true;
                    positive |= hit;
                }
            }
            return !anyPositive || positive;
        }
    }

    private static final Set<String> FILTER_KEYS = Set.of("description", "name", "tag-key", "tag-value",
            "primary-region", "owning-service", "all");
    private static final Set<String> SUPPORTED_FILTER_KEYS = Set.of("name", "tag-key", "tag-value");
    private static final Pattern FILTER_VALUE = Pattern.compile("\\!?[a-zA-Z0-9 :_@/+=.\\-!]*");
    private static final int MAX_FILTERS = 10;
    private static final int MAX_FILTER_VALUES = 10;
    private static final int MAX_FILTER_VALUE_LENGTH = 512;

    /** {@code Filters} checked against botocore's model: 10 filters at most, known keys, 1 to 10 values each. */
    private static List<Filter> filters(JsonNode req) {
        JsonNode list = req.get("Filters");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray() || list.size() > MAX_FILTERS) {
            throw invalidParameter("Filters must be a list of at most " + MAX_FILTERS + " filters");
        }
        List<Filter> out = new ArrayList<>();
        for (JsonNode f : list) {
            String key = f.path("Key").asText("");
            if (!FILTER_KEYS.contains(key)) {
                throw invalidParameter("Invalid filter key: " + key + "; valid keys: " + String.join(", ",
                        new java.util.TreeSet<>(FILTER_KEYS)));
            }
            if (!SUPPORTED_FILTER_KEYS.contains(key)) {
                throw invalidParameter("This endpoint filters by name, tag-key and tag-value only, not by " + key);
            }
            JsonNode values = f.get("Values");
            if (values == null || !values.isArray() || values.isEmpty() || values.size() > MAX_FILTER_VALUES) {
                throw invalidParameter("A filter takes 1 to " + MAX_FILTER_VALUES + " Values");
            }
            List<String> texts = new ArrayList<>();
            for (JsonNode v : values) {
                String text = v.asText();
                if (!v.isTextual() || text.length() > MAX_FILTER_VALUE_LENGTH || !FILTER_VALUE.matcher(text).matches()) {
                    throw invalidParameter("Invalid filter value: at most " + MAX_FILTER_VALUE_LENGTH
                            + " characters of letters, digits, space and :_@/+=.-!");
                }
                texts.add(text);
            }
            out.add(new Filter(key, texts));
        }
        return out;
    }

    private static int maxResults(JsonNode req, int limit) {
        int max = req.has("MaxResults") ? req.get("MaxResults").asInt() : limit;
        if (max < 1 || max > limit) {
            throw invalidParameter("MaxResults must be between 1 and " + limit);
        }
        return max;
    }

    private static int start(JsonNode req) {
        String token = optionalString(req, "NextToken");
        if (token == null) {
            return 0;
        }
        try {
            int start = Integer.parseInt(token);
            if (start < 0) {
                throw new NumberFormatException(token);
            }
            return start;
        } catch (NumberFormatException e) {
            throw new SsmError("InvalidNextTokenException", 400, "The NextToken is not valid");
        }
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
        int max = maxResults(req, MAX_LIST_RESULTS);
        List<Filter> filters = filters(req);
        int start = start(req);
        List<ParameterStore.SecretView> matching = store.currentSecrets().stream()
                .filter(s -> filters.stream().allMatch(f -> f.matches(s))).toList();
        ObjectNode answer = NODES.objectNode();
        ArrayNode list = answer.putArray("SecretList");
        for (int i = start; i < Math.min(matching.size(), start + max); i++) {
            ParameterStore.SecretView s = matching.get(i);
            ObjectNode entry = list.addObject();
            entry.put("ARN", s.arn());
            entry.put("Name", s.id());
            if (!s.tags().isEmpty()) {
                ArrayNode tags = entry.putArray("Tags");
                s.tags().forEach((k, v) -> tags.addObject().put("Key", k).put("Value", v));
            }
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
