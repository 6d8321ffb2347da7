package io.ssmsidecar.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The checks every request passes before its handler runs (after {@link Edge}'s proxy and {@code Host} checks,
 * which run before routing), in this order: unknown or repeated query parameters (400), then for
 * secret-bearing routes the token (401 missing, 403 wrong; compared in constant time). Probes ({@code /ping},
 * {@code /healthz}, {@code /readyz}, {@code /metrics}) skip the token.
 *
 * <p>The cap (429) counts requests that wait, not requests: a request answered from memory (probes, declared
 * secrets) takes no place and is never refused for capacity, whatever else is going on. A request that waits takes a
 * place when it starts waiting ({@link #handOff}) from the capacity of its kind: long-polls waiting for a change, and
 * requests waiting for an on-demand fetch, each up to {@code SIDECAR_MAX_CONNECTIONS}. So a flood of misses cannot
 * refuse long-polls, and neither can refuse a declared read or a probe.
 */
final class Guard {
    static final String TOKEN_HEADER = "X-Aws-Parameters-Secrets-Token";
    private static final String ROUTE_ATTRIBUTE = "ssm-sidecar.route";
    private static final String GUARD_ATTRIBUTE = "ssm-sidecar.guard";

    /** What a request waits for; each kind has a capacity of its own. */
    enum Wait {
        LONG_POLL("long-polls waiting for a change"),
        ON_DEMAND("requests waiting for an on-demand fetch");

        final String what;

        Wait(String what) {
            this.what = what;
        }
    }

    private final byte[] token;
    private final Map<Wait, Semaphore> places = new EnumMap<>(Wait.class);
    private final int maxWaiting;

    Guard(String token, int maxWaiting) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        for (Wait w : Wait.values()) {
            places.put(w, new Semaphore(maxWaiting));
        }
        this.maxWaiting = maxWaiting;
    }

    /** {@code handler} behind the checks of {@code route}. */
    Handler wrap(Route route, Handler handler) {
        return ctx -> {
            ctx.attribute(ROUTE_ATTRIBUTE, route.template);
            checkQuery(ctx, route);
            if (route.servesSecrets) {
                if (route.tokenChecked) {
                    checkToken(ctx.header(TOKEN_HEADER));
                }
                ctx.attribute(GUARD_ATTRIBUTE, this);
            }
            handler.handle(ctx);
        };
    }

    /** The route template a request matched, or {@link Route#UNMATCHED}. */
    static String route(Context ctx) {
        String route = ctx.attribute(ROUTE_ATTRIBUTE);
        return route == null ? Route.UNMATCHED : route;
    }

    /**
     * A place for a request whose response is decided later (a long-poll, an on-demand fetch); the caller must
     * {@link Permit#release()} it when the response is decided.
     *
     * @throws ApiError 429 when every place of that kind is taken
     */
    static Permit handOff(Context ctx, Wait kind) {
        Guard guard = ctx.attribute(GUARD_ATTRIBUTE);
        if (guard == null) {
            throw new IllegalStateException("no place: route " + route(ctx) + " is not capped");
        }
        Semaphore pool = guard.places.get(kind);
        if (!pool.tryAcquire()) {
            throw new ApiError(429, "TooManyRequests", "more than " + guard.maxWaiting + " " + kind.what
                    + " (SIDECAR_MAX_CONNECTIONS); retry shortly");
        }
        return new Permit(pool);
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

    /** One waiting request's place under the cap; released exactly once. */
    static final class Permit {
        private final Semaphore permits;
        private final AtomicBoolean released = new AtomicBoolean();

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
