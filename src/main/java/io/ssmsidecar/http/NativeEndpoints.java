package io.ssmsidecar.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.Context;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.Readiness;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The sidecar's own endpoints: {@code /v1/...}, the probes and {@code /metrics}. */
final class NativeEndpoints {
    /** The longest long-poll a client may ask for; the connection idle timeout is longer. */
    static final Duration MAX_WAIT = Duration.ofSeconds(60);
    static final String TEXT = "text/plain; charset=utf-8";
    private static final Pattern WAIT = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    private final SecretsBackend backend;
    private final ChangeWaiters waiters;
    private final PrometheusMetrics metrics;

    NativeEndpoints(SecretsBackend backend, ChangeWaiters waiters, PrometheusMetrics metrics) {
        this.backend = backend;
        this.waiters = waiters;
        this.metrics = metrics;
    }

    /** {@code GET /v1/secrets}: every declared key with its metadata and refresh health, never a value. */
    void list(Context ctx) {
        Snapshot snapshot = backend.snapshot();
        byte[] body = Json.write(json -> {
            json.writeStartObject();
            json.writeArrayFieldStart("secrets");
            for (Map.Entry<String, Secret> entry : snapshot.secrets().entrySet()) {
                Secret secret = entry.getValue();
                Optional<KeyStatus> status = backend.status(entry.getKey());
                json.writeStartObject();
                json.writeStringField("key", secret.key());
                json.writeStringField("parameterName", secret.parameterName());
                json.writeNumberField("version", secret.version());
                json.writeStringField("versionTag", secret.versionTag());
                json.writeStringField("region", secret.region());
                writeInstant(json, "lastModified", secret.lastModified());
                writeInstant(json, "fetchedAt", secret.fetchedAt());
                json.writeBooleanField("stale", status.map(KeyStatus::stale).orElse(false));
                writeInstant(json, "lastRefreshSuccess", status.map(KeyStatus::lastSuccess).orElse(secret.fetchedAt()));
                json.writeStringField("lastErrorCode", status.map(KeyStatus::lastErrorCode).orElse(null));
                json.writeStringField("lastError", status.map(KeyStatus::lastError).orElse(null));
                json.writeNumberField("consecutiveFailures", status.map(KeyStatus::consecutiveFailures).orElse(0));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
        ctx.status(200).contentType(Json.CONTENT_TYPE).result(body);
    }

    private static void writeInstant(JsonGenerator json, String field, Instant at) throws IOException {
        json.writeStringField(field, at == null ? null : at.toString());
    }

    /**
     * {@code GET /v1/secrets/{key}[?wait=30s]}: the raw value with its ETag; 304 when {@code If-None-Match}
     * holds the current ETag. With {@code wait}, a matching request is held until the version changes
     * (then 200 with the new value) or the wait ends (then 304).
     */
    void secret(Context ctx) {
        Optional<Duration> wait = parseWait(ctx.queryParam("wait"));
        String key = ctx.pathParam("key");
        Secret secret = find(key);
        String ifNoneMatch = ctx.header("If-None-Match");
        if (ifNoneMatch == null || !etagMatches(ifNoneMatch, secret.versionTag())) {
            writeValue(ctx, secret);
            return;
        }
        if (wait.isEmpty()) {
            notModified(ctx, secret);
            return;
        }
        Guard.Permit permit = Guard.handOff(ctx, Guard.Wait.LONG_POLL);
        ctx.future(() -> waiters.await(key, secret.versionTag(), wait.get())
                .whenComplete((done, failure) -> permit.release())
                .thenRun(() -> {
                    Secret now = find(key);
                    if (etagMatches(ifNoneMatch, now.versionTag())) {
                        notModified(ctx, now);
                    } else {
                        writeValue(ctx, now);
                    }
                }));
    }

    /** {@code POST /v1/refresh}: asks for a refresh cycle and answers at once. */
    void refresh(Context ctx) {
        backend.requestRefresh();
        ctx.status(202).contentType(Json.CONTENT_TYPE).result(Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("status", "accepted");
            json.writeStringField("message", "a refresh cycle starts shortly; concurrent requests share one cycle");
            json.writeEndObject();
        }));
    }

    /** {@code GET /ping}: {@code healthy}, as AWS's agent answers. */
    void ping(Context ctx) {
        ctx.status(200).contentType(TEXT).result("healthy");
    }

    /** {@code GET /healthz}: the process serves requests. */
    void healthz(Context ctx) {
        ctx.status(200).contentType(Json.CONTENT_TYPE).result(Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("status", "ok");
            json.writeEndObject();
        }));
    }

    /** {@code GET /readyz}: 200 once every required secret is loaded and written, else 503 with the reason. */
    void readyz(Context ctx) {
        Readiness readiness = backend.readiness();
        ctx.status(readiness.ready() ? 200 : 503).contentType(Json.CONTENT_TYPE).result(Json.write(json -> {
            json.writeStartObject();
            json.writeBooleanField("ready", readiness.ready());
            json.writeStringField("reason", readiness.reason());
            json.writeEndObject();
        }));
    }

    /** {@code GET /metrics}: the Prometheus text format. */
    void metrics(Context ctx) {
        ctx.status(200).contentType(PrometheusMetrics.CONTENT_TYPE).result(metrics.scrape());
    }

    private Secret find(String key) {
        return backend.snapshot().get(key).orElseThrow(() -> ApiError.notFound(
                "no secret with key '" + key + "'; GET /v1/secrets lists the declared keys"));
    }

    private static void writeValue(Context ctx, Secret secret) {
        ctx.status(200).contentType(TEXT).header("ETag", etag(secret.versionTag())).header("Cache-Control", "no-store")
                .result(secret.value().utf8());
    }

    private static void notModified(Context ctx, Secret secret) {
        ctx.status(304).header("ETag", etag(secret.versionTag())).header("Cache-Control", "no-store");
    }

    static String etag(String versionTag) {
        return "\"" + versionTag + "\"";
    }

    /** RFC 9110 weak comparison: {@code *}, or any listed tag, with or without {@code W/}. */
    static boolean etagMatches(String ifNoneMatch, String versionTag) {
        String wanted = etag(versionTag);
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.strip();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    /** {@code 30s}, {@code 500ms}, {@code 1m} or plain seconds; more than zero and at most {@link #MAX_WAIT}. */
    static Optional<Duration> parseWait(String raw) {
        if (raw == null) {
            return Optional.empty();
        }
        Matcher m = WAIT.matcher(raw);
        Duration wait = null;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            wait = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            };
        }
        if (wait == null || wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw ApiError.badRequest("wait must be a duration such as 30s, 500ms or 1m, more than 0 and at most "
                    + MAX_WAIT.toSeconds() + "s; got '" + raw + "'");
        }
        return Optional.of(wait);
    }
}
