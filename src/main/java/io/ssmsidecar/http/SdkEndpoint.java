package io.ssmsidecar.http;

import io.javalin.http.Context;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.store.NotAllowedException;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.Secret;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * {@code POST /} in SSM's own wire protocol (AWS JSON 1.1), so an app's unchanged AWS SDK or CLI pointed here with
 * {@code AWS_ENDPOINT_URL_SSM} / {@code AWS_ENDPOINT_URL_SECRETS_MANAGER} reads its secrets through the sidecar:
 * {@code AmazonSSM.GetParameter}, {@code GetParameters}, {@code GetParametersByPath} and
 * {@code secretsmanager.GetSecretValue}, answered with the members, types and error codes of the service models.
 *
 * <p>Declared names, declared paths and Secrets Manager references come from the snapshot (no SSM call); other
 * names go through {@link SecretsBackend#fetchParameter} (bounded on-demand fetches, {@code SIDECAR_ALLOW}). It is read-only: every other
 * operation is refused by name. Who may call is {@link ApiServer.SdkAccess}: SigV4 verified with the sidecar's own
 * credentials, or any loopback caller.
 */
final class SdkEndpoint {
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    static final String REQUEST_ID_HEADER = "x-amzn-RequestId";
    static final int MAX_NAMES = 10;
    static final int MAX_PATH_RESULTS = 10;
    /** Secrets Manager's limit on {@code BatchGetSecretValue}'s {@code SecretIdList}. */
    static final int MAX_SECRET_IDS = 20;
    private static final String TOKEN_VERSION = "sdk1\n";

    /** The operations served, by {@code X-Amz-Target}. */
    enum Operation {
        GET_PARAMETER("AmazonSSM.GetParameter"),
        GET_PARAMETERS("AmazonSSM.GetParameters"),
        GET_PARAMETERS_BY_PATH("AmazonSSM.GetParametersByPath"),
        GET_SECRET_VALUE("secretsmanager.GetSecretValue"),
        BATCH_GET_SECRET_VALUE("secretsmanager.BatchGetSecretValue");

        final String target;

        Operation(String target) {
            this.target = target;
        }

        static Operation of(String target) {
            for (Operation o : values()) {
                if (o.target.equals(target)) {
                    return o;
                }
            }
            return null;
        }

        /**
         * The service a target's signature is scoped to: Secrets Manager's prefix, else SSM. Known before the
         * operation is, so an unserved operation is refused only after its caller was checked.
         */
        static String serviceOf(String target) {
            return target != null && target.startsWith("secretsmanager.") ? "secretsmanager" : "ssm";
        }
    }

    private final SecretsBackend backend;
    private final ApiServer.SdkMode mode;
    private final SigV4Check signatures;
    /** Writes answers that waited for an on-demand fetch (see {@link CompatEndpoints#whenFetched}). */
    private final Executor responder;

    SdkEndpoint(SecretsBackend backend, ApiServer.SdkAccess access, Executor responder) {
        this.backend = backend;
        this.responder = responder;
        this.mode = access.mode();
        this.signatures = access.mode() == ApiServer.SdkMode.VERIFY
                ? new SigV4Check(access.credentials().orElseThrow(), access.clock()) : null;
    }

    /**
     * Whether a {@code POST /} may have its body read, judged from its head alone: the endpoint is on, and the caller
     * passed what can be checked without the body (a loopback caller naming a loopback host in {@code trust-loopback},
     * an {@code Authorization} header in {@code verify}). A request refused here is refused by {@link #handle} before
     * it needs the body, which is then never read (see {@link BodyGate}).
     */
    boolean readsBody(Function<String, String> header, String remoteAddress, String targetHost, String localAddress) {
        return switch (mode) {
            case OFF -> false;
            case TRUST_LOOPBACK -> isLoopback(remoteAddress) && loopbackHost(header, targetHost, localAddress);
            case VERIFY -> header.apply("Authorization") != null;
        };
    }

    /** {@code POST /}: caller check, then the operation named by {@code X-Amz-Target}. */
    void handle(Context ctx) throws SourceException, NotAllowedException {
        ctx.header(REQUEST_ID_HEADER, UUID.randomUUID().toString());
        if (mode == ApiServer.SdkMode.OFF) {
            throw new ApiError(403, "AccessDeniedException", "the SDK endpoint is off; set SIDECAR_SDK_ENDPOINT=verify "
                    + "(or trust-loopback) on the sidecar to serve the app's AWS SDK here");
        }
        String target = ctx.header("X-Amz-Target");
        // Read by BodyGate before this handler, within its deadline; never from the request stream here.
        byte[] body = BodyGate.body(ctx);
        authorize(ctx, Operation.serviceOf(target), body);
        Operation operation = Operation.of(target);
        if (operation == null) {
            throw unserved(target);
        }
        String contentType = ctx.header("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith(CONTENT_TYPE)) {
            throw ApiError.badRequest("Content-Type must be " + CONTENT_TYPE + ", got '" + contentType + "'");
        }
        Map<String, Object> request = RequestBody.parse(body);
        CompletableFuture<byte[]> answer = switch (operation) {
            case GET_PARAMETER -> getParameter(request);
            case GET_PARAMETERS -> getParameters(request);
            case GET_PARAMETERS_BY_PATH -> CompletableFuture.completedFuture(getParametersByPath(request));
            case GET_SECRET_VALUE -> getSecretValue(request);
            case BATCH_GET_SECRET_VALUE -> batchGetSecretValue(request);
        };
        CompletableFuture<byte[]> served = answer.exceptionally(SdkEndpoint::asServiceFailure);
        CompatEndpoints.whenFetched(ctx, responder, served,
                bytes -> ctx.status(200).contentType(CONTENT_TYPE).result(bytes));
    }

    /** A failed operation as the service would answer it (see {@link #asService} and {@link #notAllowed}). */
    private static byte[] asServiceFailure(Throwable failure) {
        Throwable e = OnDemandFetcher.cause(failure);
        if (e instanceof NotAllowedException notAllowed) {
            throw notAllowed(notAllowed);
        }
        if (e instanceof SourceException source) {
            throw new CompletionException(asService(source));
        }
        throw failure instanceof CompletionException c ? c : new CompletionException(e);
    }

    private void authorize(Context ctx, String service, byte[] body) {
        if (mode == ApiServer.SdkMode.TRUST_LOOPBACK) {
            if (!isLoopback(ctx.req().getRemoteAddr())) {
                throw new ApiError(403, "AccessDeniedException", "SIDECAR_SDK_ENDPOINT=trust-loopback serves "
                        + "loopback callers only");
            }
            // No credential is checked here, so SIDECAR_ALLOWED_HOSTS (and a non-loopback listen address) do not
            // widen it: a page that rebinds a listed name to 127.0.0.1 must not read secrets without one.
            if (!loopbackHost(ctx::header, ctx.req().getServerName(), ctx.req().getLocalAddr())) {
                throw new ApiError(400, "ForeignHost", "SIDECAR_SDK_ENDPOINT=trust-loopback serves requests whose "
                        + "Host is a loopback name only: localhost, 127.0.0.1 or [::1] (SIDECAR_ALLOWED_HOSTS does "
                        + "not apply to it)");
            }
            return;
        }
        signatures.verify(new SigV4Check.Request(ctx.method().name(), ctx.path(), ctx.queryString(),
                name -> Collections.list(ctx.req().getHeaders(name)), body), service);
    }

    private static boolean loopbackHost(Function<String, String> header, String targetHost, String localAddress) {
        String host = header.apply("Host");
        return host != null ? Edge.LOOPBACK_ONLY.accepted(host)
                : Edge.LOOPBACK_ONLY.authorityAccepted(targetHost, localAddress);
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    // ---- operations ---------------------------------------------------------------------------------------

    private CompletableFuture<byte[]> getParameter(Map<String, Object> req) {
        String name = RequestBody.requiredString(req, "Name");
        boolean decrypt = RequestBody.bool(req, "WithDecryption");
        checkSecretsManagerDecryption(name, decrypt);
        return backend.fetchParameter(name, false).thenApply(p -> {
            checkDecryption(p, decrypt);
            return AwsJson.ssmGetParameterResponse(p);
        });
    }

    private CompletableFuture<byte[]> getParameters(Map<String, Object> req) {
        List<String> names = RequestBody.strings(req, "Names");
        if (names.isEmpty() || names.size() > MAX_NAMES) {
            throw ApiError.badRequest("1 validation error detected: Value '" + names + "' at 'names' failed to satisfy "
                    + "constraint: Member must have length " + (names.isEmpty() ? "greater than or equal to 1"
                    : "less than or equal to " + MAX_NAMES));
        }
        boolean decrypt = RequestBody.bool(req, "WithDecryption");
        List<String> unique = List.copyOf(new LinkedHashSet<>(names));
        unique.forEach(name -> checkSecretsManagerDecryption(name, decrypt));
        List<CompletableFuture<Parameter>> fetches = unique.stream().map(name -> backend.fetchParameter(name, false))
                .toList();
        // Every name's fetch settles (value or failure) before the answer is put together from all of them.
        CompletableFuture<?>[] settled = fetches.stream().map(f -> f.handle((p, e) -> null))
                .toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(settled).thenApply(ignored -> {
            List<Parameter> found = new ArrayList<>();
            List<String> invalid = new ArrayList<>();
            for (int i = 0; i < unique.size(); i++) {
                try {
                    Parameter p = OnDemandFetcher.resultOf(fetches.get(i));
                    checkDecryption(p, decrypt);
                    found.add(p);
                } catch (SourceException e) {
                    if (!"ParameterNotFound".equals(e.errorCode()) && !"ParameterVersionNotFound".equals(e.errorCode())) {
                        throw new CompletionException(e);
                    }
                    invalid.add(unique.get(i));
                } catch (NotAllowedException e) {
                    throw new CompletionException(e);
                }
            }
            // SSM lists the answers by name, not in request order.
            found.sort(Comparator.comparing(Parameter::name)
                    .thenComparing(p -> p.selector() == null ? "" : p.selector()));
            return AwsJson.getParametersResponse(found, invalid);
        });
    }

    private byte[] getParametersByPath(Map<String, Object> req) {
        String asked = RequestBody.requiredString(req, "Path");
        if (!asked.startsWith("/")) {
            throw ApiError.badRequest("The parameter doesn't meet the parameter name requirements. The parameter name "
                    + "must begin with a forward slash \"/\": '" + asked + "'");
        }
        String path = asked.length() > 1 && asked.endsWith("/") ? asked.substring(0, asked.length() - 1) : asked;
        boolean recursive = RequestBody.bool(req, "Recursive");
        boolean decrypt = RequestBody.bool(req, "WithDecryption");
        int max = RequestBody.integer(req, "MaxResults", MAX_PATH_RESULTS);
        if (max < 1 || max > MAX_PATH_RESULTS) {
            throw ApiError.badRequest("1 validation error detected: Value '" + max + "' at 'maxResults' failed to "
                    + "satisfy constraint: Member must have value " + (max < 1 ? "greater than or equal to 1"
                    : "less than or equal to " + MAX_PATH_RESULTS));
        }
        if (req.containsKey("ParameterFilters")) {
            throw ApiError.badRequest("ParameterFilters are not supported by ssm-sidecar's SDK endpoint; "
                    + "filter the answer in the app");
        }
        if (backend.declaredPaths().stream().noneMatch(d -> d.equals("/") || path.equals(d) || path.startsWith(d + "/"))) {
            throw new ApiError(400, "AccessDeniedException", "ssm-sidecar does not serve GetParametersByPath on '"
                    + path + "': only paths declared as references (e.g. APP=ssm://" + (path.equals("/") ? "" : path)
                    + "/*) are answered, from the sidecar's snapshot; SIDECAR_ALLOW applies to single names only");
        }
        String tokenPrefix = TOKEN_VERSION + recursive + "\n" + path + "\n";
        String after = RequestBody.optionalString(req, "NextToken") == null ? null
                : decodeToken(RequestBody.optionalString(req, "NextToken"), tokenPrefix);
        NavigableMap<String, Parameter> below = new TreeMap<>();
        String prefix = path.equals("/") ? "/" : path + "/";
        for (Secret s : backend.snapshot().secrets().values()) {
            Parameter p = s.parameter();
            String name = p.name();
            boolean under = name.startsWith(prefix) && (recursive || name.indexOf('/', prefix.length()) < 0);
            if (under && (p.selector() == null || p.selector().isEmpty())) {
                below.putIfAbsent(name, p);
            }
        }
        List<Parameter> page = new ArrayList<>();
        for (Parameter p : (after == null ? below : below.tailMap(after, false)).values()) {
            if (page.size() == max) {
                break;
            }
            checkDecryption(p, decrypt);
            page.add(p);
        }
        boolean more = !page.isEmpty() && below.higherKey(page.get(page.size() - 1).name()) != null;
        return AwsJson.getParametersByPathResponse(page,
                more ? encodeToken(tokenPrefix + page.get(page.size() - 1).name()) : null);
    }

    private CompletableFuture<byte[]> getSecretValue(Map<String, Object> req) {
        String secretId = RequestBody.requiredString(req, "SecretId");
        String versionId = RequestBody.optionalString(req, "VersionId");
        String versionStage = RequestBody.optionalString(req, "VersionStage");
        for (String selector : new String[] {versionId, versionStage}) {
            if (selector != null && !CompatEndpoints.SELECTOR.matcher(selector).matches()) {
                throw ApiError.badRequest("VersionId and VersionStage must be 1 to 100 letters, digits, '.', '-' or '_'; "
                        + "got '" + selector + "'");
            }
        }
        return CompatEndpoints.fetchSecret(backend, secretId, versionId, versionStage, false).thenApply(p -> {
            try {
                return CompatEndpoints.secretValue(secretId, versionId, versionStage, p);
            } catch (SourceException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * {@code BatchGetSecretValue} by {@code SecretIdList}: each secret as {@code GetSecretValue} finds it (declared,
     * allowed, or refused), in {@code SecretValues}, and each one that failed in {@code Errors} with its own code, as
     * Secrets Manager reports per secret. Throttling (Secrets Manager's, or the on-demand capacity being full) fails
     * the whole call instead, so the SDK retries it. {@code Filters} would list secrets the sidecar was never told
     * of, and are refused.
     */
    private CompletableFuture<byte[]> batchGetSecretValue(Map<String, Object> req) {
        if (req.containsKey("Filters")) {
            throw ApiError.badRequest("Filters are not supported by ssm-sidecar's SDK endpoint: list the secrets in "
                    + "SecretIdList (up to " + MAX_SECRET_IDS + "), or call GetSecretValue for each");
        }
        if (req.containsKey("NextToken")) {
            throw new ApiError(400, "InvalidNextTokenException", "The NextToken value is invalid: ssm-sidecar's SDK "
                    + "endpoint answers a SecretIdList in one page and issues no NextToken");
        }
        List<String> ids = RequestBody.strings(req, "SecretIdList");
        if (ids.isEmpty() || ids.size() > MAX_SECRET_IDS) {
            throw ApiError.badRequest("1 validation error detected: Value '" + ids + "' at 'secretIdList' failed to "
                    + "satisfy constraint: Member must have length " + (ids.isEmpty() ? "greater than or equal to 1"
                    : "less than or equal to " + MAX_SECRET_IDS));
        }
        List<String> unique = List.copyOf(new LinkedHashSet<>(ids));
        List<CompletableFuture<Parameter>> fetches = unique.stream()
                .map(id -> CompatEndpoints.fetchSecret(backend, id, null, null, false)).toList();
        CompletableFuture<?>[] settled = fetches.stream().map(f -> f.handle((p, e) -> null))
                .toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(settled).thenApply(ignored -> {
            List<AwsJson.SecretEntry> values = new ArrayList<>();
            List<AwsJson.SecretError> errors = new ArrayList<>();
            for (int i = 0; i < unique.size(); i++) {
                String id = unique.get(i);
                try {
                    values.add(new AwsJson.SecretEntry(id, OnDemandFetcher.resultOf(fetches.get(i))));
                } catch (NotAllowedException e) {
                    errors.add(new AwsJson.SecretError(id, "AccessDeniedException", notAllowed(e).getMessage()));
                } catch (SourceException e) {
                    SourceException service = asService(e);
                    if (service.isThrottling()) {
                        throw new CompletionException(service);
                    }
                    errors.add(new AwsJson.SecretError(id, service.errorCode(), service.getMessage()));
                }
            }
            return AwsJson.batchGetSecretValueResponse(values, errors);
        });
    }

    private static void checkSecretsManagerDecryption(String name, boolean decrypt) {
        if (!decrypt && name.startsWith(Reference.SECRETS_MANAGER_PREFIX)) {
            throw ApiError.badRequest("WithDecryption flag must be True for retrieving a Secret Value from Secrets Manager");
        }
    }

    /**
     * SSM answers a SecureString asked for without decryption with its KMS ciphertext. The sidecar holds decrypted
     * values only and will not call SSM per request to fetch a blob the app could only send to KMS, so it refuses.
     */
    private static void checkDecryption(Parameter p, boolean decrypt) {
        if (!decrypt && "SecureString".equals(p.type())) {
            throw ApiError.badRequest("'" + p.name() + "' is a SecureString: ssm-sidecar serves decrypted values only and "
                    + "does not return SecureString ciphertext; call with WithDecryption=true");
        }
    }

    /** A name neither declared nor allowed: SSM's own code, with what to change on the sidecar. */
    private static ApiError notAllowed(NotAllowedException e) {
        return new ApiError(400, "AccessDeniedException", "ssm-sidecar does not serve this name: " + e.getMessage()
                + "; declare it as a reference or add its prefix to SIDECAR_ALLOW on the sidecar");
    }

    /**
     * A failure of the on-demand path or of SSM as the service would answer it, so SDKs retry what they should:
     * throttling (SSM's, or the sidecar's on-demand capacity being full, also a {@code ThrottlingException}) is
     * SSM's 400 {@code ThrottlingException}; no answer from SSM is a retryable 500 {@code InternalServerError};
     * any other SSM error passes on with its code and status.
     */
    static SourceException asService(SourceException e) {
        if (e.isThrottling()) {
            return new SourceException("ThrottlingException", 400, true, "Rate exceeded: " + e.getMessage(), e);
        }
        if (e.statusCode() < 400 || e.statusCode() > 599) {
            return new SourceException("InternalServerError", 500, true, "ssm-sidecar could not get an answer from SSM ("
                    + e.errorCode() + "); retry", e);
        }
        return e;
    }

    private static ApiError unserved(String target) {
        String operation = target == null ? "(no X-Amz-Target header)" : target;
        if (target == null || !(target.startsWith("AmazonSSM.") || target.startsWith("secretsmanager."))) {
            return new ApiError(400, "UnknownOperationException", "unknown operation " + operation
                    + ": this endpoint speaks AmazonSSM.* and secretsmanager.* only");
        }
        return new ApiError(400, "UnsupportedOperationException", operation + " is not served: ssm-sidecar's SDK "
                + "endpoint is read-only and serves AmazonSSM.GetParameter, AmazonSSM.GetParameters, "
                + "AmazonSSM.GetParametersByPath, secretsmanager.GetSecretValue and secretsmanager.BatchGetSecretValue; "
                + "call the service itself for anything else");
    }

    /**
     * A NextToken is the page's state, base64url without padding. {@code localssm.SsmProtocol} encodes its tokens the same way, and the
     * copy is deliberate: the local SSM endpoint shares nothing with the sidecar but the logger (docs/architecture.md),
     * and each side only ever decodes tokens it made itself.
     */
    private static String encodeToken(String state) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(state.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeToken(String token, String expectedPrefix) {
        String state;
        try {
            state = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            state = "";
        }
        if (!state.startsWith(expectedPrefix) || state.length() == expectedPrefix.length()) {
            throw new ApiError(400, "InvalidNextToken", "The specified token isn't valid.");
        }
        return state.substring(expectedPrefix.length());
    }
}
