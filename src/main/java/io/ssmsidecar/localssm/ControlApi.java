package io.ssmsidecar.localssm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The endpoint's own small JSON API under {@code /_localssm/}, for users in another process (benchmarks, child-JVM
 * tests): counters, the call log, faults, and seeding parameters and secrets. Not part of SSM; needs no signature.
 */
final class ControlApi implements HttpHandler {
    static final String PREFIX = "/_localssm/";
    static final String CONTENT_TYPE = "application/json";
    private static final List<String> FAULT_KEYS = List.of("latencyMs", "throttlePerSecond", "errorRate", "errorCode",
            "deny", "failNext", "failNextErrorCode", "pageSize", "emptyPages", "refuseConnectionsForMs");

    private final LocalSsm ssm;
    private final ObjectMapper json;

    ControlApi(LocalSsm ssm, ObjectMapper json) {
        this.ssm = ssm;
        this.json = json;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String route = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
        byte[] body = SsmEndpoint.readBody(exchange.getRequestBody());
        Answer answer;
        try {
            answer = answer(route, exchange, body);
        } catch (IllegalArgumentException e) {
            answer = new Answer(400, message(e.getMessage()), null);
        }
        byte[] bytes = json.writeValueAsBytes(answer.body());
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        if (answer.afterwards() != null) {
            answer.afterwards().run();
        }
    }

    /** What a control request gets, and what runs once it has it (a fault applied after its own answer). */
    private record Answer(int status, JsonNode body, Runnable afterwards) {
        Answer(JsonNode body) {
            this(200, body, null);
        }
    }

    /** The answer for one route; a bad request body throws {@link IllegalArgumentException} (400). */
    private Answer answer(String route, HttpExchange exchange, byte[] body) throws IOException {
        return switch (route) {
            case "GET /_localssm/health" -> new Answer(json.createObjectNode().put("status", "ok"));
            case "GET /_localssm/counters" -> new Answer(counters());
            case "POST /_localssm/reset-counters" -> {
                ssm.counters().reset();
                ssm.clearCalls();
                yield new Answer(counters());
            }
            case "GET /_localssm/calls" -> new Answer(calls(query(exchange, "operation")));
            case "GET /_localssm/faults" -> new Answer(faults());
            case "DELETE /_localssm/faults" -> {
                ssm.faults().clear();
                yield new Answer(faults());
            }
            case "POST /_localssm/faults" -> {
                Runnable afterwards = applyFaults(object(body));
                yield new Answer(200, faults(), afterwards);
            }
            case "POST /_localssm/parameters" -> new Answer(putParameter(object(body)));
            case "POST /_localssm/secrets" -> new Answer(putSecret(object(body)));
            case "POST /_localssm/roles" -> new Answer(declareRole(object(body)));
            case "POST /_localssm/accounts" -> new Answer(guardAccount(object(body)));
            default -> new Answer(404, message("no such control route: " + route + "; routes: GET health, GET counters, "
                    + "POST reset-counters, GET calls[?operation=], GET|POST|DELETE faults, POST parameters, "
                    + "POST secrets, POST roles, POST accounts (all under " + PREFIX + ")"), null);
        };
    }

    private ObjectNode putParameter(JsonNode request) {
        checkKeys(request, List.of("name", "value", "type"));
        long version = ssm.put(text(request, "name"), text(request, "value"),
                request.hasNonNull("type") ? text(request, "type") : "String");
        return json.createObjectNode().put("version", version);
    }

