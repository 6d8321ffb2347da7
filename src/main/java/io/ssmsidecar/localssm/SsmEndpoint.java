package io.ssmsidecar.localssm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP side of the endpoint: routes {@code /_localssm/} to the {@link ControlApi} and everything else through
 * SSM's AWS JSON 1.1 protocol (target header, authorization check, injected faults, counting, logging, error bodies,
 * {@code x-amzn-RequestId}, delayed answers).
 */
final class SsmEndpoint implements HttpHandler {
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final String TARGET_PREFIX = "AmazonSSM.";
    private static final String SECRETS_MANAGER_TARGET_PREFIX = "secretsmanager.";
    private static final int MAX_BODY = 1 << 20;
    /** A Host header: a name, a dotted quad or a bracketed IPv6 literal, then an optional port. */
    private static final Pattern HOST = Pattern.compile("(\\[[0-9a-f:.]+\\]|[a-z0-9.-]+)(?::[0-9]{1,5})?");
    private static final Pattern OCTET = Pattern.compile("25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]");
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");
    private static final Log LOG = Log.get(SsmEndpoint.class);

    /** An answer ready to send. */
    record Answer(int status, byte[] body, String errorCode) {
    }

    private final SsmProtocol protocol;
    private final Identities identities;
    private final StsProtocol sts;
    private final SecretsManagerProtocol secretsManager;
    private final Faults faults;
    private final Counters counters;
    private final CallLog calls;
    private final Clock clock;
    private final ObjectMapper json;
    private final ScheduledExecutorService delays;
    private final HttpHandler control;

    SsmEndpoint(SsmProtocol protocol, Faults faults, Counters counters, CallLog calls, Clock clock, ObjectMapper json,
                ScheduledExecutorService delays, HttpHandler control) {
        this(protocol, faults, counters, calls, clock, json, delays, control, new Identities());
    }

    SsmEndpoint(SsmProtocol protocol, Faults faults, Counters counters, CallLog calls, Clock clock, ObjectMapper json,
                ScheduledExecutorService delays, HttpHandler control, Identities identities) {
        this.protocol = protocol;
        this.identities = identities;
        this.sts = new StsProtocol(identities);
        this.secretsManager = new SecretsManagerProtocol(protocol.store(), faults, identities);
        this.faults = faults;
        this.counters = counters;
        this.calls = calls;
        this.clock = clock;
        this.json = json;
        this.delays = delays;
        this.control = control;
    }

    @Override
    public void handle(HttpExchange exchange) {
        try {
            boolean forControl = exchange.getRequestURI().getPath().startsWith(ControlApi.PREFIX);
            if (refused(exchange, forControl)) {
                return;
            }
            if (forControl) {
                control.handle(exchange);
            } else {
                handleSsm(exchange);
            }
        } catch (IOException | RuntimeException e) {
            // The client went away or the socket was closed by refuseConnections(): nothing left to answer.
            LOG.debug("local ssm exchange failed", "error", e.getClass().getSimpleName());
            exchange.close();
        }
    }

