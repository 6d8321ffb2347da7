package io.ssmsidecar.source;

import io.ssmsidecar.metrics.Metrics;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
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

    /** The SDK client and its HTTP client, built on a thread of their own started by {@link #create}: see there. */
    private record Client(SsmClient ssm, SdkHttpClient http) {
    }

    private final CompletableFuture<Client> client;
    private final URI secretsManagerEndpoint;
    private final Limits limits;
    private SecretsManagerClient secretsManager;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final ScheduledExecutorService timeouts;
    private final Metrics metrics;

    private SsmParameterSource(CompletableFuture<Client> client, URI secretsManagerEndpoint, Limits limits,
                               Region region, AwsCredentialsProvider credentials,
                               ScheduledExecutorService timeouts, Metrics metrics) {
        this.client = client;
        this.secretsManagerEndpoint = secretsManagerEndpoint;
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
        return create(env, metrics, limits, () -> new DefaultAwsRegionProviderChain().getRegion());
    }

    static SsmParameterSource create(Map<String, String> env, Metrics metrics, Limits limits,
                                     Supplier<Region> regionChain) {
        Objects.requireNonNull(metrics, "metrics");
        Region region = region(env, regionChain);
        URI endpoint = endpoint(env, "AWS_ENDPOINT_URL_SSM", "https://ssm.eu-west-1.amazonaws.com");
        URI secretsManagerEndpoint = endpoint(env, "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                "https://secretsmanager.eu-west-1.amazonaws.com");
        AwsCredentialsProvider credentials = credentials(env);
        // The SDK enforces the call and attempt timeouts from a scheduler of its own with up to five threads;
        // calls here run one at a time, so one thread does.
        ScheduledThreadPoolExecutor timeouts = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ssm-sidecar-sdk-timeouts");
            t.setDaemon(true);
            return t;
        });
        timeouts.setRemoveOnCancelPolicy(true);
        // Building the clients loads and links about a thousand SDK and TLS classes (~100 ms and more before the JIT
        // warms up). Everything that can be wrong with the configuration was checked above, so they are built on a
        // thread of their own while the caller goes on (the sidecar starts its HTTP API meanwhile); the first call
        // waits for them.
        CompletableFuture<Client> client = new CompletableFuture<>();
        Thread init = new Thread(() -> {
            try {
                SdkHttpClient http = UrlConnectionHttpClient.builder()
                        .connectionTimeout(limits.connectTimeout())
                        .socketTimeout(limits.socketTimeout())
                        .build();
                SsmClient ssm = configured(SsmClient.builder(), http, region, credentials, timeouts, limits, endpoint)
                        .build();
                client.complete(new Client(ssm, http));
            } catch (RuntimeException | Error e) {
                client.completeExceptionally(e);
            }
        }, "ssm-sidecar-sdk-init");
        init.setDaemon(true);
        init.start();
        return new SsmParameterSource(client, secretsManagerEndpoint, limits, region, credentials, timeouts, metrics);
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
        SsmAnswers.Matched matched = call(names);
        if (matched.ambiguous().isEmpty()) {
            return matched.result();
        }
        // Answers without a Selector (moto's shape) to two requests for one name cannot be told apart: ask each of
        // those alone, where the name alone settles the match.
        List<Parameter> found = new ArrayList<>(matched.result().parameters());
        List<String> invalid = new ArrayList<>(matched.result().invalid());
        for (String name : matched.ambiguous()) {
            FetchResult alone = call(List.of(name)).result();
            found.addAll(alone.parameters());
            invalid.addAll(alone.invalid());
        }
        return new FetchResult(found, invalid);
    }

    private SsmAnswers.Matched call(List<String> names) throws SourceException {
        long start = System.nanoTime();
        GetParametersResponse response;
        try {
            response = ssm().getParameters(r -> r.names(names).withDecryption(true));
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
        List<Parameter> all = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        String token = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String next = token;
            long start = System.nanoTime();
            GetParametersByPathResponse response;
            try {
                response = ssm().getParametersByPath(r -> r.path(path).recursive(true).withDecryption(true)
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
        long start = System.nanoTime();
        GetSecretValueResponse r;
        try {
            r = secretsManager().getSecretValue(b -> b.secretId(secretId).versionId(versionId).versionStage(versionStage));
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
        long start = System.nanoTime();
        BatchGetSecretValueResponse r;
        try {
            r = secretsManager().batchGetSecretValue(b -> b.secretIdList(secretIds));
        } catch (SdkException e) {
            throw failed("BatchGetSecretValue", secretIds, e, start);
        }
        List<Parameter> found = new ArrayList<>();
        Map<String, SourceException> errors = new java.util.HashMap<>();
        try {
            for (SecretValueEntry v : r.secretValues()) {
                String requested = secretIds.stream()
                        .filter(id -> SecretsManagerAnswers.names(id, v.arn(), v.name())).findFirst().orElse(null);
                if (requested != null) {
                    found.add(SecretsManagerAnswers.convert(requested, null, v.arn(), v.name(), v.versionId(),
                            v.versionStages(), v.createdDate(), v.secretString(), v.secretBinary()));
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
                BatchGetSecretValueResponse r = secretsManager().batchGetSecretValue(b -> b.filters(filters)
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
            ListSecretsResponse r = secretsManager().listSecrets(b -> b.filters(filters)
                    .maxResults(MAX_LISTED_SECRETS).nextToken(token));
            for (SecretListEntry e : r.secretList()) {
                if (e.name() != null && e.name().startsWith(prefix) && e.arn() != null && tagsMatch(e.tags(), tags)) {
                    arns.add(e.arn());
                }
            }
            return r.nextToken();
        });
        for (int i = 0; i < arns.size(); i += MAX_SECRETS_PER_BATCH) {
            SecretBatch batch = batchGetSecretValue(arns.subList(i, Math.min(arns.size(), i + MAX_SECRETS_PER_BATCH)));
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

    /** The Secrets Manager client, built on the first call over the SSM client's HTTP client and settings. */
    private synchronized SecretsManagerClient secretsManager() {
        if (secretsManager == null) {
            secretsManager = configured(SecretsManagerClient.builder(), client().http(), region, credentials, timeouts,
                    limits, secretsManagerEndpoint).build();
        }
        return secretsManager;
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
        Client built = null;
        try {
            built = client();
        } catch (RuntimeException e) {
            // the clients never got built: nothing of them to close
        }
        synchronized (this) {
            if (secretsManager != null) {
                secretsManager.close();
            }
        }
        if (built != null) {
            built.ssm().close();
            built.http().close();
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

    private SsmClient ssm() {
        return client().ssm();
    }

    private Client client() {
        try {
            return client.join();
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
