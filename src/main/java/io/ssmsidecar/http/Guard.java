package io.ssmsidecar.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The checks every request passes before its handler runs (after {@link Edge}'s proxy and {@code Host} checks,
 * which run before routing), in this order: unknown or repeated query parameters (400), then for
 * secret-bearing routes the token (401 missing, 403 wrong; compared in constant time), and the concurrency
 * cap (429). Probes ({@code /ping}, {@code /healthz}, {@code /readyz}, {@code /metrics}) skip the last
 * two so an orchestrator's health check still answers when the API is saturated.
 *
 * <p>The cap counts requests in progress, including long-polls waiting for a change, not TCP
 * connections: Jetty keeps idle keep-alive connections cheaply (no thread), and what a flood exhausts
 * is handler work and SSM calls. A permit is held until the response is decided.
 */
final class Guard {
    static final String TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";
    private static final String ROUTE_ATTRIBUTE = "ssm-sidecar.route";
    private static final String PERMIT_ATTRIBUTE = "ssm-sidecar.permit";

    private final byte[] token;
    private final Semaphore permits;
    private final int maxConcurrent;

    Guard(String token, int maxConcurrent) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.permits = new Semaphore(maxConcurrent);
        this.maxConcurrent = maxConcurrent;
    }

    /** {@code handler} behind the checks of {@code route}; the permit is released when it returns. */
    Handler wrap(Route route, Handler handler) {
        return ctx -> {
            ctx.attribute(ROUTE_ATTRIBUTE, route.template);
            checkQuery(ctx, route);
            if (!route.servesSecrets) {
                handler.handle(ctx);
                return;
            }
            if (route.tokenChecked) {
                checkToken(ctx.header(TOKEN_HEADER));
            }
            if (!permits.tryAcquire()) {
                throw new ApiError(429, "TooManyRequests",
                        "more than " + maxConcurrent + " requests in progress (SIDECAR_MAX_CONNECTIONS); retry shortly");
            }
            Permit permit = new Permit(permits);
            ctx.attribute(PERMIT_ATTRIBUTE, permit);
            try {
                handler.handle(ctx);
            } finally {
                if (!permit.handedOff) {
                    permit.release();
                }
            }
        };
    }

    /** The route template a request matched, or {@link Route#UNMATCHED}. */
    static String route(Context ctx) {
        String route = ctx.attribute(ROUTE_ATTRIBUTE);
        return route == null ? Route.UNMATCHED : route;
    }

    /**
     * Takes over the request's permit for a response decided later (a long-poll); the caller must
     * {@link Permit#release()} it when the response is decided.
     */
    static Permit handOff(Context ctx) {
        Permit permit = ctx.attribute(PERMIT_ATTRIBUTE);
        if (permit == null) {
            throw new IllegalStateException("no permit: route " + route(ctx) + " is not capped");
        }
        permit.handedOff = true;
        return permit;
    }

    private void checkToken(String presented) {
        if (presented == null) {
            throw new ApiError(401, "MissingToken", "the header " + TOKEN_HEADER + " is required");
        }
        // Expected first: isEqual's running time depends only on the first array's length.
        if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(403, "InvalidToken", "the header " + TOKEN_HEADER + " does not carry the configured token");
        }
    }

    private static void checkQuery(Context ctx, Route route) {
        for (Map.Entry<String, List<String>> param : ctx.queryParamMap().entrySet()) {
            String name = param.getKey();
            if (!route.queryParameters.contains(name)) {
                throw ApiError.badRequest("unknown query parameter '" + name + "' for " + route.template
                        + (route.queryParameters.isEmpty() ? "; it takes none"
                                : "; allowed: " + String.join(", ", new TreeSet<>(route.queryParameters))));
            }
            if (param.getValue().size() > 1) {
                throw ApiError.badRequest("query parameter '" + name + "' is given " + param.getValue().size()
                        + " times; give it once");
            }
        }
    }

    /** One request's place under the cap; released exactly once. */
    static final class Permit {
        private final Semaphore permits;
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile boolean handedOff;

        Permit(Semaphore permits) {
            this.permits = permits;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        }
    }
}
