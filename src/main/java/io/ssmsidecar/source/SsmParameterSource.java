package io.ssmsidecar.source;

import io.ssmsidecar.metrics.Metrics;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.BatchGetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.Filter;
import software.amazon.awssdk.services.secretsmanager.model.FilterNameStringType;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ListSecretsResponse;
import software.amazon.awssdk.services.secretsmanager.model.SecretListEntry;
import software.amazon.awssdk.services.secretsmanager.model.SecretValueEntry;
import software.amazon.awssdk.services.secretsmanager.model.Tag;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParametersByPathResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The {@link ParameterSource} backed by AWS SSM Parameter Store through the AWS SDK for Java v2. With
 * {@link SsmAnswers} (answers to {@link Parameter}s) and {@link SsmErrors} (errors to {@link SourceException}s) it is
 * the project's only code that imports the SDK; it also lends its resolved credentials and region to the SDK
 * endpoint's SigV4 check through {@link #signingCredentials()}, so that check needs no SDK of its own.
 * Built from an explicit environment map so tests need not touch the process environment:
 * <ul>
 *   <li>endpoint: {@code AWS_ENDPOINT_URL_SSM}, else {@code AWS_ENDPOINT_URL}, else the SDK's regional endpoint;
 *       for Secrets Manager ({@code sm://} references) {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}, else
 *       {@code AWS_ENDPOINT_URL}, else the SDK's; its client is built on the first Secrets Manager call;</li>
 *   <li>region: {@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}, else the SDK's region chain;</li>
 *   <li>credentials: {@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}[/{@code AWS_SESSION_TOKEN}] from the map,
 *       else the SDK's default chain (environment, web identity, profile, ECS/EKS container credentials).</li>
 * </ul>
 * Every call is one SDK operation with its own timeouts and a short standard retry; callers do the long backoff.
 * Failures become {@link SourceException}s sorted into transient and permanent (see {@link SsmErrors}).
 */
public final class SsmParameterSource implements ParameterSource {

    /**
     * Timeouts and attempts of each SDK call.
     *
     * @param connectTimeout TCP connect timeout
     * @param socketTimeout  read timeout on an open connection
     * @param attemptTimeout one HTTP attempt, retries excluded
     * @param callTimeout    one operation, all attempts and backoff included
     * @param maxAttempts    attempts per operation (1 = no retry), with the SDK's standard backoff between them
     */
    public record Limits(Duration connectTimeout, Duration socketTimeout, Duration attemptTimeout, Duration callTimeout,
                         int maxAttempts) {
        public Limits {
            for (Duration d : List.of(connectTimeout, socketTimeout, attemptTimeout, callTimeout)) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("SSM client timeouts must be positive, got " + d);
                }
            }
            if (maxAttempts < 1 || maxAttempts > 10) {
                throw new IllegalArgumentException("SSM client attempts must be between 1 and 10, got " + maxAttempts);
            }
        }

        /** Connect 2 s, socket 5 s, attempt 5 s, call 15 s, 2 attempts. */
        public static Limits defaults() {
            return new Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(5),
                    Duration.ofSeconds(15), 2);
        }
    }

    private static final int MAX_PAGES = 10_000;

    /** Where and as whom one client's calls go: a region, and the role assumed (null: the task's credentials). */
    private record Route(Region region, String role) {
        @Override
        public String toString() {
            return region.id() + (role == null ? "" : " as " + role);
        }
    }

    /** The HTTP client every SDK client shares, built on a thread of its own started by {@link #create}: see there. */
    private final CompletableFuture<SdkHttpClient> http = new CompletableFuture<>();
    private final Routing routing;
    private final URI ssmEndpoint;
    private final URI secretsManagerEndpoint;
    private final URI stsEndpoint;
    private final Limits limits;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final ScheduledExecutorService timeouts;
    private final Metrics metrics;
    /** One client per route and service, built on first use; guarded by {@code this}. */
    private final Map<Route, SsmClient> ssmClients = new HashMap<>();
    private final Map<Route, SecretsManagerClient> secretsManagers = new HashMap<>();
    private final Map<String, AssumedRole> roles = new HashMap<>();
    /** One STS client per region, built on the first role assumed there; guarded by {@code this}. */
    private final Map<Region, StsClient> stsClients = new HashMap<>();
    /** The region that last served each route, for one log line per change of region. */
    private final Map<Route, String> servedFrom = new java.util.concurrent.ConcurrentHashMap<>();
    private static final io.ssmsidecar.log.Log LOG = io.ssmsidecar.log.Log.get(SsmParameterSource.class);

    private SsmParameterSource(Routing routing, URI ssmEndpoint, URI secretsManagerEndpoint, URI stsEndpoint,
                               Limits limits, Region region, AwsCredentialsProvider credentials,
                               ScheduledExecutorService timeouts, Metrics metrics) {
        this.routing = routing;
        this.ssmEndpoint = ssmEndpoint;
        this.secretsManagerEndpoint = secretsManagerEndpoint;
        this.stsEndpoint = stsEndpoint;
        this.limits = limits;
        this.region = region;
        this.credentials = credentials;
        this.timeouts = timeouts;
        this.metrics = metrics;
    }

    /**
     * A source configured from {@code env} (normally the process environment) with {@link Limits#defaults()}.
     *
     * @throws IllegalStateException when no region is configured anywhere, or only half of a static key pair is set
     * @throws IllegalArgumentException when an endpoint URL variable is not an http(s) URL
     */
    public static SsmParameterSource create(Map<String, String> env, Metrics metrics) {
        return create(env, metrics, Limits.defaults());
    }

    /** As {@link #create(Map, Metrics)}, with explicit timeouts and attempts (tests use short ones). */
    public static SsmParameterSource create(Map<String, String> env, Metrics metrics, Limits limits) {
        return create(env, metrics, limits, Routing.none());
    }

    /** As {@link #create(Map, Metrics, Limits)}, with assumed roles, failover regions and endpoints by region. */
    public static SsmParameterSource create(Map<String, String> env, Metrics metrics, Limits limits, Routing routing) {
        return create(env, metrics, limits, () -> new DefaultAwsRegionProviderChain().getRegion(), routing);
    }

    static SsmParameterSource create(Map<String, String> env, Metrics metrics, Limits limits,
                                     Supplier<Region> regionChain) {
        return create(env, metrics, limits, regionChain, Routing.none());
    }

    static SsmParameterSource create(Map<String, String> env, Metrics metrics, Limits limits,
                                     Supplier<Region> regionChain, Routing routing) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(routing, "routing");
        Region region = region(env, regionChain);
        URI endpoint = endpoint(env, "AWS_ENDPOINT_URL_SSM", "https://ssm.eu-west-1.amazonaws.com");
        URI secretsManagerEndpoint = endpoint(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                "https://secretsmanager.eu-west-1.amazonaws.com");
        URI stsEndpoint = endpoint(env, "AWS_ENDPOINT_URL_STS", "https://sts.eu-west-1.amazonaws.com");
        AwsCredentialsProvider credentials = credentials(env);
        // The SDK enforces the call and attempt timeouts from a scheduler of its own with up to five threads;
        // calls here run one at a time, so one thread does.
        ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ssm-sidecar-sdk-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.setRemoveOnCancelPolicy(true);
        SsmParameterSource source = new SsmParameterSource(routing, endpoint, secretsManagerEndpoint, stsEndpoint,
                limits, region, credentials, timeouts, metrics);
        // Building the clients loads and links about a thousand SDK and TLS classes (~100 ms and more before the JIT
        // warms up). Everything that can be wrong with the configuration was checked above, so they are built on a
        // thread of their own while the caller goes on (the sidecar starts its HTTP API meanwhile); the first call
        // waits for them.
        Thread init = new Thread(source::init, "ssm-sidecar-sdk-init");
        init.setDaemon(true);
        init.start();
        return source;
    }

    /** Builds the HTTP client, then the SSM client of the primary region (the one every name-only reference uses). */
    private void init() {
        try {
            http.complete(UrlConnectionHttpClient.builder()
                    .connectionTimeout(limits.connectTimeout())
                    .socketTimeout(limits.socketTimeout())
                    .build());
        } catch (RuntimeException | Error e) {
            http.completeExceptionally(e);
            return;
        }
        try {
            ssm(new Route(region, routing.roleArn().orElse(null)));
        } catch (RuntimeException e) {
            // the first call builds it again and reports why
        }
    }

    /** One SDK client's settings, the same for SSM and Secrets Manager: HTTP client, timeouts, short retry. */
    private static <B extends AwsSyncClientBuilder<B, ?> & AwsClientBuilder<B, ?>> B configured(
            B builder, SdkHttpClient http, Region region, AwsCredentialsProvider credentials,
            ScheduledExecutorService timeouts, Limits limits, URI endpoint) {
        builder.httpClient(http)
                .region(region)
                .credentialsProvider(credentials)
                .overrideConfiguration(o -> o
                        .scheduledExecutorService(timeouts)
                        .apiCallAttemptTimeout(limits.attemptTimeout())
                        .apiCallTimeout(limits.callTimeout())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(limits.maxAttempts()).build()));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder;
    }

    private static Region region(Map<String, String> env, Supplier<Region> chain) {
        for (String var : List.of("AWS_REGION", "AWS_DEFAULT_REGION")) {
            String value = env.get(var);
            if (value != null && !value.isBlank()) {
                return Region.of(value.trim());
            }
        }
        try {
            Region region = chain.get();
            if (region != null) {
                return region;
            }
        } catch (SdkException e) {
            // reported below with what to do about it
        }
        throw new IllegalStateException("no AWS region configured: set AWS_REGION (or AWS_DEFAULT_REGION, or a region "
                + "in the AWS profile) to the region of the SSM parameters, e.g. AWS_REGION=eu-west-1");
    }

    private static URI endpoint(Map<String, String> env, String serviceVariable, String example) {
        for (String var : List.of(serviceVariable, "AWS_ENDPOINT_URL")) {
            String value = env.get(var);
            if (value == null || value.isBlank()) {
                continue;
            }
            try {
                URI uri = new URI(value.trim());
                if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                    return uri;
                }
            } catch (URISyntaxException e) {
                // reported below
            }
            throw new IllegalArgumentException(var + " must be an http:// or https:// URL such as "
                    + example + ", got '" + value + "'");
        }
        return null;
    }

    private static AwsCredentialsProvider credentials(Map<String, String> env) {
        String keyId = blankToNull(env.get("AWS_ACCESS_KEY_ID"));
        String secret = blankToNull(env.get("AWS_SECRET_ACCESS_KEY"));
        String token = blankToNull(env.get("AWS_SESSION_TOKEN"));
        if (keyId == null && secret == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        if (keyId == null || secret == null) {
            throw new IllegalStateException((keyId == null ? "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"
                    : "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
                    + ": set both, or neither to use the default credentials chain (container, web identity, profile)");
        }
        return StaticCredentialsProvider.create(token == null
                ? AwsBasicCredentials.create(keyId, secret)
                : AwsSessionCredentials.create(keyId, secret, token));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @Override
    public FetchResult getParameters(List<String> names) throws SourceException {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty() || names.size() > MAX_NAMES_PER_CALL) {
            throw new IllegalArgumentException("GetParameters takes 1 to " + MAX_NAMES_PER_CALL + " names, got "
                    + names.size());
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("GetParameters names must be distinct, got " + names);
        }
        Map<Route, List<String>> groups = byRoute(names);
        if (groups.size() == 1) {
            return getParametersFailingOver(groups.keySet().iterator().next(), names);
        }
        // Names served by different clients (accounts, regions): one call each. The Resolver groups its batches by
        // batchGroup() first, so this is for other callers; a group that fails fails the whole call, as one
        // GetParameters would, and the caller isolates the names.
        List<Parameter> found = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        for (Map.Entry<Route, List<String>> group : groups.entrySet()) {
            FetchResult part = getParametersFailingOver(group.getKey(), group.getValue());
            found.addAll(part.parameters());
            invalid.addAll(part.invalid());
        }
        return new FetchResult(found, invalid);
    }

    private FetchResult getParametersFailingOver(Route route, List<String> names) throws SourceException {
        Served<FetchResult> served = withFailover(route, names, this::getParameters);
        if (served.renamed() == null) {
            return served.result();
        }
        return new FetchResult(served.result().parameters().stream().map(served::original).toList(),
                served.result().invalid().stream().map(served::original).toList());
    }

    private FetchResult getParameters(Route route, List<String> names) throws SourceException {
        SsmAnswers.Matched matched = call(route, names);
        if (matched.ambiguous().isEmpty()) {
            return matched.result();
        }
        // Answers without a Selector (moto's shape) to two requests for one name cannot be told apart: ask each of
        // those alone, where the name alone settles the match.
        List<Parameter> found = new ArrayList<>(matched.result().parameters());
        List<String> invalid = new ArrayList<>(matched.result().invalid());
        for (String name : matched.ambiguous()) {
            FetchResult alone = call(route, List.of(name)).result();
            found.addAll(alone.parameters());
            invalid.addAll(alone.invalid());
        }
        return new FetchResult(found, invalid);
    }

    private SsmAnswers.Matched call(Route route, List<String> names) throws SourceException {
        long start = System.nanoTime();
        GetParametersResponse response;
        try {
            response = ssm(route).getParameters(r -> r.names(names).withDecryption(true));
        } catch (SdkException e) {
            throw failed("GetParameters", names, e, start);
        }
        SsmAnswers.Matched result;
        try {
            result = SsmAnswers.match(names, response.parameters(), response.invalidParameters());
        } catch (SourceException e) {
            metrics.ssmCall("GetParameters", "permanent", since(start));
            throw e;
        }
        metrics.ssmCall("GetParameters", "success", since(start));
        return result;
    }

    @Override
    public List<Parameter> getParametersByPath(String path) throws SourceException {
        Objects.requireNonNull(path, "path");
        return withFailover(route(path), List.of(path), (route, in) -> getParametersByPath(route, path)).result();
    }

    private List<Parameter> getParametersByPath(Route route, String path) throws SourceException {
        List<Parameter> all = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        String token = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String next = token;
            long start = System.nanoTime();
            GetParametersByPathResponse response;
            try {
                response = ssm(route).getParametersByPath(r -> r.path(path).recursive(true).withDecryption(true)
                        .maxResults(MAX_NAMES_PER_CALL).nextToken(next));
            } catch (SdkException e) {
                throw failed("GetParametersByPath", List.of(path), e, start);
            }
            metrics.ssmCall("GetParametersByPath", "success", since(start));
            for (software.amazon.awssdk.services.ssm.model.Parameter p : response.parameters()) {
                all.add(SsmAnswers.convert(p.name(), p));
            }
            token = response.nextToken();
            if (token == null || token.isEmpty()) {
                return all;
            }
            if (!tokens.add(token)) {
                throw new SourceException("RepeatedNextToken", 0, false, "GetParametersByPath [" + path
                        + "]: SSM answered a NextToken it had answered before; stopped after " + (page + 1) + " pages",
                        null);
            }
        }
        throw new SourceException("TooManyPages", 0, false, "GetParametersByPath [" + path + "]: more than "
                + MAX_PAGES + " pages; narrow the path", null);
    }

    @Override
    public Parameter getSecretValue(String secretId, String versionId, String versionStage) throws SourceException {
        Objects.requireNonNull(secretId, "secretId");
        Served<Parameter> served = withFailover(route(secretId), List.of(secretId),
                (route, ids) -> getSecretValue(route, ids.get(0), versionId, versionStage));
        return served.renamed() == null ? served.result() : served.original(served.result());
    }

    private Parameter getSecretValue(Route route, String secretId, String versionId, String versionStage)
            throws SourceException {
        long start = System.nanoTime();
        GetSecretValueResponse r;
        try {
            r = secretsManager(route).getSecretValue(b -> b.secretId(secretId).versionId(versionId).versionStage(versionStage));
        } catch (SdkException e) {
            throw failed("GetSecretValue", List.of(secretId), e, start);
        }
        String selector = versionId != null ? versionId : versionStage;
        Parameter p;
        try {
            p = SecretsManagerAnswers.convert(selector == null ? secretId : secretId + ":" + selector, selector,
                    r.arn(), r.name(), r.versionId(), r.versionStages(), r.createdDate(), r.secretString(),
                    r.secretBinary());
        } catch (SourceException e) {
            metrics.ssmCall("GetSecretValue", "permanent", since(start));
            throw e;
        }
        metrics.ssmCall("GetSecretValue", "success", since(start));
        return p;
    }

    @Override
    public SecretBatch batchGetSecretValue(List<String> secretIds) throws SourceException {
        Objects.requireNonNull(secretIds, "secretIds");
        if (secretIds.isEmpty() || secretIds.size() > MAX_SECRETS_PER_BATCH
                || new HashSet<>(secretIds).size() != secretIds.size()) {
            throw new IllegalArgumentException("BatchGetSecretValue takes 1 to " + MAX_SECRETS_PER_BATCH
                    + " distinct secret ids, got " + secretIds);
        }
        Map<Route, List<String>> groups = byRoute(secretIds);
        if (groups.size() == 1) {
            return batchFailingOver(groups.keySet().iterator().next(), secretIds);
        }
        // Ids served by different clients: one call each; a group that fails as a whole fails each of its ids.
        List<Parameter> found = new ArrayList<>();
        Map<String, SourceException> errors = new java.util.HashMap<>();
        for (Map.Entry<Route, List<String>> group : groups.entrySet()) {
            try {
                SecretBatch part = batchFailingOver(group.getKey(), group.getValue());
                found.addAll(part.found());
                errors.putAll(part.errors());
            } catch (SourceException e) {
                group.getValue().forEach(id -> errors.put(id, e));
            }
        }
        return new SecretBatch(found, errors);
    }

    private SecretBatch batchFailingOver(Route route, List<String> secretIds) throws SourceException {
        Served<SecretBatch> served = withFailover(route, secretIds, this::batchGetSecretValue);
        if (served.renamed() == null) {
            return served.result();
        }
        Map<String, SourceException> errors = new java.util.HashMap<>();
        served.result().errors().forEach((id, e) -> errors.put(served.original(id), e));
        return new SecretBatch(served.result().found().stream().map(served::original).toList(), errors);
    }

    private SecretBatch batchGetSecretValue(Route route, List<String> secretIds) throws SourceException {
        long start = System.nanoTime();
        BatchGetSecretValueResponse r;
        try {
            r = secretsManager(route).batchGetSecretValue(b -> b.secretIdList(secretIds));
        } catch (SdkException e) {
            throw failed("BatchGetSecretValue", secretIds, e, start);
        }
        List<Parameter> found = new ArrayList<>();
        Map<String, SourceException> errors = new java.util.HashMap<>();
        try {
            for (SecretValueEntry v : r.secretValues()) {
                // Every id the entry names: a batch may ask for one secret by name and by ARN, answered once.
                for (String requested : secretIds) {
                    if (SecretsManagerAnswers.names(requested, v.arn(), v.name())) {
                        found.add(SecretsManagerAnswers.convert(requested, null, v.arn(), v.name(), v.versionId(),
                                v.versionStages(), v.createdDate(), v.secretString(), v.secretBinary()));
                    }
                }
            }
        } catch (SourceException e) {
            metrics.ssmCall("BatchGetSecretValue", "permanent", since(start));
            throw e;
        }
        for (var e : r.errors()) {
            if (e.secretId() != null && secretIds.contains(e.secretId())) {
                String code = e.errorCode() == null ? "Error" : e.errorCode();
                boolean isTransient = code.contains("Throttl") || code.equals("InternalServiceError");
                errors.put(e.secretId(), new SourceException(code, 0, isTransient, "BatchGetSecretValue ["
                        + e.secretId() + "]: " + code + (e.message() == null ? "" : ": " + e.message()), null));
            }
        }
        metrics.ssmCall("BatchGetSecretValue", "success", since(start));
        return new SecretBatch(found, errors);
    }

    @Override
    public SecretBatch secretsByPrefix(String prefix, Map<String, String> tags) throws SourceException {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(tags, "tags");
        // A prefix is a name: the primary region (a failover region's replicas while it fails), SIDECAR_ROLE_ARN.
        return withFailover(route(prefix), List.of(prefix), (route, ids) -> secretsByPrefix(route, prefix, tags))
                .result();
    }

    private SecretBatch secretsByPrefix(Route route, String prefix, Map<String, String> tags) throws SourceException {
        List<Filter> filters = new ArrayList<>();
        filters.add(Filter.builder().key(FilterNameStringType.NAME).values(prefix).build());
        tags.forEach((key, value) -> {
            filters.add(Filter.builder().key(FilterNameStringType.TAG_KEY).values(key).build());
            if (value != null && !value.isEmpty()) {
                filters.add(Filter.builder().key(FilterNameStringType.TAG_VALUE).values(value).build());
            }
        });
        List<Parameter> found = new ArrayList<>();
        Map<String, SourceException> errors = new java.util.HashMap<>();
        if (tags.isEmpty()) {
            pages("BatchGetSecretValue", prefix, token -> {
                BatchGetSecretValueResponse r = secretsManager(route).batchGetSecretValue(b -> b.filters(filters)
                        .maxResults(MAX_SECRETS_PER_BATCH).nextToken(token));
                for (SecretValueEntry v : r.secretValues()) {
                    // Secrets Manager's name filter is a prefix match; older answers matched words too: keep only
                    // the names that start with the prefix exactly.
                    if (v.name() != null && v.name().startsWith(prefix)) {
                        found.add(SecretsManagerAnswers.convert(v.name(), null, v.arn(), v.name(), v.versionId(),
                                v.versionStages(), v.createdDate(), v.secretString(), v.secretBinary()));
                    }
                }
                batchErrors(r, errors);
                return r.nextToken();
            });
            return new SecretBatch(found, errors);
        }
        // Tag filters are prefix matches on keys and values independently: list with tags, match the pairs here.
        List<String> arns = new ArrayList<>();
        pages("ListSecrets", prefix, token -> {
            ListSecretsResponse r = secretsManager(route).listSecrets(b -> b.filters(filters)
                    .maxResults(MAX_LISTED_SECRETS).nextToken(token));
            for (SecretListEntry e : r.secretList()) {
                if (e.name() != null && e.name().startsWith(prefix) && e.arn() != null && tagsMatch(e.tags(), tags)) {
                    arns.add(e.arn());
                }
            }
            return r.nextToken();
        });
        for (int i = 0; i < arns.size(); i += MAX_SECRETS_PER_BATCH) {
            SecretBatch batch = batchGetSecretValue(route,
                    arns.subList(i, Math.min(arns.size(), i + MAX_SECRETS_PER_BATCH)));
            for (Parameter p : batch.found()) {
                found.add(new Parameter(p.name(), p.name(), p.type(), p.value(), p.version(), p.selector(),
                        p.secretMetadata(), p.lastModified(), p.arn(), p.dataType()));
            }
            errors.putAll(batch.errors());
        }
        return new SecretBatch(found, errors);
    }

    /** Secrets Manager's limit on {@code MaxResults} of {@code ListSecrets}. */
    private static final int MAX_LISTED_SECRETS = 100;

    private interface Page {
        /** Calls one page with {@code token} (null for the first); answers the next token, null or empty at the end. */
        String call(String token) throws SourceException;
    }

    /** Follows {@code NextToken} through {@code operation}'s pages, one metric per call, with the path listing's guards. */
    private void pages(String operation, String subject, Page page) throws SourceException {
        Set<String> tokens = new HashSet<>();
        String token = null;
        for (int n = 0; n < MAX_PAGES; n++) {
            long start = System.nanoTime();
            try {
                token = page.call(token);
            } catch (SdkException e) {
                throw failed(operation, List.of(subject + "*"), e, start);
            } catch (SourceException e) {
                metrics.ssmCall(operation, "permanent", since(start));
                throw e;
            }
            metrics.ssmCall(operation, "success", since(start));
            if (token == null || token.isEmpty()) {
                return;
            }
            if (!tokens.add(token)) {
                throw new SourceException("RepeatedNextToken", 0, false, operation + " [" + subject
                        + "*]: Secrets Manager answered a NextToken it had answered before; stopped after " + (n + 1)
                        + " pages", null);
            }
        }
        throw new SourceException("TooManyPages", 0, false, operation + " [" + subject + "*]: more than " + MAX_PAGES
                + " pages; narrow the prefix", null);
    }

    private static boolean tagsMatch(List<Tag> have, Map<String, String> wanted) {
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            boolean match = have.stream().anyMatch(t -> w.getKey().equals(t.key())
                    && (w.getValue() == null || w.getValue().equals(t.value() == null ? "" : t.value())));
            if (!match) {
                return false;
            }
        }
        return true;
    }

    private static void batchErrors(BatchGetSecretValueResponse r, Map<String, SourceException> errors) {
        for (var e : r.errors()) {
            if (e.secretId() != null) {
                String code = e.errorCode() == null ? "Error" : e.errorCode();
                boolean isTransient = code.contains("Throttl") || code.equals("InternalServiceError");
                errors.put(e.secretId(), new SourceException(code, 0, isTransient, "BatchGetSecretValue ["
                        + e.secretId() + "]: " + code + (e.message() == null ? "" : ": " + e.message()), null));
            }
        }
    }

    /** One call in one region: {@code ids} are the ids as that region knows them (ARNs carry its region). */
    private interface RegionCall<T> {
        T in(Route route, List<String> ids) throws SourceException;
    }

    /**
     * What a call returned, and, when a failover region served it, the ids as sent there mapped back to the ids
     * asked for ({@code renamed}: sent id to asked id), so answers are keyed by what the caller asked.
     */
    private record Served<T>(T result, Map<String, String> renamed) {
        String original(String sent) {
            for (Map.Entry<String, String> e : renamed.entrySet()) {
                // A requested name may carry a selector after the id (id:AWSPREVIOUS).
                if (sent.equals(e.getKey()) || sent.startsWith(e.getKey() + ":")) {
                    return e.getValue() + sent.substring(e.getKey().length());
                }
            }
            return sent;
        }

        Parameter original(Parameter p) {
            return new Parameter(original(p.requestedName()), p.name(), p.type(), p.value(), p.version(),
                    p.selector(), p.secretMetadata(), p.lastModified(), p.arn(), p.dataType());
        }
    }

    /**
     * Runs {@code call} in the route's own region; when that fails with a transient error (timeouts, connection
     * failures, 5xx, throttling past the SDK's retries, STS unreachable; never access denied or not found, nor a role
     * STS refused), runs it in each {@code SIDECAR_FAILOVER_REGIONS} region in turn, a secret ARN's region field
     * rewritten (replicas keep the name). Every call tries the own region first, so the first call after it answers
     * again is served there: no state decides to stay away, and a refused connection costs milliseconds (a silent
     * region costs the connect timeout) once per call. When every region fails, the own region's error is thrown.
     */
    private <T> Served<T> withFailover(Route route, List<String> ids, RegionCall<T> call) throws SourceException {
        SourceException primaryFailure;
        try {
            T result = call.in(route, ids);
            served(route, route.region().id());
            return new Served<>(result, null);
        } catch (SourceException e) {
            if (!e.isTransient() || routing.failoverRegions().isEmpty()) {
                throw e;
            }
            primaryFailure = e;
        }
        for (String region : routing.failoverRegions()) {
            if (region.equals(route.region().id())) {
                continue;
            }
            Map<String, String> renamed = new java.util.LinkedHashMap<>();
            ids.forEach(id -> renamed.put(Routing.inRegion(id, region), id));
            try {
                T result = call.in(new Route(Region.of(region), route.role()), List.copyOf(renamed.keySet()));
                served(route, region);
                return new Served<>(result, renamed);
            } catch (SourceException e) {
                if (!e.isTransient()) {
                    // This region answered (the secret is not replicated there, say): the own region's error stands.
                    break;
                }
            }
        }
        throw primaryFailure;
    }

    /** Records (metric, one log line per change) which region served a route's call. */
    private void served(Route route, String region) {
        boolean failover = !region.equals(route.region().id());
        metrics.sourceRegion(region, failover);
        if (routing.failoverRegions().isEmpty()) {
            return;
        }
        String before = servedFrom.put(route, region);
        if (!region.equals(before == null ? route.region().id() : before)) {
            if (failover) {
                LOG.warn("region failed with a transient error: serving from a failover region", "region",
                        route.region().id(), "servedFrom", region);
            } else {
                LOG.info("region answers again: serving from it", "region", region, "wasServedFrom", before);
            }
        }
    }

    /** The batch group of an id: ids of one group are served by one client (one region, one set of credentials). */
    @Override
    public String batchGroup(String id) {
        return route(id).toString();
    }

    /**
     * The route of an id: the region of its ARN (else the primary region), and the role of its ARN's account (else
     * {@code SIDECAR_ROLE_ARN}, else none).
     */
    private Route route(String id) {
        String arnRegion = Routing.arnField(id, 3);
        return new Route(arnRegion == null ? region : Region.of(arnRegion), routing.roleFor(id).orElse(null));
    }

    private Map<Route, List<String>> byRoute(List<String> ids) {
        Map<Route, List<String>> groups = new java.util.LinkedHashMap<>();
        ids.forEach(id -> groups.computeIfAbsent(route(id), r -> new ArrayList<>()).add(id));
        return groups;
    }

    /** The endpoint of a service in a region: {@code SIDECAR_ENDPOINT_URL_<REGION>}, else the service's override. */
    private URI endpoint(Route route, URI serviceOverride) {
        URI regional = routing.regionEndpoints().get(route.region().id());
        return regional != null ? regional : serviceOverride;
    }

    private synchronized SsmClient ssm(Route route) {
        SsmClient c = ssmClients.get(route);
        if (c == null) {
            c = configured(SsmClient.builder(), httpClient(), route.region(), credentials(route), timeouts, limits,
                    endpoint(route, ssmEndpoint)).build();
            ssmClients.put(route, c);
        }
        return c;
    }

    /** The Secrets Manager client of a route, built on its first call over the shared HTTP client and settings. */
    private synchronized SecretsManagerClient secretsManager(Route route) {
        SecretsManagerClient c = secretsManagers.get(route);
        if (c == null) {
            c = configured(SecretsManagerClient.builder(), httpClient(), route.region(), credentials(route), timeouts,
                    limits, endpoint(route, secretsManagerEndpoint)).build();
            secretsManagers.put(route, c);
        }
        return c;
    }

    /**
     * The task's credentials, or the route's assumed role: one session per role and region, assumed through STS in
     * that region (STS sessions are valid in every region; a region's own STS keeps a failover working while the
     * primary region, its STS included, is down).
     */
    private synchronized AwsCredentialsProvider credentials(Route route) {
        if (route.role() == null) {
            return credentials;
        }
        String key = route.role() + " in " + route.region().id();
        AssumedRole role = roles.get(key);
        if (role == null) {
            // STS is called with the task's own credentials.
            StsClient sts = stsClients.computeIfAbsent(route.region(), r -> configured(StsClient.builder(),
                    httpClient(), r, credentials, timeouts, limits, stsEndpoint).build());
            role = new AssumedRole(sts, route.role(), routing.sessionName(), routing.externalId().orElse(null));
            roles.put(key, role);
        }
        return role;
    }

    private SourceException failed(String operation, List<String> subjects, SdkException e, long start) {
        SsmErrors.Classified failure = SsmErrors.classify(operation, subjects, e);
        metrics.ssmCall(operation, failure.outcome(), since(start));
        return failure.exception();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Override
    public void close() {
        SdkHttpClient built = null;
        try {
            built = httpClient();
        } catch (RuntimeException e) {
            // the clients never got built: nothing of them to close
        }
        synchronized (this) {
            secretsManagers.values().forEach(SdkAutoCloseable::close);
            ssmClients.values().forEach(SdkAutoCloseable::close);
            roles.values().forEach(AssumedRole::close);
            stsClients.values().forEach(SdkAutoCloseable::close);
        }
        if (built != null) {
            built.close();
        }
        if (credentials instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
        timeouts.shutdownNow();
    }

    /** The provider the SSM client signs with; {@link SigningCredentials#resolveAgain()} builds a fresh chain. */
    @Override
    public Optional<SigningCredentials> signingCredentials() {
        return Optional.of(new SigningCredentials() {
            @Override
            public String region() {
                return region.id();
            }

            @Override
            public Keys current() throws SourceException {
                return keys(credentials);
            }

            @Override
            public Keys resolveAgain() throws SourceException {
                if (credentials instanceof StaticCredentialsProvider) {
                    return keys(credentials);
                }
                // The SDK's providers cache until shortly before expiry and offer no "refresh now": a new chain
                // asks the container endpoint (or STS) afresh. The SSM client's own provider refreshes on its own.
                try (DefaultCredentialsProvider fresh = DefaultCredentialsProvider.builder().build()) {
                    return keys(fresh);
                }
            }
        });
    }

    private static SigningCredentials.Keys keys(AwsCredentialsProvider provider) throws SourceException {
        AwsCredentials c;
        try {
            c = provider.resolveCredentials();
        } catch (SdkException e) {
            throw new SourceException("CredentialsUnavailable", 0, true,
                    "no AWS credentials could be resolved: " + e.getClass().getSimpleName(), null);
        }
        return new SigningCredentials.Keys(c.accessKeyId(), SecretValue.of(c.secretAccessKey()),
                c instanceof AwsSessionCredentials session ? session.sessionToken() : null);
    }

    @Override
    public String toString() {
        return "SsmParameterSource[" + region + "]";
    }

    private SdkHttpClient httpClient() {
        try {
            return http.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
