package io.ssmsidecar.http;

import io.javalin.http.HandlerType;
import java.util.Set;

/**
 * Every endpoint: method, path template (also the {@code route} metrics label), the query parameters it
 * accepts, and whether it serves secrets (token and concurrency cap) or is an open probe.
 */
enum Route {
    LIST_SECRETS(HandlerType.GET, "/v1/secrets", true),
    GET_SECRET(HandlerType.GET, "/v1/secrets/{key}", true, "wait"),
    REFRESH(HandlerType.POST, "/v1/refresh", true),
    GET_PARAMETER(HandlerType.GET, "/systemsmanager/parameters/get", true, "name", "withDecryption", "version", "label"),
    GET_SECRET_VALUE(HandlerType.GET, "/secretsmanager/get", true, "secretId", "versionId", "versionStage", "refreshNow"),
    PING(HandlerType.GET, "/ping", false),
    HEALTHZ(HandlerType.GET, "/healthz", false),
    READYZ(HandlerType.GET, "/readyz", false),
    METRICS(HandlerType.GET, "/metrics", false),
    /** The app's own AWS SDK: it cannot send the token, so the handler checks SigV4 (or loopback) instead. */
    SDK_ENDPOINT(HandlerType.POST, "/", true, false);

    /** The metrics label for requests that matched no route (404, 405). */
    static final String UNMATCHED = "unmatched";

    final HandlerType method;
    final String template;
    final boolean servesSecrets;
    final Set<String> queryParameters;
    /** Whether the guard checks the API token; false where the handler authenticates the caller itself. */
    final boolean tokenChecked;

    Route(HandlerType method, String template, boolean servesSecrets, String... queryParameters) {
        this(method, template, servesSecrets, servesSecrets, queryParameters);
    }

    Route(HandlerType method, String template, boolean servesSecrets, boolean tokenChecked, String... queryParameters) {
        this.method = method;
        this.template = template;
        this.servesSecrets = servesSecrets;
        this.tokenChecked = tokenChecked;
        this.queryParameters = Set.of(queryParameters);
    }
}
