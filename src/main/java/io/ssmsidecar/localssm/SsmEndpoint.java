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
    private static final int MAX_BODY = 1 << 20;
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");
    private static final Log LOG = Log.get(SsmEndpoint.class);

    /** An answer ready to send. */
    record Answer(int status, byte[] body, String errorCode) {
    }

    private final SsmProtocol protocol;
    private final Faults faults;
    private final Counters counters;
    private final CallLog calls;
    private final Clock clock;
    private final ObjectMapper json;
    private final ScheduledExecutorService delays;
    private final HttpHandler control;

    SsmEndpoint(SsmProtocol protocol, Faults faults, Counters counters, CallLog calls, Clock clock, ObjectMapper json,
                ScheduledExecutorService delays, HttpHandler control) {
        this.protocol = protocol;
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
            if (exchange.getRequestURI().getPath().startsWith(ControlApi.PREFIX)) {
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

    private void handleSsm(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        byte[] body = readBody(exchange.getRequestBody());
        String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
        String operation = target != null && target.startsWith(TARGET_PREFIX) ? target.substring(TARGET_PREFIX.length()) : null;
        if (!exchange.getRequestMethod().equals("POST") || !exchange.getRequestURI().getPath().equals("/")
                || operation == null || !SsmProtocol.OPERATIONS.contains(operation)) {
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

    private Answer run(String operation, JsonNode request, Instant now, String caller) {
        String injected = faults.injectedError();
        if (injected != null) {
            return error(SsmError.of(injected, injectedMessage(injected)));
        }
        try {
            ObjectNode result = protocol.execute(operation, request, now, caller);
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