    /**
     * A secret version: {@code id} a name or a full ARN, one of secretString or secretBinary (base64), stages, and
     * optionally {@code tags} (an object of tag key to value) set on the secret.
     */
    private ObjectNode putSecret(JsonNode request) {
        checkKeys(request, List.of("id", "secretString", "secretBinary", "stages", "tags"));
        java.util.Map<String, String> tags = new java.util.LinkedHashMap<>();
        if (request.has("tags")) {
            if (!request.get("tags").isObject()) {
                throw new IllegalArgumentException("'tags' must be an object of tag key to value");
            }
            request.get("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
        }
        if (request.has("secretString") == request.has("secretBinary")) {
            throw new IllegalArgumentException("give exactly one of 'secretString' and 'secretBinary'");
        }
        byte[] binary = null;
        if (request.has("secretBinary")) {
            try {
                binary = java.util.Base64.getDecoder().decode(text(request, "secretBinary"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'secretBinary' must be base64");
            }
        }
        List<String> stages = new ArrayList<>();
        if (request.has("stages")) {
            if (!request.get("stages").isArray()) {
                throw new IllegalArgumentException("'stages' must be an array of strings");
            }
            request.get("stages").forEach(n -> stages.add(n.asText()));
        }
        String versionId = ssm.putSecret(text(request, "id"),
                request.has("secretString") ? text(request, "secretString") : null, binary, stages);
        if (!tags.isEmpty()) {
            ssm.tagSecret(text(request, "id"), tags);
        }
        return json.createObjectNode().put("versionId", versionId);
    }

    /** A role STS AssumeRole may assume: {@code roleArn}, optional {@code externalId} and {@code sessionSeconds}. */
    private ObjectNode declareRole(JsonNode request) {
        checkKeys(request, List.of("roleArn", "externalId", "sessionSeconds"));
        ssm.declareRole(text(request, "roleArn"), request.has("externalId") ? text(request, "externalId") : null,
                request.has("sessionSeconds") ? Duration.ofSeconds(number(request, "sessionSeconds")) : null);
        return json.createObjectNode().put("roleArn", text(request, "roleArn"));
    }

    /** Only {@code principals} (role ARNs or access key ids) may read {@code account}'s secrets. */
    private ObjectNode guardAccount(JsonNode request) {
        checkKeys(request, List.of("account", "principals"));
        List<String> principals = new ArrayList<>();
        if (!request.path("principals").isArray()) {
            throw new IllegalArgumentException("'principals' must be an array of role ARNs or access key ids");
        }
        request.get("principals").forEach(n -> principals.add(n.asText()));
        ssm.guardAccount(text(request, "account"), principals);
        return json.createObjectNode().put("account", text(request, "account"));
    }

    private ObjectNode counters() {
        ObjectNode n = json.createObjectNode();
        Counters c = ssm.counters();
        n.put("total", c.total());
        n.put("failed", c.failed());
        n.put("throttled", c.throttled());
        ObjectNode ops = n.putObject("operations");
        c.byOperation().forEach(ops::put);
        return n;
    }

    private ArrayNode calls(String operation) {
        ArrayNode list = json.createArrayNode();
        for (Call call : ssm.calls()) {
            if (operation != null && !operation.equals(call.operation())) {
                continue;
            }
            ObjectNode n = list.addObject();
            n.set("at", SsmProtocol.timestamp(call.at()));
            n.put("operation", call.operation());
            ArrayNode names = n.putArray("names");
            call.names().forEach(names::add);
            n.put("accessKeyId", call.accessKeyId());
            n.put("status", call.status());
            n.put("errorCode", call.errorCode());
        }
        return list;
    }

    private ObjectNode faults() {
        Faults f = ssm.faults();
        ObjectNode n = json.createObjectNode();
        n.put("latencyMs", f.latency().toMillis());
        n.put("throttlePerSecond", f.throttlePerSecond());
        n.put("errorRate", f.errorRate());
        n.put("errorCode", f.errorCode());
        ObjectNode deny = n.putObject("deny");
        f.denied().forEach(deny::put);
        n.put("failNext", f.failNextRemaining());
        n.put("failNextErrorCode", f.failNextCode());
        n.put("pageSize", f.pageSize());
        n.put("emptyPages", f.emptyPages());
        n.put("refusingConnections", f.refusingConnections());
        return n;
    }

    /** Applies the faults named in {@code request}; returns what must run after the answer went out, or null. */
    private Runnable applyFaults(JsonNode request) {
        checkKeys(request, FAULT_KEYS);
        Faults f = ssm.faults();
        if (request.has("latencyMs")) {
            f.latency(Duration.ofMillis(number(request, "latencyMs")));
        }
        if (request.has("throttlePerSecond")) {
            f.throttleAbove((int) number(request, "throttlePerSecond"));
        }
        if (request.has("errorRate") || request.has("errorCode")) {
            double rate = request.has("errorRate") ? request.get("errorRate").asDouble(-1) : f.errorRate();
            f.errorRate(rate, request.has("errorCode") ? text(request, "errorCode") : f.errorCode());
        }
        if (request.has("deny")) {
            JsonNode deny = request.get("deny");
            if (!deny.isObject()) {
                throw new IllegalArgumentException("'deny' must be an object of name prefix to error code, e.g. "
                        + "{\"/prod/secret\": \"AccessDeniedException\"}");
            }
            f.denied().keySet().forEach(f::allow);
            for (Map.Entry<String, JsonNode> rule : deny.properties()) {
                f.deny(rule.getKey(), rule.getValue().asText());
            }
        }
        if (request.has("failNext") || request.has("failNextErrorCode")) {
            int calls = request.has("failNext") ? (int) number(request, "failNext") : f.failNextRemaining();
            f.failNext(calls, request.has("failNextErrorCode") ? text(request, "failNextErrorCode") : f.failNextCode());
        }
        if (request.has("pageSize")) {
            f.pageSize((int) number(request, "pageSize"));
        }
        if (request.has("emptyPages")) {
            JsonNode on = request.get("emptyPages");
            if (!on.isBoolean()) {
                throw new IllegalArgumentException("'emptyPages' must be true or false");
            }
            f.emptyPages(on.booleanValue());
        }
        if (request.has("refuseConnectionsForMs")) {
            long ms = number(request, "refuseConnectionsForMs");
            if (ms < 1) {
                throw new IllegalArgumentException("'refuseConnectionsForMs' must be 1 or more, got " + ms);
            }
            return () -> ssm.refuseConnectionsFor(Duration.ofMillis(ms));
        }
        return null;
    }

    private JsonNode object(byte[] body) {
        try {
            JsonNode n = json.readTree(body);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("the request body is not valid JSON");
        }
    }

    private static void checkKeys(JsonNode request, List<String> allowed) {
        List<String> unknown = new ArrayList<>();
        request.fieldNames().forEachRemaining(k -> {
            if (!allowed.contains(k)) {
                unknown.add(k);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown key(s) " + unknown + "; allowed: " + allowed);
        }
    }

    private static String text(JsonNode request, String key) {
        JsonNode n = request.get(key);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("'" + key + "' must be a string");
        }
        return n.asText();
    }

    private static long number(JsonNode request, String key) {
        JsonNode n = request.get(key);
        if (n == null || !n.isIntegralNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a whole number");
        }
        return n.asLong();
    }

    private ObjectNode message(String text) {
        return json.createObjectNode().put("message", text);
    }

    private static String query(HttpExchange exchange, String key) {
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return null;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(key)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
