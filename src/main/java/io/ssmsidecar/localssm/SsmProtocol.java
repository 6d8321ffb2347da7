package io.ssmsidecar.localssm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The SSM operations over AWS JSON 1.1: reads a request document, runs it against the {@link ParameterStore} and
 * builds the answer document with the members, names and JSON types of the SDK's service model. Faults that
 * depend on names ({@link Faults#deny}) are applied here; the rest in {@link SsmEndpoint}.
 */
final class SsmProtocol {
    static final Set<String> OPERATIONS = Set.of("PutParameter", "GetParameter", "GetParameters",
            "GetParametersByPath", "DeleteParameter", "LabelParameterVersion", "GetParameterHistory");
    static final int MAX_NAMES = 10;
    static final int MAX_PATH_RESULTS = 10;
    static final int MAX_HISTORY_RESULTS = 50;

    /**
     * The date format of {@code SourceResult}'s {@code createdDate}, as Parameter Store writes it (Gson's default).
     * {@code source.SecretMetadata} reads it; this package keeps its own copy as it depends on nothing but {@code log}.
     */
    private static final DateTimeFormatter SOURCE_RESULT_DATE =
            DateTimeFormatter.ofPattern("MMM d, yyyy, h:mm:ss a", Locale.US).withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ParameterStore store;
    private final Faults faults;
    private final ObjectMapper json;
    private final boolean sourceResultWithSecretString;

    SsmProtocol(ParameterStore store, Faults faults, ObjectMapper json, boolean sourceResultWithSecretString) {
        this.store = store;
        this.faults = faults;
        this.json = json;
        this.sourceResultWithSecretString = sourceResultWithSecretString;
    }

    ParameterStore store() {
        return store;
    }

    /** Runs {@code operation}; returns the answer document or throws {@link SsmError}. */
    ObjectNode execute(String operation, JsonNode request, Instant now, String caller) {
        return switch (operation) {
            case "GetParameter" -> getParameter(request, caller);
            case "GetParameters" -> getParameters(request, caller);
            case "GetParametersByPath" -> getParametersByPath(request, caller);
            case "PutParameter" -> putParameter(request, now, caller);
            case "DeleteParameter" -> deleteParameter(request, caller);
            case "LabelParameterVersion" -> labelParameterVersion(request, caller);
            case "GetParameterHistory" -> getParameterHistory(request, caller);
            default -> throw new SsmError("UnknownOperationException", 400, "Unknown operation " + operation);
        };
    }

    /** The names, ARNs or path a request carries, as sent (for the call log); never throws. */
    static List<String> namesOf(String operation, JsonNode request) {
        List<String> names = new ArrayList<>();
        if (request == null) {
            return names;
        }
        if (operation.equals("GetParameters")) {
            request.path("Names").forEach(n -> names.add(n.asText()));
        } else if (operation.equals("GetParametersByPath")) {
            if (request.path("Path").isTextual()) {
                names.add(request.path("Path").asText());
            }
        } else if (request.path("Name").isTextual()) {
            names.add(request.path("Name").asText());
        } else if (request.path("SecretId").isTextual()) {
            names.add(request.path("SecretId").asText());
        } else if (operation.equals("BatchGetSecretValue")) {
            request.path("SecretIdList").forEach(n -> names.add(n.asText()));
        }
        return names;
    }

    private ObjectNode getParameter(JsonNode req, String caller) {
        Names.Requested r = parse(requiredString(req, "Name"));
        boolean decrypt = bool(req, "WithDecryption");
        checkDenied("GetParameter", r, caller);
        ObjectNode answer = NODES.objectNode();
        answer.set("Parameter", lookUp(r, decrypt));
        return answer;
    }

    private ObjectNode getParameters(JsonNode req, String caller) {
        List<String> asked = strings(req, "Names");
        if (asked.isEmpty() || asked.size() > MAX_NAMES) {
            throw SsmError.validation("1 validation error detected: Value '" + asked + "' at 'names' failed to satisfy "
                    + "constraint: Member must have length " + (asked.isEmpty() ? "greater than or equal to 1"
                    : "less than or equal to " + MAX_NAMES));
        }
        boolean decrypt = bool(req, "WithDecryption");
        List<Names.Requested> requested = new ArrayList<>();
        for (String name : new LinkedHashSet<>(asked)) {
            requested.add(parse(name));
        }
        for (Names.Requested r : requested) {
            checkDenied("GetParameters", r, caller);
        }
        List<ObjectNode> found = new ArrayList<>();
        ArrayNode invalid = NODES.arrayNode();
        for (Names.Requested r : requested) {
            try {
                found.add(lookUp(r, decrypt));
            } catch (SsmError e) {
                if (!e.code().equals("ParameterNotFound") && !e.code().equals("ParameterVersionNotFound")) {
                    throw e;
                }
                invalid.add(r.asked());
            }
        }
        // SSM lists the answers in alphabetical order, not in request order.
        found.sort(Comparator.comparing((ObjectNode p) -> p.path("Name").asText())
                .thenComparing(p -> p.path("Selector").asText("")));
        ObjectNode answer = NODES.objectNode();
        answer.putArray("Parameters").addAll(found);
        answer.set("InvalidParameters", invalid);
        return answer;
    }

    private ObjectNode lookUp(Names.Requested r, boolean decrypt) {
        if (r.secretId() != null) {
            if (!decrypt) {
                throw SsmError.validation("WithDecryption flag must be True for retrieving a Secret Value from Secrets Manager");
            }
            return secretJson(r, store.secret(r));
        }
        ParameterStore.Found f = store.find(r);
        ObjectNode p = parameterJson(f, decrypt);
        if (r.selector() != null) {
            // SSM answers the bare name and the selector separately, with its colon.
            p.put("Selector", ":" + r.selector());
            reorderTail(p);
        }
        return p;
    }

    private ObjectNode getParametersByPath(JsonNode req, String caller) {
        String path = Names.checkPath(requiredString(req, "Path"));
        boolean recursive = bool(req, "Recursive");
        boolean decrypt = bool(req, "WithDecryption");
        int max = integer(req, "MaxResults", MAX_PATH_RESULTS);
        if (max < 1 || max > MAX_PATH_RESULTS) {
            throw SsmError.validation("1 validation error detected: Value '" + max + "' at 'maxResults' failed to "
                    + "satisfy constraint: Member must have value " + (max < 1 ? "greater than or equal to 1"
                    : "less than or equal to " + MAX_PATH_RESULTS));
        }
        if (req.path("ParameterFilters").size() > 0) {
            throw SsmError.validation("ParameterFilters are not supported by the local SSM endpoint");
        }
        // Token state: "<e|f><last name returned>": f = the next page may be served empty first (emptyPages fault).
        String after = null;
        boolean mayServeEmpty = true;
        String token = optionalString(req, "NextToken");
        String tokenPrefix = "p1\n" + recursive + "\n" + path + "\n";
        if (token != null) {
            String state = decodeToken(token, tokenPrefix);
            if (state.isEmpty() || (state.charAt(0) != 'e' && state.charAt(0) != 'f')) {
                throw invalidToken();
            }
            mayServeEmpty = state.charAt(0) == 'f';
            after = state.length() > 1 ? state.substring(1) : null;
        }
        String pathCode = faults.deniedCode(path.equals("/") ? "/" : path + "/");
        if (pathCode != null) {
            throw denied(pathCode, "GetParametersByPath", path, caller);
        }
        ObjectNode answer = NODES.objectNode();
        ArrayNode list = answer.putArray("Parameters");
        if (mayServeEmpty && faults.emptyPages()) {
            answer.put("NextToken", encodeToken(tokenPrefix + "e" + (after == null ? "" : after)));
            return answer;
        }
        ParameterStore.Page page = store.byPath(path, recursive, after, Math.min(max, faults.pageSize()));
        for (ParameterStore.Found f : page.items()) {
            String code = faults.deniedCode(f.name());
            if (code != null) {
                throw denied(code, "GetParametersByPath", f.name(), caller);
            }
            list.add(parameterJson(f, decrypt));
        }
        if (page.more()) {
            String last = page.items().get(page.items().size() - 1).name();
            answer.put("NextToken", encodeToken(tokenPrefix + "f" + last));
        }
        return answer;
    }

    private ObjectNode putParameter(JsonNode req, Instant now, String caller) {
        String name = requiredString(req, "Name");
        String value = requiredString(req, "Value");
        boolean overwrite = bool(req, "Overwrite");
        if (overwrite && req.path("Tags").size() > 0) {
            throw SsmError.validation("Invalid request: tags and overwrite can't be used together. To create a parameter "
                    + "with tags, please remove overwrite flag. To update tags for an existing parameter, please use "
                    + "AddTagsToResource or RemoveTagsFromResource.");
        }
        String code = faults.deniedCode(name);
        if (code != null) {
            throw denied(code, "PutParameter", name, caller);
        }
        ParameterStore.PutResult result = store.put(new ParameterStore.PutRequest(name, value,
                optionalString(req, "Type"), overwrite, optionalString(req, "Description"),
                optionalString(req, "KeyId"), optionalString(req, "Tier"), optionalString(req, "DataType"),
                optionalString(req, "AllowedPattern")), now, userArn(caller));
        ObjectNode answer = NODES.objectNode();
        answer.put("Version", result.version());
        answer.put("Tier", result.tier());
        return answer;
    }

    private ObjectNode deleteParameter(JsonNode req, String caller) {
        Names.Requested r = parseWithoutSelector(requiredString(req, "Name"));
        checkDenied("DeleteParameter", r, caller);
        store.delete(r);
        return NODES.objectNode();
    }

    private ObjectNode labelParameterVersion(JsonNode req, String caller) {
        Names.Requested r = parseWithoutSelector(requiredString(req, "Name"));
        List<String> labels = strings(req, "Labels");
        if (labels.isEmpty() || labels.size() > 10) {
            throw SsmError.validation("1 validation error detected: Value '" + labels + "' at 'labels' failed to "
                    + "satisfy constraint: Member must have length between 1 and 10");
        }
        Long version = req.hasNonNull("ParameterVersion") ? (long) integer(req, "ParameterVersion", 0) : null;
        checkDenied("LabelParameterVersion", r, caller);
        ParameterStore.LabelResult result = store.label(r, version, labels);
        ObjectNode answer = NODES.objectNode();
        ArrayNode invalid = answer.putArray("InvalidLabels");
        result.invalidLabels().forEach(invalid::add);
        answer.put("ParameterVersion", result.version());
        return answer;
    }

    private ObjectNode getParameterHistory(JsonNode req, String caller) {
        Names.Requested r = parseWithoutSelector(requiredString(req, "Name"));
        boolean decrypt = bool(req, "WithDecryption");
        int max = integer(req, "MaxResults", MAX_HISTORY_RESULTS);
        if (max < 1 || max > MAX_HISTORY_RESULTS) {
            throw SsmError.validation("1 validation error detected: Value '" + max + "' at 'maxResults' failed to "
                    + "satisfy constraint: Member must have value between 1 and " + MAX_HISTORY_RESULTS);
        }
        checkDenied("GetParameterHistory", r, caller);
        List<ParameterStore.Found> all = store.history(r);
        String tokenPrefix = "h1\n" + r.primary() + "\n";
        String token = optionalString(req, "NextToken");
        int from = 0;
        if (token != null) {
            try {
                from = Integer.parseInt(decodeToken(token, tokenPrefix));
            } catch (NumberFormatException e) {
                throw invalidToken();
            }
        }
        ObjectNode answer = NODES.objectNode();
        ArrayNode list = answer.putArray("Parameters");
        int to = Math.min(all.size(), from + max);
        for (int i = from; i < to; i++) {
            list.add(historyJson(all.get(i), decrypt));
        }
        if (to < all.size()) {
            answer.put("NextToken", encodeToken(tokenPrefix + to));
        }
        return answer;
    }

    private ObjectNode parameterJson(ParameterStore.Found f, boolean decrypt) {
        ParameterStore.Version v = f.version();
        ObjectNode p = NODES.objectNode();
        p.put("Name", f.name());
        p.put("Type", v.type());
        p.put("Value", shownValue(v, decrypt));
        p.put("Version", v.number());
        p.set("LastModifiedDate", timestamp(v.modified()));
        p.put("ARN", Names.arn(store.region(), store.account(), f.name()));
        p.put("DataType", v.dataType());
        return p;
    }

    /** Keeps SSM's member order (Selector after Version) after a late {@code put}. */
    private static void reorderTail(ObjectNode p) {
        for (String member : List.of("LastModifiedDate", "ARN", "DataType")) {
            JsonNode value = p.remove(member);
            if (value != null) {
                p.set(member, value);
            }
        }
    }

    private ObjectNode historyJson(ParameterStore.Found f, boolean decrypt) {
        ParameterStore.Version v = f.version();
        ObjectNode p = NODES.objectNode();
        p.put("Name", f.name());
        p.put("Type", v.type());
        if (v.keyId() != null) {
            p.put("KeyId", v.keyId());
        }
        p.set("LastModifiedDate", timestamp(v.modified()));
        p.put("LastModifiedUser", v.modifiedBy());
        if (v.description() != null) {
            p.put("Description", v.description());
        }
        p.put("Value", shownValue(v, decrypt));
        if (v.allowedPattern() != null) {
            p.put("AllowedPattern", v.allowedPattern());
        }
        p.put("Version", v.number());
        ArrayNode labels = p.putArray("Labels");
        f.labels().forEach(labels::add);
        p.put("Tier", v.tier());
        p.putArray("Policies");
        p.put("DataType", v.dataType());
        return p;
    }

    private ObjectNode secretJson(Names.Requested r, ParameterStore.SecretView s) {
        ObjectNode source = NODES.objectNode();
        source.put("ARN", s.arn());
        source.put("name", s.id());
        source.put("versionId", s.versionId());
        if (sourceResultWithSecretString) {
            source.put("secretString", s.text());
        }
        ArrayNode stages = source.putArray("versionStages");
        s.stages().forEach(stages::add);
        source.put("createdDate", SOURCE_RESULT_DATE.format(s.created()));
        ObjectNode p = NODES.objectNode();
        p.put("Name", r.primary());
        p.put("Type", "SecureString");
        p.put("Value", s.text());
        p.put("Version", 0L);
        if (r.selector() != null) {
            p.put("Selector", ":" + r.selector());
        }
        try {
            p.put("SourceResult", json.writeValueAsString(source));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write SourceResult", e);
        }
        p.set("LastModifiedDate", timestamp(s.created()));
        p.put("ARN", s.arn());
        return p;
    }

    private static String shownValue(ParameterStore.Version v, boolean decrypt) {
        return v.type().equals("SecureString") && !decrypt ? v.ciphertext() : v.value();
    }

    /** Epoch seconds with a millisecond fraction: the JSON form of a timestamp in AWS JSON 1.1. */
    static DecimalNode timestamp(Instant t) {
        return DecimalNode.valueOf(BigDecimal.valueOf(t.toEpochMilli(), 3));
    }

    private Names.Requested parse(String name) {
        return Names.parse(name, store.region(), store.account());
    }

    private Names.Requested parseWithoutSelector(String name) {
        Names.Requested r = parse(name);
        if (r.selector() != null || r.secretId() != null) {
            throw SsmError.validation("Parameter name " + name + " is not valid here: no version, label or "
                    + "Secrets Manager reference is allowed");
        }
        return r;
    }

    private void checkDenied(String operation, Names.Requested r, String caller) {
        if (!faults.anyDenied()) {
            return;
        }
        for (String candidate : r.candidates()) {
            String code = faults.deniedCode(candidate);
            if (code != null) {
                throw denied(code, operation, candidate, caller);
            }
        }
    }

    private SsmError denied(String code, String operation, String name, String caller) {
        String resource = Names.isSecretReference(name)
                ? "arn:aws:secretsmanager:" + store.region() + ":" + store.account() + ":secret:"
                        + name.substring(Names.SECRETS_PREFIX.length())
                : Names.arn(store.region(), store.account(), name);
        String message = switch (code) {
            case "AccessDeniedException" -> "User: arn:aws:sts::" + store.account() + ":assumed-role/localssm/"
                    + caller + " is not authorized to perform: ssm:" + operation + " on resource: " + resource
                    + " because no identity-based policy allows the ssm:" + operation + " action";
            case "InvalidKeyId" -> "The KMS key of " + name + " is disabled or not valid (ciphertext refers to a "
                    + "customer master key that does not exist, does not exist in this region, or you are not allowed to access)";
            default -> "Injected fault " + code + " for " + name;
        };
        return SsmError.of(code, message);
    }

    private String userArn(String caller) {
        return "arn:aws:iam::" + store.account() + ":user/" + (caller.isEmpty() ? "localssm" : caller);
    }

    /**
     * A NextToken is the page's state, base64url without padding. {@code http.SdkEndpoint} encodes its tokens the same way, and the
     * copy is deliberate: the local SSM endpoint shares nothing with the sidecar but the logger (docs/architecture.md),
     * and each side only ever decodes tokens it made itself.
     */
    private static String encodeToken(String state) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(state.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token, String expectedPrefix) {
        String state;
        try {
            state = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalidToken();
        }
        if (!state.startsWith(expectedPrefix)) {
            throw invalidToken();
        }
        return state.substring(expectedPrefix.length());
    }

    private static SsmError invalidToken() {
        return new SsmError("InvalidNextToken", 400, "The specified token isn't valid.");
    }

    private static String requiredString(JsonNode req, String member) {
        String s = optionalString(req, member);
        if (s == null) {
            throw SsmError.validation("1 validation error detected: Value null at '" + lowerFirst(member)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return s;
    }

    private static String optionalString(JsonNode req, String member) {
        JsonNode n = req.get(member);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw serialization(member, "a string");
        }
        return n.asText();
    }

    private static boolean bool(JsonNode req, String member) {
        JsonNode n = req.get(member);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw serialization(member, "a boolean");
        }
        return n.booleanValue();
    }

    private static int integer(JsonNode req, String member, int fallback) {
        JsonNode n = req.get(member);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw serialization(member, "an integer");
        }
        return n.intValue();
    }

    private static List<String> strings(JsonNode req, String member) {
        JsonNode n = req.get(member);
        if (n == null || n.isNull()) {
            throw SsmError.validation("1 validation error detected: Value null at '" + lowerFirst(member)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (!n.isArray()) {
            throw serialization(member, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw serialization(member, "a list of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static SsmError serialization(String member, String expected) {
        return new SsmError("SerializationException", 400, "Member " + member + " must be " + expected);
    }

    private static String lowerFirst(String s) {
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
