package io.ssmsidecar.http;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.source.SigningCredentials;
import io.ssmsidecar.source.SourceException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies a request's AWS Signature Version 4 with the credentials the sidecar resolved itself, as AWS would:
 * the canonical request is rebuilt from the method, path, the signed headers as received and the body's SHA-256
 * ({@code host}, and {@code x-amz-target} and {@code content-type} when sent, must be among them);
 * the date must be within {@value #SKEW_MINUTES} minutes of this host's clock; the scope must name the expected
 * service and the sidecar's region; a session token must be the sidecar's. Signatures are compared in constant time.
 *
 * <p>Credentials rotate (ECS task-role keys every few hours): a request signed with keys the sidecar does not hold
 * makes it resolve its credentials once more, at most once per {@link #RESOLVE_AGAIN_EVERY}, so a flood of badly
 * signed requests cannot turn into a flood of calls to the credentials endpoint.
 *
 * <p>Refusals are {@link ApiError}s with AWS's codes and status 403, and one WARN line naming the reason and the
 * access key id; the signature, the secret key and the session token are never logged or echoed.
 */
final class SigV4Check {
    static final int SKEW_MINUTES = 5;
    static final Duration RESOLVE_AGAIN_EVERY = Duration.ofSeconds(10);
    /** Headers that choose what the body means: when sent, they must be signed, so a captured request keeps them. */
    static final List<String> MUST_SIGN_WHEN_PRESENT = List.of("x-amz-target", "content-type");
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Pattern WHITESPACE_RUN = Pattern.compile("[ \\t\\n\\u000b\\f\\r]+");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final Log LOG = Log.get(SigV4Check.class);

    /** What the check reads of a request: method, path, query, header values by lower-case name, and body. */
    record Request(String method, String path, String query, Function<String, List<String>> headers, byte[] body) {
        String first(String name) {
            List<String> values = headers.apply(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    private final SigningCredentials credentials;
    private final Clock clock;
    private volatile SigningCredentials.Keys resolvedAgain;
    private Instant lastResolvedAgain = Instant.MIN;

    SigV4Check(SigningCredentials credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /**
     * Returns when {@code request} is signed for {@code service} with the sidecar's credentials.
     *
     * @throws ApiError 403 saying why, otherwise
     */
    void verify(Request request, String service) {
        String authorization = request.first("authorization");
        if (authorization == null) {
            throw refuse("MissingAuthenticationTokenException", "no Authorization header",
                    "Missing Authentication Token: this endpoint (SIDECAR_SDK_ENDPOINT=verify) serves SigV4-signed "
                            + "requests only", null);
        }
        Authorization auth = Authorization.parse(authorization);
        String amzDate = request.first("x-amz-date");
        if (amzDate == null || !auth.signedHeaders().contains("host")) {
            throw refuse("IncompleteSignatureException", "no X-Amz-Date header or host not signed",
                    "The request must carry X-Amz-Date and sign the host header", auth.accessKeyId());
        }
        for (String name : MUST_SIGN_WHEN_PRESENT) {
            if (request.first(name) != null && !auth.signedHeaders().contains(name)) {
                throw refuse("IncompleteSignatureException", name + " not signed",
                        "The request must sign the " + name + " header it carries (every AWS SDK and the CLI do): "
                                + "unsigned, the operation or the body's reading could be swapped", auth.accessKeyId());
            }
        }
        checkDate(amzDate, auth);
        if (!auth.region().equals(credentials.region())) {
            throw refuse("InvalidSignatureException", "signed for region " + auth.region(),
                    "Credential should be scoped to a valid region: this sidecar serves '" + credentials.region()
                            + "', not '" + auth.region() + "'", auth.accessKeyId());
        }
        if (!auth.service().equals(service)) {
            throw refuse("InvalidSignatureException", "signed for service " + auth.service(),
                    "Credential should be scoped to correct service: '" + service + "'", auth.accessKeyId());
        }
        byte[] stringToSign = stringToSign(request, auth, amzDate);
        String presentedToken = request.first("x-amz-security-token");
        String why = mismatch(keys(), auth, stringToSign, presentedToken);
        SigningCredentials.Keys again = resolvedAgain;
        if (why != null && again != null) {
            why = mismatch(again, auth, stringToSign, presentedToken);
        }
        if (why != null) {
            SigningCredentials.Keys fresh = resolveAgainBounded();
            if (fresh != null) {
                why = mismatch(fresh, auth, stringToSign, presentedToken);
            }
        }
        if (why == null) {
            return;
        }
        if (why.startsWith("signature")) {
            throw refuse("InvalidSignatureException", why, "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method.", auth.accessKeyId());
        }
        throw refuse("AccessDeniedException", why, "The request was signed with credentials other than this task's ("
                + why + "); this endpoint serves callers that hold the sidecar's own credentials", auth.accessKeyId());
    }

    private void checkDate(String amzDate, Authorization auth) {
        Instant signedAt;
        try {
            signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw refuse("IncompleteSignatureException", "unreadable X-Amz-Date",
                    "X-Amz-Date must be a basic ISO-8601 date such as 20240101T000000Z", auth.accessKeyId());
        }
        if (!amzDate.startsWith(auth.date())) {
            throw refuse("InvalidSignatureException", "scope date differs from X-Amz-Date",
                    "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP",
                    auth.accessKeyId());
        }
        Instant now = clock.instant();
        Duration skew = Duration.ofMinutes(SKEW_MINUTES);
        if (signedAt.isBefore(now.minus(skew))) {
            throw refuse("InvalidSignatureException", "signature expired (signed " + amzDate + ")",
                    "Signature expired: " + amzDate + " is now earlier than " + format(now.minus(skew)) + " ("
                            + format(now) + " - " + SKEW_MINUTES + " min.)", auth.accessKeyId());
        }
        if (signedAt.isAfter(now.plus(skew))) {
            throw refuse("InvalidSignatureException", "signature not yet current (signed " + amzDate + ")",
                    "Signature not yet current: " + amzDate + " is still later than " + format(now.plus(skew)) + " ("
                            + format(now) + " + " + SKEW_MINUTES + " min.)", auth.accessKeyId());
        }
    }

    private static String format(Instant t) {
        return AMZ_DATE.format(t.atOffset(ZoneOffset.UTC));
    }

    /** Null when {@code keys} produce the presented signature; else why not (never the signature itself). */
    private static String mismatch(SigningCredentials.Keys keys, Authorization auth, byte[] stringToSign,
                                   String presentedToken) {
        if (!keys.accessKeyId().equals(auth.accessKeyId())) {
            return "access key id " + auth.accessKeyId() + " is not the sidecar's";
        }
        String token = keys.sessionToken();
        if (presentedToken == null ? token != null
                : token == null || !MessageDigest.isEqual(bytes(token), bytes(presentedToken))) {
            return "session token differs from the sidecar's";
        }
        byte[] key = hmac(bytes("AWS4" + keys.secretAccessKey().reveal()), bytes(auth.date()));
        key = hmac(key, bytes(auth.region()));
        key = hmac(key, bytes(auth.service()));
        key = hmac(key, bytes("aws4_request"));
        byte[] expected = bytes(HexFormat.of().formatHex(hmac(key, stringToSign)));
        return MessageDigest.isEqual(expected, bytes(auth.signature().toLowerCase(Locale.ROOT)))
                ? null : "signature does not match";
    }

    private SigningCredentials.Keys keys() {
        try {
            return credentials.current();
        } catch (SourceException e) {
            LOG.warn("sdk endpoint cannot resolve the sidecar's own credentials", "error", e.errorCode());
            throw new ApiError(500, "InternalServerError",
                    "the sidecar could not resolve its own AWS credentials to verify the request; see its log");
        }
    }

    /** Fresh keys, or null when they were resolved again less than {@link #RESOLVE_AGAIN_EVERY} ago. */
    private SigningCredentials.Keys resolveAgainBounded() {
        synchronized (this) {
            Instant now = clock.instant();
            if (lastResolvedAgain.isAfter(now.minus(RESOLVE_AGAIN_EVERY))) {
                return null;
            }
            lastResolvedAgain = now;
        }
        try {
            SigningCredentials.Keys fresh = credentials.resolveAgain();
            resolvedAgain = fresh;
            return fresh;
        } catch (SourceException e) {
            LOG.warn("sdk endpoint could not resolve credentials again", "error", e.errorCode());
            return null;
        }
    }

    private static byte[] stringToSign(Request request, Authorization auth, String amzDate) {
        StringBuilder canonical = new StringBuilder();
        canonical.append(request.method()).append('\n').append(request.path()).append('\n')
                .append(request.query() == null ? "" : request.query()).append('\n');
        for (String name : auth.signedHeaders()) {
            List<String> values = request.headers().apply(name);
            List<String> trimmed = new ArrayList<>();
            for (String v : values == null ? List.<String>of() : values) {
                trimmed.add(canonicalValue(v));
            }
            canonical.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        canonical.append('\n').append(String.join(";", auth.signedHeaders())).append('\n')
                .append(HexFormat.of().formatHex(sha256(request.body())));
        String scope = auth.date() + "/" + auth.region() + "/" + auth.service() + "/aws4_request";
        return bytes(ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                + HexFormat.of().formatHex(sha256(bytes(canonical.toString()))));
    }

    /**
     * A header value as the AWS SDKs sign it: each run of spaces, tabs and line breaks one space, none at either end
     * (a tab left as it was made every request with one in a signed header fail).
     */
    static String canonicalValue(String value) {
        String collapsed = WHITESPACE_RUN.matcher(value).replaceAll(" ");
        int start = collapsed.startsWith(" ") ? 1 : 0;
        int end = collapsed.length() > start && collapsed.endsWith(" ") ? collapsed.length() - 1 : collapsed.length();
        return collapsed.substring(start, end);
    }

    private ApiError refuse(String code, String why, String message, String accessKeyId) {
        LOG.warn("sdk endpoint refused a request", "reason", why, "accessKeyId", accessKeyId == null ? "none" : accessKeyId);
        return new ApiError(403, code, message);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }

    /** The parts of {@code AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=a;b, Signature=hex}. */
    record Authorization(String accessKeyId, String date, String region, String service, List<String> signedHeaders,
                         String signature) {

        static Authorization parse(String header) {
            if (!header.startsWith(ALGORITHM + " ")) {
                throw incomplete("the Authorization header must use " + ALGORITHM);
            }
            String credential = null;
            String signed = null;
            String signature = null;
            for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
                String p = part.strip();
                if (p.startsWith("Credential=")) {
                    credential = p.substring("Credential=".length());
                } else if (p.startsWith("SignedHeaders=")) {
                    signed = p.substring("SignedHeaders=".length());
                } else if (p.startsWith("Signature=")) {
                    signature = p.substring("Signature=".length());
                }
            }
            if (credential == null || signed == null || signature == null || signed.isEmpty()) {
                throw incomplete("the Authorization header must carry Credential, SignedHeaders and Signature");
            }
            String[] scope = credential.split("/", -1);
            if (scope.length != 5 || !scope[4].equals("aws4_request") || !scope[1].matches("[0-9]{8}")) {
                throw incomplete("Credential must be <access key id>/<yyyyMMdd>/<region>/<service>/aws4_request");
            }
            List<String> signedHeaders = List.of(signed.toLowerCase(Locale.ROOT).split(";"));
            if (Set.copyOf(signedHeaders).size() != signedHeaders.size()) {
                // Each repetition would add the header's value to the canonical request again: quadratic work.
                throw incomplete("SignedHeaders must name each header once");
            }
            return new Authorization(scope[0], scope[1], scope[2], scope[3], signedHeaders, signature);
        }

        private static ApiError incomplete(String message) {
            LOG.warn("sdk endpoint refused a request", "reason", "malformed Authorization header");
            return new ApiError(403, "IncompleteSignatureException", message);
        }

        @Override
        public String toString() {
            return "Authorization[" + accessKeyId + "/" + date + "/" + region + "/" + service + "]";
        }
    }
}
