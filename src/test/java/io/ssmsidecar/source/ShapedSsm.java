package io.ssmsidecar.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny loopback SSM that answers {@code GetParameters} in a chosen shape, so the matching of answers can be tested
 * through the real SDK: {@link Shape#AWS} echoes {@code Selector} and names a Secrets Manager answer by the reference
 * path; {@link Shape#MOTO} sends no {@code Selector} and names it by the secret's id (as moto 5.2 does);
 * {@link Shape#SECRET_ARN} is moto's shape with a secret named by its Secrets Manager ARN. Answers come in reverse
 * request order, so nothing can rely on order.
 */
final class ShapedSsm implements AutoCloseable {
    enum Shape { AWS, MOTO, SECRET_ARN }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRETS = "/aws/reference/secretsmanager/";

    private final HttpServer server;
    private final Shape shape;
    private final Map<String, List<String>> versions = new HashMap<>();
    private final Map<String, Map<String, Integer>> labels = new HashMap<>();
    private final Map<String, String> secrets = new HashMap<>();
    /** A broken server: every selector is ignored and the latest version answered, without a Selector. */
    volatile boolean ignoreSelectors;
    /** The names of every GetParameters call, in order. */
    final List<List<String>> calls = new CopyOnWriteArrayList<>();

    ShapedSsm(Shape shape) throws IOException {
        this.shape = shape;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized void put(String name, String... values) {
        versions.put(name, List.of(values));
    }

    synchronized void label(String name, String label, int version) {
        labels.computeIfAbsent(name, n -> new HashMap<>()).put(label, version);
    }

    synchronized void secret(String id, String value) {
        secrets.put(id, value);
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode request = JSON.readTree(exchange.getRequestBody());
        List<String> names = new ArrayList<>();
        request.path("Names").forEach(n -> names.add(n.asText()));
        calls.add(List.copyOf(names));
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode found = answer.putArray("Parameters");
        ArrayNode invalid = answer.putArray("InvalidParameters");
        List<String> reversed = new ArrayList<>(names);
        Collections.reverse(reversed);
        for (String name : reversed) {
            ObjectNode p = answerFor(name);
            if (p == null) {
                invalid.add(name);
            } else {
                found.add(p);
            }
        }
        byte[] body = JSON.writeValueAsBytes(answer);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private synchronized ObjectNode answerFor(String asked) {
        int colon = asked.indexOf(':');
        String base = colon < 0 ? asked : asked.substring(0, colon);
        String selector = colon < 0 ? null : asked.substring(colon + 1);
        ObjectNode p = JSON.createObjectNode();
        if (base.startsWith(SECRETS)) {
            String id = base.substring(SECRETS.length());
            String value = secrets.get(id);
            if (value == null || selector != null) {
                return null;
            }
            String arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-AbCdEf";
            p.put("Name", switch (shape) {
                case AWS -> base;
                case MOTO -> id;
                case SECRET_ARN -> arn;
            });
            p.put("Type", "SecureString").put("Value", value).put("Version", 0);
            p.put("SourceResult", "{\"ARN\":\"" + arn + "\",\"Name\":\"" + id + "\",\"SecretString\":\"x\"}");
            return p;
        }
        List<String> values = versions.get(base);
        if (values == null) {
            return null;
        }
        int version = values.size();
        if (selector != null && !ignoreSelectors) {
            Integer labelled = labels.getOrDefault(base, Map.of()).get(selector);
            version = labelled != null ? labelled : selector.matches("[0-9]+") ? Integer.parseInt(selector) : -1;
            if (version < 1 || version > values.size()) {
                return null;
            }
        }
        p.put("Name", base).put("Type", "String").put("Value", values.get(version - 1)).put("Version", version);
        if (selector != null && shape == Shape.AWS && !ignoreSelectors) {
            p.put("Selector", ":" + selector);
        }
        p.put("ARN", "arn:aws:ssm:us-east-1:123456789012:parameter" + (base.startsWith("/") ? "" : "/") + base);
        p.put("DataType", "text");
        return p;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    @Override
    public String toString() {
        return "ShapedSsm[" + shape + "]";
    }
}
