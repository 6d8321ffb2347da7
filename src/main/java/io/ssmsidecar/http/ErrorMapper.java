package io.ssmsidecar.http;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.CapacityFullException;
import io.ssmsidecar.store.NotAllowedException;
import java.util.concurrent.CompletionException;

/**
 * The one place where failures become HTTP responses: status plus {@code {"__type","message"}}. Our own
 * refusals carry their status; SSM errors pass through with SSM's status and code, as AWS's agents do;
 * a failure without an answer from SSM is a 502. Messages name parameters and codes, never values;
 * an unexpected exception is logged by type only and answered with a fixed message.
 */
final class ErrorMapper {
    private static final Log LOG = Log.get(ApiServer.class);

    private ErrorMapper() {
    }

    static void handle(Exception exception, Context ctx) {
        Throwable e = exception;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiError api) {
            if (api.status() == 429) {
                // Over the request cap: requests finish in milliseconds, so one second is a fair first wait.
                ctx.header("Retry-After", "1");
            }
            respond(ctx, api.status(), api.code(), api.getMessage());
        } else if (e instanceof SourceException source) {
            if (source instanceof CapacityFullException full) {
                ctx.header("Retry-After", Long.toString(full.retryAfter().toSeconds()));
            }
            int status = source.statusCode() >= 400 && source.statusCode() <= 599 ? source.statusCode() : 502;
            respond(ctx, status, source.errorCode(), source.getMessage());
        } else if (e instanceof NotAllowedException notAllowed) {
            respond(ctx, 403, "AccessDeniedException", notAllowed.getMessage());
        } else if (e instanceof HttpResponseException routing) {
            fromRouter(ctx, routing);
        } else {
            LOG.error("request failed unexpectedly", "route", Guard.route(ctx), "error", e.getClass().getName());
            respond(ctx, 500, "InternalError", "the request failed unexpectedly; see the sidecar's log");
        }
    }

    /** Javalin's own answers: no route (404), a known path with another method (405), and the like. */
    private static void fromRouter(Context ctx, HttpResponseException e) {
        String request = ctx.method() + " " + ctx.path();
        switch (e.getStatus()) {
            case 404 -> respond(ctx, 404, "NotFound", "no endpoint " + request + hint(ctx.path()));
            case 405 -> {
                String allowed = withoutHead(e.getDetails().get("availableMethods"));
                if (allowed != null) {
                    ctx.header("Allow", allowed);
                }
                respond(ctx, 405, "MethodNotAllowed", request + " is not allowed"
                        + (allowed == null ? "" : "; this path takes " + allowed));
            }
            default -> respond(ctx, e.getStatus(), "HttpError", e.getMessage());
        }
    }

    /** HEAD is registered only to refuse it (see {@code ApiServer}); it is never an allowed method. */
    private static String withoutHead(String methods) {
        if (methods == null) {
            return null;
        }
        String kept = String.join(", ", java.util.Arrays.stream(methods.split(","))
                .map(String::strip).filter(m -> !m.equals("HEAD")).toList());
        return kept.isEmpty() ? null : kept;
    }

    /** Users of AWS's agent call {@code /v1/<secretId>}; that form would shadow our {@code /v1/secrets}. */
    private static String hint(String path) {
        if (path.startsWith("/v1/") && !path.startsWith("/v1/secrets")) {
            return "; the Secrets Manager Agent's /v1/<secretId> form is not served here (it would collide with "
                    + "/v1/secrets), use /secretsmanager/get?secretId=<id>";
        }
        return "";
    }

    static void respond(Context ctx, int status, String code, String message) {
        ctx.status(status).contentType(Json.CONTENT_TYPE).result(Json.error(code, message));
    }
}
