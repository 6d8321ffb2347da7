package io.ssmsidecar.http;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * What every request on the listener passes before routing, whatever its route: probes, unknown paths and any route
 * added later included. The API serves the local task only, so:
 * <ul>
 *   <li>a request relayed by a proxy (any of {@link #PROXY_HEADERS}: {@code X-Forwarded-*}, {@code X-Real-IP},
 *       {@code Forwarded}, {@code Via}) is refused with 400 {@code ForwardedRequest} (the SSRF guard of AWS's agent,
 *       widened to the standard and the common de-facto headers);</li>
 *   <li>a request whose {@code Host} is not a loopback name or address ({@code localhost}, {@code 127.0.0.0/8},
 *       {@code [::1]}, any port), the listen address itself, or a name listed in {@code SIDECAR_ALLOWED_HOSTS} is
 *       refused with 400 {@code ForeignHost}: a web page that rebinds its own DNS name to 127.0.0.1 sends its name,
 *       so it reads neither probes nor values. Without {@code Host} (HTTP/1.0), an absolute-form target
 *       ({@code GET http://evil.example/...}) is judged by its authority the same way; an origin-form target passes
 *       (no browser sends one, and Jetty refuses HTTP/1.1 without {@code Host}). Targets that are no path
 *       ({@code OPTIONS *}) never reach Javalin's before-handlers, so {@link #targetsWithoutPath} checks them;</li>
 *   <li>{@code X-HTTP-Method-Override} has no effect: {@link #methodAsSent()} drops it before Javalin, which would
 *       otherwise route (and log) the method it names.</li>
 * </ul>
 */
final class Edge {
    static final List<String> PROXY_HEADERS = List.of("X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto",
            "X-Forwarded-Port", "X-Forwarded-Server", "X-Real-IP", "Forwarded", "Via");
    static final String METHOD_OVERRIDE_HEADER = "X-HTTP-Method-Override";
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
    /** Accepts loopback names and addresses only: the SDK endpoint's rule in {@code trust-loopback}. */
    static final Edge LOOPBACK_ONLY = new Edge(List.of(), "127.0.0.1");

    private final Set<String> allowedNames;
    private final Optional<InetAddress> listenAddress;

    /**
     * @param allowedHosts  extra names (or addresses) a request's {@code Host} may carry, compared without case
     * @param listenAddress the address the API binds; when it is not loopback, it is an accepted {@code Host} too
     */
    Edge(Collection<String> allowedHosts, String listenAddress) {
        this.allowedNames = allowedHosts.stream().map(Edge::normalName).collect(Collectors.toUnmodifiableSet());
        // A wildcard bind (0.0.0.0, ::) is no name of this host: browsers send 0.0.0.0 to loopback.
        this.listenAddress = literal(listenAddress).filter(a -> !a.isAnyLocalAddress());
    }

    /** The Javalin before-handler: refuses proxied requests and foreign {@code Host} names. */
    void check(Context ctx) {
        ApiError refused = refusal(ctx::header, ctx.req().getServerName(), ctx.req().getLocalAddr());
        if (refused != null) {
            throw refused;
        }
    }

    /**
     * Why a request is refused before routing, or null: a proxy header, else a foreign {@code Host}, else (no
     * {@code Host}) a foreign authority in an absolute-form target.
     *
     * @param header       a request header by name, null when absent
     * @param targetHost   the host of the request target as the server resolved it: the absolute-form authority, the
     *                     {@code Host}, or (neither) the connection's local address
     * @param localAddress the address the connection was accepted on
     */
    ApiError refusal(Function<String, String> header, String targetHost, String localAddress) {
        for (String name : PROXY_HEADERS) {
            if (header.apply(name) != null) {
                return new ApiError(400, "ForwardedRequest", "requests carrying " + name
                        + " are refused: this API serves the local task only, not requests relayed by a proxy");
            }
        }
        String host = header.apply("Host");
        if (host != null ? !accepted(host) : !authorityAccepted(targetHost, localAddress)) {
            return new ApiError(400, "ForeignHost", "the Host header (or the request target's authority) must name "
                    + "this host: localhost, 127.0.0.1 or [::1] (any port), or a name listed in SIDECAR_ALLOWED_HOSTS");
        }
        return null;
    }

    /**
     * A request without {@code Host}: its target's host is the absolute-form authority it sent, judged like a
     * {@code Host}, or the connection's own local address (origin form), which names this host by definition.
     */
    boolean authorityAccepted(String targetHost, String localAddress) {
        if (targetHost == null || targetHost.isEmpty()) {
            return true;
        }
        String bare = targetHost.startsWith("[") && targetHost.endsWith("]")
                ? targetHost.substring(1, targetHost.length() - 1) : targetHost;
        String asHost = bare.indexOf(':') >= 0 ? "[" + bare + "]" : bare;
        if (accepted(asHost)) {
            return true;
        }
        Optional<InetAddress> target = literal(bare);
        return target.isPresent() && localAddress != null && target.equals(literal(localAddress.startsWith("[")
                ? localAddress.substring(1, localAddress.length() - 1) : localAddress));
    }

    /**
     * The Jetty layer for request targets that are no path ({@code OPTIONS *}, an authority): Javalin answers them
     * without running its before-handlers, so the edge check runs here and answers 400 itself.
     */
    Handler.Wrapper targetsWithoutPath() {
        return new Handler.Wrapper() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = request.getHttpURI().getPath();
                if (path != null && path.startsWith("/")) {
                    return super.handle(request, response, callback);
                }
                HttpFields headers = request.getHeaders();
                ApiError refused = refusal(headers::get, request.getHttpURI().getHost(), Request.getLocalAddr(request));
                if (refused == null) {
                    return super.handle(request, response, callback);
                }
                JettyAnswers.error(response, callback, refused, false);
                return true;
            }
        };
    }

    /**
     * Whether a {@code Host} header value names this sidecar. Addresses are read as literals only (no DNS lookup):
     * {@code 0x7f.1} or {@code 2130706433} are names, and refused unless listed.
     */
    boolean accepted(String host) {
        String name;
        if (host.startsWith("[")) {
            int close = host.indexOf(']');
            if (close < 0 || !portOrNothing(host.substring(close + 1))) {
                return false;
            }
            name = host.substring(1, close);
            if (name.indexOf(':') < 0) {
                return false;
            }
        } else {
            int colon = host.indexOf(':');
            if (colon >= 0 && !portOrNothing(host.substring(colon))) {
                return false;
            }
            name = colon < 0 ? host : host.substring(0, colon);
        }
        if (name.isEmpty()) {
            return false;
        }
        Optional<InetAddress> address = literal(name);
        if (address.isPresent()) {
            return address.get().isLoopbackAddress() || address.equals(listenAddress)
                    || allowedNames.contains(address.get().getHostAddress());
        }
        String normal = normalName(name);
        return normal.equals("localhost") || allowedNames.contains(normal);
    }

    private static boolean portOrNothing(String rest) {
        return rest.isEmpty() || rest.charAt(0) == ':' && PORT.matcher(rest.substring(1)).matches();
    }

    /** A name lower-cased without its root dot; an address in its canonical form, so both compare as text. */
    static String normalName(String name) {
        String bare = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
        Optional<InetAddress> address = literal(bare);
        if (address.isPresent()) {
            return address.get().getHostAddress();
        }
        String lower = bare.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** The address an IPv4 dotted quad or an IPv6 literal denotes, without any DNS lookup; else empty. */
    static Optional<InetAddress> literal(String s) {
        // InetAddress reads text as a literal only when it starts with a hex digit or ':'; anything else (".::1") it
        // looks up in the hosts file and DNS, on the request thread.
        if (!IPV4.matcher(s).matches() && !(s.indexOf(':') >= 0 && IPV6_CHARS.matcher(s).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /**
     * The Jetty layer in front of Javalin that hides {@code X-HTTP-Method-Override}: Javalin 7 reads it in
     * {@code Context.method()} with no setting to turn that off, so a PUT or a GET would be routed, checked and logged
     * as whatever method the header names.
     */
    static Handler.Wrapper methodAsSent() {
        return new Handler.Wrapper() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                HttpFields headers = request.getHeaders();
                if (!headers.contains(METHOD_OVERRIDE_HEADER)) {
                    return super.handle(request, response, callback);
                }
                HttpFields without = HttpFields.build(headers).remove(METHOD_OVERRIDE_HEADER).asImmutable();
                return super.handle(new Request.Wrapper(request) {
                    @Override
                    public HttpFields getHeaders() {
                        return without;
                    }
                }, response, callback);
            }
        };
    }
}