    /**
     * The endpoint is unauthenticated, so what a web page can send must not reach it: a page that rebinds its DNS name
     * to 127.0.0.1 sends that name as {@code Host}, and a cross-site form or {@code no-cors} fetch can only send
     * {@code text/plain}, form or multipart bodies. A {@code Host} must be loopback ({@code localhost}, 127.0.0.0/8,
     * {@code [::1]}, any port; an HTTP/1.0 request without one passes: no browser sends that), and a request with a
     * body must carry the JSON type: {@code application/json} for the control API (every method but GET),
     * {@code application/x-amz-json-1.1} for SSM, as the AWS SDKs, boto3 and the AWS CLI send. Answers true when it
     * answered the refusal.
     */
    private boolean refused(HttpExchange exchange, boolean forControl) throws IOException {
        String host = exchange.getRequestHeaders().getFirst("Host");
        String wanted = forControl ? ControlApi.CONTENT_TYPE : CONTENT_TYPE;
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        SsmError refusal;
        if (host != null && !loopbackHost(host)) {
            refusal = new SsmError("ForeignHost", 400, "the Host header must be localhost, 127.0.0.1 or [::1] (any"
                    + " port): local-ssm serves this machine only");
        } else if ((!forControl || !exchange.getRequestMethod().equals("GET")) && !wanted.equals(mediaType(type))
                && !signedForm(exchange, forControl, type)) {
            refusal = new SsmError("UnsupportedMediaTypeException", 415, "Content-Type must be " + wanted + ", got "
                    + (type == null ? "none" : "'" + type.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
        } else {
            return false;
        }
        readBody(exchange.getRequestBody());
        Answer answer = error(refusal);
        exchange.getResponseHeaders().set("Content-Type", forControl ? ControlApi.CONTENT_TYPE : CONTENT_TYPE);
        exchange.sendResponseHeaders(answer.status(), answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
        LOG.debug("local ssm request refused", "code", refusal.code(), "path", exchange.getRequestURI().getPath());
        return true;
    }

    /**
     * STS's query protocol sends a form; a cross-site form cannot carry an {@code Authorization} header, so a form
     * with a SigV4 one is let through (to {@link StsProtocol}).
     */
    private static boolean signedForm(HttpExchange exchange, boolean forControl, String type) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        return !forControl && StsProtocol.FORM.equals(mediaType(type)) && authorization != null
                && authorization.startsWith("AWS4-HMAC-SHA256 ");
    }

    /** The media type of a Content-Type header, lower-cased, without parameters; null for none. */
    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    /** {@code localhost}, an IPv4 literal in 127.0.0.0/8 or {@code [::1]}, each with an optional port. */
    static boolean loopbackHost(String host) {
        Matcher m = HOST.matcher(host.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return false;
        }
        String name = m.group(1);
        if (name.equals("localhost") || name.equals("localhost.") || name.equals("[::1]")) {
            return true;
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String part : parts) {
            if (!OCTET.matcher(part).matches()) {
                return false;
            }
        }
        return true;
    }

    private void handleSsm(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        byte[] body = readBody(exchange.getRequestBody());
        if (StsProtocol.FORM.equals(mediaType(exchange.getRequestHeaders().getFirst("Content-Type")))) {
            handleSts(exchange, requestId, body);
            return;
        }
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String operation = operation(target);
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/")
                || operation == null) {
            send(exchange, requestId, error(new SsmError("UnknownOperationException", 400,
                    "Unknown operation " + (target == null ? "(no X-Amz-Target header)" : target))));
            return;
        }
        Instant now = clock.instant();
        Duration delay = faults.latency();
        counters.received(operation);
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        JsonNode request = null;
        Answer answer;
        if (authorization == null || authorization.isBlank()) {
            answer = error(new SsmError("MissingAuthenticationTokenException", 400, "Missing Authentication Token"));
        } else {
            try {
                request = body.length == 0 ? json.createObjectNode() : json.readTree(body);
                if (request == null || !request.isObject()) {
                    throw new SsmError("SerializationException", 400, "The request body must be a JSON object");
                }
                answer = run(operation, request, now, accessKeyId(authorization));
            } catch (JsonProcessingException e) {
                answer = error(new SsmError("SerializationException", 400, "The request body is not valid JSON"));
            } catch (SsmError e) {
                answer = error(e);
            }
        }
        counters.answered(answer.errorCode());
        calls.add(new Call(now, operation, SsmProtocol.namesOf(operation, request),
                authorization == null ? "" : accessKeyId(authorization), answer.status(), answer.errorCode()));
        if (delay.isZero()) {
            send(exchange, requestId, answer);
            return;
        }
        Answer reply = answer;
        try {
            delays.schedule(() -> sendQuietly(exchange, requestId, reply), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            exchange.close();
        }
    }

    /** STS {@code AssumeRole}: counted and logged as the other operations, answered in XML. */
    private void handleSts(HttpExchange exchange, String requestId, byte[] body) throws IOException {
        Instant now = clock.instant();
        counters.received("AssumeRole");
        String caller = accessKeyId(exchange.getRequestHeaders().getFirst("Authorization"));
        StsProtocol.Answer answer = sts.execute(body, caller, now, requestId);
        counters.answered(answer.errorCode());
        calls.add(new Call(now, "AssumeRole", answer.roleArn() == null ? java.util.List.of()
                : java.util.List.of(answer.roleArn()), caller, answer.status(), answer.errorCode()));
        byte[] bytes = answer.xml().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The operation a target names: SSM's ({@code AmazonSSM.X}) or Secrets Manager's ({@code secretsmanager.X}). */
    private static String operation(String target) {
        if (target == null) {
            return null;
        }
        if (target.startsWith(TARGET_PREFIX)) {
            String op = target.substring(TARGET_PREFIX.length());
            return SsmProtocol.OPERATIONS.contains(op) ? op : null;
        }
        if (target.startsWith(SECRETS_MANAGER_TARGET_PREFIX)) {
            String op = target.substring(SECRETS_MANAGER_TARGET_PREFIX.length());
            return SecretsManagerProtocol.OPERATIONS.contains(op) ? op : null;
        }
        return null;
    }

    private Answer run(String operation, JsonNode request, Instant now, String caller) {
        String injected = faults.injectedError();
        if (injected != null) {
            return error(SsmError.of(injected, injectedMessage(injected)));
        }
        try {
            identities.checkNotExpired(caller, now);
            ObjectNode result = SecretsManagerProtocol.OPERATIONS.contains(operation)
                    ? secretsManager.execute(operation, request, caller)
                    : protocol.execute(operation, request, now, caller);
            return new Answer(200, json.writeValueAsBytes(result), null);
        } catch (SsmError e) {
            return error(e);
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warn("local ssm operation failed", "operation", operation, "error", e.getClass().getName());
            return error(new SsmError("InternalServerError", 500, "An error occurred on the server side."));
        }
    }

    private static String injectedMessage(String code) {
        return switch (code) {
            case "ThrottlingException" -> "Rate exceeded";
            case "InternalServerError" -> "An error occurred on the server side.";
            case "ServiceUnavailable" -> "Service is unavailable.";
            default -> "Injected fault " + code;
        };
    }

    Answer error(SsmError e) {
        ObjectNode body = json.createObjectNode();
        body.put("__type", e.code());
        body.put("message", e.getMessage());
        try {
            return new Answer(e.status(), json.writeValueAsBytes(body), e.code());
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    private void sendQuietly(HttpExchange exchange, String requestId, Answer answer) {
        try {
            send(exchange, requestId, answer);
        } catch (IOException | RuntimeException e) {
            LOG.debug("local ssm delayed answer not delivered", "error", e.getClass().getSimpleName());
            exchange.close();
        }
    }

    private static void send(HttpExchange exchange, String requestId, Answer answer) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
        exchange.sendResponseHeaders(answer.status(), answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    /** The access key id of a SigV4 {@code Authorization} header ({@code Credential=AKID/date/region/ssm/aws4_request}). */
    static String accessKeyId(String authorization) {
        Matcher m = CREDENTIAL.matcher(authorization);
        return m.find() ? m.group(1) : "";
    }

    static byte[] readBody(InputStream in) throws IOException {
        try (in) {
            byte[] body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                throw new IOException("request body larger than " + MAX_BODY + " bytes");
            }
            return body;
        }
    }
}
