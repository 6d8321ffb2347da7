package io.ssmsidecar.http;

import io.javalin.http.Context;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.NotAllowedException;
import io.ssmsidecar.store.OnDemandFetcher;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;

/**
 * The two endpoints that answer like AWS's local agents, so code written for them works unchanged:
 * the Parameters and Secrets Lambda extension's {@code GetParameter} and the Secrets Manager Agent's
 * {@code GetSecretValue} (see {@link SecretsBackend#fetchSecret} for where a secret is read from).
 */
final class CompatEndpoints {
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");
    /** SSM labels, and Secrets Manager stages and version ids: letters, digits, {@code . - _}. */
    static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final SecretsBackend backend;
    /** Writes answers of fetches that completed later, so SSM call threads and the wait timer never write to sockets. */
    private final Executor responder;

    CompatEndpoints(SecretsBackend backend, Executor responder) {
        this.backend = backend;
        this.responder = responder;
    }

    /** {@code GET /systemsmanager/parameters/get?name=..&withDecryption=true[&version=N|&label=L]}. */
    void getParameter(Context ctx) throws SourceException, NotAllowedException {
        String name = required(ctx, "name");
        boolean decrypt = bool(ctx, "withDecryption");
        String version = ctx.queryParam("version");
        String label = ctx.queryParam("label");
        if (version != null && label != null) {
            throw ApiError.badRequest("give version or label, not both");
        }
        String selector = version != null ? version : label;
        if (selector != null && hasSelector(name)) {
            throw ApiError.badRequest("name '" + name + "' already carries a :version or :label selector; "
                    + "drop it or the version/label parameter");
        }
        if (version != null && !VERSION.matcher(version).matches()) {
            throw ApiError.badRequest("version must be a positive whole number; got '" + version + "'");
        }
        if (label != null && !SELECTOR.matcher(label).matches()) {
            throw ApiError.badRequest("label must be 1 to 100 letters, digits, '.', '-' or '_'; got '" + label + "'");
        }
        String requestName = selector == null ? name : name + ":" + selector;
        whenFetched(ctx, responder, backend.fetchParameter(requestName, false), parameter -> {
            if ("SecureString".equals(parameter.type()) && !decrypt) {
                throw ApiError.badRequest("'" + name + "' is a SecureString and this sidecar serves decrypted values "
                        + "only; add withDecryption=true");
            }
            ctx.status(200).contentType(Json.CONTENT_TYPE).header("Cache-Control", "no-store")
                    .result(AwsJson.getParameterResponse(parameter));
        });
    }

    /** {@code GET /secretsmanager/get?secretId=..[&versionId=..|&versionStage=..][&refreshNow=true]}. */
    void getSecretValue(Context ctx) throws SourceException, NotAllowedException {
        String secretId = required(ctx, "secretId");
        String versionId = selector(ctx, "versionId");
        String versionStage = selector(ctx, "versionStage");
        boolean refreshNow = bool(ctx, "refreshNow");
        whenFetched(ctx, responder, fetchSecret(backend, secretId, versionId, versionStage, refreshNow),
                parameter -> ctx.status(200).contentType(Json.CONTENT_TYPE).header("Cache-Control", "no-store")
                        .result(secretValue(secretId, versionId, versionStage, parameter)));
    }

    /**
     * The secret {@code secretId} as {@link SecretsBackend#fetchSecret} finds it (declared, allowed by an {@code sm://}
     * entry, or through Parameter Store's reference path). Shared by the agent's {@code /secretsmanager/get} and the
     * SDK endpoint's {@code secretsmanager.GetSecretValue} and {@code BatchGetSecretValue}. A missing secret or
     * version fails the future with Secrets Manager's {@code ResourceNotFoundException}.
     */
    static CompletableFuture<Parameter> fetchSecret(SecretsBackend backend, String secretId, String versionId,
                                                    String versionStage, boolean refreshNow) {
        // Parameter Store takes one selector; a version id is the narrower one, its stages are checked by secretValue.
        String selector = versionId != null ? versionId : versionStage;
        return backend.fetchSecret(secretId, versionId, versionStage, refreshNow).exceptionally(failure -> {
            Throwable e = OnDemandFetcher.cause(failure);
            if (e instanceof SourceException s
                    && ("ParameterNotFound".equals(s.errorCode()) || "ParameterVersionNotFound".equals(s.errorCode()))) {
                throw new CompletionException(new SourceException("ResourceNotFoundException", 400, false,
                        "Secrets Manager can't find the specified secret" + (selector == null ? "" : " version")
                                + ": '" + secretId + "' (Parameter Store answered " + s.errorCode() + ")", s));
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(e);
        });
    }

    /**
     * The {@code GetSecretValue} body for a secret fetched by {@link #fetchSecret}.
     *
     * @throws SourceException {@code ResourceNotFoundException} when {@code versionId} does not carry {@code versionStage}
     */
    static byte[] secretValue(String secretId, String versionId, String versionStage, Parameter parameter)
            throws SourceException {
        if (versionId != null && versionStage != null && !AwsJson.metadata(parameter).stages().contains(versionStage)) {
            throw new SourceException("ResourceNotFoundException", 400, false, "version '" + versionId
                    + "' of secret '" + secretId + "' does not carry the stage '" + versionStage + "'", null);
        }
        return AwsJson.getSecretValueResponse(secretId, parameter);
    }

    /** Writes the answer for a fetched value. */
    interface Answer<T> {
        void write(T value) throws SourceException;
    }

    /**
     * Answers at once when the parameter is at hand (declared or cached: the common case, kept synchronous). Otherwise
     * the request thread is released and the answer is written when the on-demand fetch completes; the request takes
     * a place of the on-demand kind ({@link Guard.Wait#ON_DEMAND}, 429 when none is free) until then.
     */
    static <T> void whenFetched(Context ctx, Executor responder, CompletableFuture<T> fetch, Answer<T> answer)
            throws SourceException, NotAllowedException {
        if (fetch.isDone()) {
            answer.write(OnDemandFetcher.resultOf(fetch));
            return;
        }
        Guard.Permit permit = Guard.handOff(ctx, Guard.Wait.ON_DEMAND);
        ctx.future(() -> fetch.whenCompleteAsync((p, e) -> permit.release(), responder).thenAccept(value -> {
            try {
                answer.write(value);
            } catch (SourceException e) {
                throw new CompletionException(e);
            }
        }));
    }

    private static String required(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isBlank()) {
            throw ApiError.badRequest("query parameter '" + name + "' is required");
        }
        return value;
    }

    private static String selector(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value != null && !SELECTOR.matcher(value).matches()) {
            throw ApiError.badRequest(name + " must be 1 to 100 letters, digits, '.', '-' or '_'; got '" + value + "'");
        }
        return value;
    }

    /** {@code true}/{@code false} in any case, or {@code 1}/{@code 0} as the agent accepts; absent is false. */
    private static boolean bool(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiError.badRequest(name + " must be true or false; got '" + value + "'");
        };
    }

    /** A {@code :version} or {@code :label} after the name (an ARN's own colons come before its last slash). */
    static boolean hasSelector(String name) {
        String tail = name.startsWith("arn:") ? name.substring(Math.max(0, name.indexOf("parameter/"))) : name;
        return tail.indexOf(':') >= 0;
    }
}
