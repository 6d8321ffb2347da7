package io.ssmsidecar.localssm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A local HTTP endpoint that speaks SSM Parameter Store's AWS JSON 1.1 protocol well enough for the AWS SDKs and
 * the AWS CLI to work against it unchanged (PutParameter, GetParameter, GetParameters, GetParametersByPath,
 * DeleteParameter, LabelParameterVersion, GetParameterHistory, and Secrets Manager secrets through
 * {@code /aws/reference/secretsmanager/}), and Secrets Manager's own GetSecretValue, BatchGetSecretValue,
 * DescribeSecret and ListSecrets on the same port, over the same secrets. For tests, the demo and benchmarks: it counts and logs calls and
 * injects faults. Binds 127.0.0.1 only. Thread-safe.
 * <pre>
 * try (LocalSsm ssm = LocalSsm.start(LocalSsm.Options.defaults())) {
 *     ssm.put("/prod/db/password", "pw", "SecureString");
 *     // point the SDK at ssm.endpoint()
 * }
 * </pre>
 */
public final class LocalSsm implements AutoCloseable {
    private static final Log LOG = Log.get(LocalSsm.class);
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");

    static {
        // The JDK server writes headers and body as two segments without TCP_NODELAY, so every answer waited ~40 ms
        // for the client's delayed ACK (measured: 50 ms a call, 3.5 ms with this). Read once, when the JDK's server
        // config class loads: it must be set before the first HttpServer of the JVM starts.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /**
     * How to start the endpoint.
     *
     * @param port          the loopback port; 0 picks a free one
     * @param clock         timestamps of versions and calls, and the throttling bucket's refill
     * @param region        the region in ARNs
     * @param accountId     the 12-digit account in ARNs
     * @param pageSize      the most items a {@code GetParametersByPath} page holds (1..10), whatever MaxResults asks
     * @param seed          a seed file to load before the endpoint listens
     * @param threads       worker threads answering requests
     * @param randomSeed    seeds the error-rate dice, ciphertexts and secret version ids
     * @param sourceResultWithSecretString put {@code secretString} into {@code SourceResult} as AWS does
     *                      (default false: this endpoint keeps the value out of the metadata)
     * @param callLogLimit  how many recent calls {@link #calls()} keeps
     */
    public record Options(int port, Clock clock, String region, String accountId, int pageSize, Optional<Path> seed,
                          int threads, long randomSeed, boolean sourceResultWithSecretString, int callLogLimit) {
        public Options {
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(seed, "seed");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
            }
            if (region == null || !REGION.matcher(region).matches()) {
                throw new IllegalArgumentException("region must look like us-east-1, got '" + region + "'");
            }
            if (accountId == null || !ACCOUNT.matcher(accountId).matches()) {
                throw new IllegalArgumentException("account id must be 12 digits, got '" + accountId + "'");
            }
            if (pageSize < 1 || pageSize > 10) {
                throw new IllegalArgumentException("page size must be between 1 and 10, got " + pageSize);
            }
            if (threads < 1 || threads > 256) {
                throw new IllegalArgumentException("threads must be between 1 and 256, got " + threads);
            }
            if (callLogLimit < 1) {
                throw new IllegalArgumentException("call log limit must be 1 or more, got " + callLogLimit);
            }
        }

        /** Port 0, the system UTC clock, us-east-1, account 123456789012, full pages, 4 threads. */
        public static Options defaults() {
            return new Options(0, Clock.systemUTC(), "us-east-1", "123456789012", 10, Optional.empty(), 4, 20240101L,
                    false, 100_000);
        }

        public Options withPort(int value) {
            return new Options(value, clock, region, accountId, pageSize, seed, threads, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withRegion(String value) {
            return new Options(port, clock, value, accountId, pageSize, seed, threads, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withClock(Clock value) {
            return new Options(port, value, region, accountId, pageSize, seed, threads, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withPageSize(int value) {
            return new Options(port, clock, region, accountId, value, seed, threads, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withSeed(Path value) {
            return new Options(port, clock, region, accountId, pageSize, Optional.of(value), threads, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withThreads(int value) {
            return new Options(port, clock, region, accountId, pageSize, seed, value, randomSeed,
                    sourceResultWithSecretString, callLogLimit);
        }

        public Options withSourceResultWithSecretString(boolean value) {
            return new Options(port, clock, region, accountId, pageSize, seed, threads, randomSeed, value, callLogLimit);
        }

        public Options withCallLogLimit(int value) {
            return new Options(port, clock, region, accountId, pageSize, seed, threads, randomSeed,
                    sourceResultWithSecretString, value);
        }
    }

    private final Options options;
    /** One mapper for the whole endpoint (not {@code json.Jackson}: this package depends on nothing but {@code log}). */
    private final ObjectMapper json = new ObjectMapper();
    private final ParameterStore store;
    private final Faults faults;
    private final Counters counters = new Counters();
    private final Identities identities = new Identities();
    private final CallLog calls;
    private final ExecutorService workers;
    private final ScheduledExecutorService delays;
    private final SsmEndpoint endpoint;
    private HttpServer server;
    private int port;
    private boolean closed;

    private LocalSsm(Options options) {
        this.options = options;
        Random random = new Random(options.randomSeed());
        this.store = new ParameterStore(options.region(), options.accountId(), random);
        this.faults = new Faults(options.clock(), random, options.pageSize(), new Faults.Listener() {
            @Override
            public void refuse() {
                refuseConnections();
            }

            @Override
            public void accept() {
                acceptConnections();
            }

            @Override
            public boolean refusing() {
                return refusingConnections();
            }
        });
        this.calls = new CallLog(options.callLogLimit());
        this.workers = Executors.newFixedThreadPool(options.threads(), threads("localssm-worker"));
        this.delays = Executors.newSingleThreadScheduledExecutor(threads("localssm-delay"));
        SsmProtocol protocol = new SsmProtocol(store, faults, json, options.sourceResultWithSecretString());
        this.endpoint = new SsmEndpoint(protocol, faults, counters, calls, options.clock(), json, delays,
                new ControlApi(this, json), identities);
        this.port = options.port();
    }

    /**
     * Loads the seed file (if any) and starts listening on 127.0.0.1.
     *
     * @throws IOException when the port cannot be bound or the seed file cannot be read
     * @throws IllegalArgumentException when the seed file is malformed (the message names the entry)
     */
    public static LocalSsm start(Options options) throws IOException {
        LocalSsm ssm = new LocalSsm(options);
        try {
            if (options.seed().isPresent()) {
                Seed.apply(options.seed().get(), ssm.json, ssm);
            }
            ssm.bind();
        } catch (IOException | RuntimeException e) {
            ssm.close();
            throw e;
        }
        LOG.debug("local ssm listening", "endpoint", ssm.endpoint());
        return ssm;
    }

    /** Starts with {@link Options#defaults()}: a free port, no seed. */
    public static LocalSsm start() throws IOException {
        return start(Options.defaults());
    }

    private synchronized void bind() throws IOException {
        HttpServer s;
        try {
            s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        } catch (BindException e) {
            throw new BindException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
        }
        s.createContext("/", endpoint);
        s.setExecutor(workers);
        s.start();
        server = s;
        port = s.getAddress().getPort();
    }

    /** The URL to give the SDK as endpoint override, e.g. {@code http://127.0.0.1:4583}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** The port it listens on (the one picked when started with port 0); kept across refused connections. */
    public synchronized int port() {
        return port;
    }

    /** The region in the ARNs it answers. */
    public String region() {
        return options.region();
    }

    /** The account id in the ARNs it answers. */
    public String accountId() {
        return options.accountId();
    }

    /** The parameter's ARN as SSM forms it, e.g. {@code arn:aws:ssm:us-east-1:123456789012:parameter/prod/x}. */
    public String arnOf(String name) {
        return Names.arn(options.region(), options.accountId(), name);
    }

    /** Stores a new version of a {@code String} parameter (overwriting); returns its version number. */
    public long put(String name, String value) {
        return put(name, value, "String");
    }

    /**
     * Stores a new version of a parameter of {@code type} (String, StringList or SecureString), overwriting. Values
     * over 4 KB go to the Advanced tier, as SSM's Intelligent-Tiering does.
     *
     * @return the new version number (1 for a new parameter)
     * @throws IllegalArgumentException for a name, type or value SSM would refuse (the message names the rule)
     */
    public long put(String name, String value, String type) {
        return put(name, value, type, null, null);
    }

    long put(String name, String value, String type, String description, String tier) {
        try {
            return store.put(new ParameterStore.PutRequest(name, value, Objects.requireNonNull(type, "type"), true,
                    description, null, tier == null ? "Intelligent-Tiering" : tier, null, null),
                    options.clock().instant(), "arn:aws:iam::" + options.accountId() + ":user/localssm").version();
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /** Moves {@code labels} to {@code version} of {@code name}, as {@code LabelParameterVersion} does. */
    public void label(String name, long version, String... labels) {
        try {
            ParameterStore.LabelResult r = store.label(requested(name), version, List.of(labels));
            if (!r.invalidLabels().isEmpty()) {
                throw new IllegalArgumentException("invalid label(s) " + r.invalidLabels() + ": a label is 1 to 100 "
                        + "letters, digits, '.', '-' or '_', and starts with neither a digit nor aws or ssm");
            }
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a parameter with all its versions. */
    public void delete(String name) {
        try {
            store.delete(requested(name));
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores a Secrets Manager secret (or rotates it: the new version becomes AWSCURRENT, the old one AWSPREVIOUS),
     * readable as {@code /aws/reference/secretsmanager/<id>}. Returns the new version's VersionId.
     */
    public String putSecret(String id, String secretString) {
        try {
            return store.putSecret(id, secretString, options.clock().instant());
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores a new version of a Secrets Manager secret: {@code id} is a name (this endpoint's account and region) or
     * a full secret ARN in any account and region; exactly one of {@code secretString} and {@code secretBinary};
     * {@code stages} the version's staging labels (empty: AWSCURRENT). Readable through Secrets Manager's own
     * operations, and by name through {@code /aws/reference/secretsmanager/}. Returns the new VersionId.
     */
    public String putSecret(String id, String secretString, byte[] secretBinary, List<String> stages) {
        try {
            return store.putSecret(id, secretString, secretBinary, stages, options.clock().instant());
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Declares a role STS {@code AssumeRole} may assume (any other is AccessDenied): {@code externalId} the one it
     * demands (null: none); {@code sessionLength} how long its sessions last (null: the DurationSeconds asked for,
     * else 1 h). A call signed with a session key past its expiry is answered ExpiredTokenException.
     */
    public void declareRole(String roleArn, String externalId, Duration sessionLength) {
        identities.declareRole(roleArn, externalId, sessionLength);
    }

    /**
     * From now on only {@code principals} may read the Secrets Manager secrets of {@code account} (ARNs in it): role
     * ARNs (calls signed with a session of that role) or access key ids (the caller's own key: what a resource policy
     * naming the task role allows). Others get AccessDeniedException.
     */
    public void guardAccount(String account, List<String> principals) {
        identities.guard(account, principals);
    }

    /** The secret access keys and session tokens AssumeRole handed out (the latest 1,000): for leak searches. */
    public List<String> issuedSessionSecrets() {
        return identities.issuedSecrets();
    }

    /** Tags the secret {@code id} (a name or a full ARN), as Secrets Manager's TagResource; ListSecrets answers them. */
    public void tagSecret(String id, java.util.Map<String, String> tags) {
        try {
            store.tagSecret(id, tags);
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the secret {@code id} (a name or a full ARN) at once, as DeleteSecret with ForceDeleteWithoutRecovery. */
    public void deleteSecret(String id) {
        try {
            store.deleteSecret(id);
        } catch (SsmError e) {
            throw new IllegalArgumentException(e.code() + ": " + e.getMessage(), e);
        }
    }

    /** Loads a seed file (format in docs/local-ssm.md) on top of what is stored. */
    public void seed(Path file) throws IOException {
        Seed.apply(file, json, this);
    }

    private Names.Requested requested(String name) {
        return Names.parse(name, options.region(), options.accountId());
    }

    /** The faults to inject; change them at any time. */
    public Faults faults() {
        return faults;
    }

    /** Calls received per operation. */
    public Counters counters() {
        return counters;
    }

    /** The most recent calls (up to {@link Options#callLogLimit()}), oldest first. */
    public List<Call> calls() {
        return calls.snapshot();
    }

    /** The most recent calls of one operation, oldest first. */
    public List<Call> calls(String operation) {
        return calls.snapshot().stream().filter(c -> c.operation().equals(operation)).toList();
    }

    /** Empties the call log (the counters stay; see {@link Counters#reset()}). */
    public void clearCalls() {
        calls.clear();
    }

    /**
     * Stops listening (connections are refused, the port kept) until {@link #acceptConnections()}: a region that
     * went away, for failover tests. What is stored stays.
     */
    public synchronized void refuseConnections() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Listens again on the same port after {@link #refuseConnections()}. */
    public synchronized void acceptConnections() {
        if (server == null && !closed) {
            try {
                bind();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen again on 127.0.0.1:" + port, e);
            }
        }
    }

    synchronized boolean refusingConnections() {
        return server == null;
    }

    /** Refuses connections now and accepts them again after {@code duration} (for the control API). */
    void refuseConnectionsFor(Duration duration) {
        refuseConnections();
        delays.schedule(() -> {
            try {
                acceptConnections();
            } catch (RuntimeException e) {
                LOG.warn("local ssm cannot listen again", "port", port(), "error", e.getMessage());
            }
        }, duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Stops listening and releases the threads. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (server != null) {
                server.stop(0);
                server = null;
            }
        }
        delays.shutdownNow();
        workers.shutdownNow();
    }

    @Override
    public String toString() {
        return "LocalSsm[" + endpoint() + "]";
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
