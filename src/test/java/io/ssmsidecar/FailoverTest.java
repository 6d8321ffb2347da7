package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second region, end to end: two local-ssm instances stand in for us-east-1 (primary) and us-west-2 (failover,
 * holding the replicas); the real daemon reads both through {@code SIDECAR_ENDPOINT_URL_<REGION>}. The primary stops
 * listening mid-run: the next refresh is served by us-west-2 (seen in {@code /v1/secrets} and the metrics), the app
 * keeps reading values over HTTP and from the files, which are never torn, and the first refresh after the primary
 * listens again is served by it. Refresh cycles are driven by {@code POST /v1/refresh}, not by time.
 */
class FailoverTest {
    private static final String MARK = "failoverLeak";
    private static final String TOKEN = "failover-token-0123456789abcdef01";
    private static final String CERT_EAST = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/cert-AbC123";
    private static final String CERT_WEST = "arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/cert-AbC123";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> EXPECTED = Map.of("DB", MARK + "-db", "API", MARK + "-api",
            "CERT", MARK + "-cert");

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private LocalSsm east;
    private LocalSsm west;
    private CapturedLog log;

    @BeforeEach
    void start() throws Exception {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        east = LocalSsm.start();
        west = LocalSsm.start(LocalSsm.Options.defaults().withRegion("us-west-2"));
        for (LocalSsm region : List.of(east, west)) {
            // Replicas: the secret keeps its name; the parameter is copied by hand, as Parameter Store users do.
            region.putSecret("prod/db", "{\"password\":\"" + MARK + "-db\"}");
            region.put("/prod/api", MARK + "-api", "SecureString");
        }
        east.putSecret(CERT_EAST, MARK + "-cert");
        west.putSecret(CERT_WEST, MARK + "-cert");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        east.close();
        west.close();
        log.close();
        assertThat(log.text()).doesNotContain(MARK);
    }

    @Test
    void thePrimaryGoesAway_theFailoverRegionServes_filesNeverTorn_andThePrimaryIsBackAsSoonAsItAnswers()
            throws Exception {
        Path out = tmp.resolve("secrets");
        Map<String, String> env = new HashMap<>(Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "AKIDFAILOVER",
                "AWS_SECRET_ACCESS_KEY", "not-checked", "SIDECAR_OUTPUT_DIR", out.toString(),
                "SIDECAR_HTTP_PORT", "0", "SIDECAR_TOKEN", TOKEN, "SIDECAR_FAILOVER_REGIONS", "us-west-2",
                "SIDECAR_ENDPOINT_URL_US_EAST_1", east.endpoint().toString(),
                "SIDECAR_ENDPOINT_URL_US_WEST_2", west.endpoint().toString()));
        env.put("DB", "sm://prod/db#password");
        env.put("API", "ssm:///prod/api");
        env.put("CERT", "sm://" + CERT_EAST);
        Settings settings = SettingsLoader.load(List.of(), env);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        Sidecar sidecar = new Sidecar(settings, SsmParameterSource.create(env, metrics, LocalWire.FAST,
                Wiring.routing(settings)), metrics, Clock.systemUTC()).start();
        closing.add(sidecar);
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
        assertThat(regions(sidecar)).isEqualTo(Map.of("DB", "us-east-1", "API", "us-east-1", "CERT", "us-east-1"));
        assertThat(west.counters().total()).isZero();

        // The app reads, over HTTP and from the files, all through the failover and back.
        AtomicBoolean reading = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        Thread app = new Thread(() -> {
            while (reading.get()) {
                EXPECTED.forEach((key, value) -> {
                    try {
                        String file = Files.readString(out.resolve(key));
                        String served = get(sidecar, "/v1/secrets/" + key).body();
                        if (!file.equals(value) || !served.equals(value)) {
                            wrong.add(key + ": the file or the answer differed from the value");
                        }
                        reads.incrementAndGet();
                    } catch (Exception e) {
                        wrong.add(key + ": " + e.getClass().getSimpleName());
                    }
                });
            }
        }, "failover-test-app");
        app.start();
        Await.until(() -> reads.get() >= 6, () -> "the app reads");

        east.refuseConnections();
        refresh(sidecar);

        assertThat(regions(sidecar)).isEqualTo(Map.of("DB", "us-west-2", "API", "us-west-2", "CERT", "us-west-2"));
        assertThat(west.calls()).extracting(c -> c.operation()).contains("GetParameters", "BatchGetSecretValue");
        assertThat(west.calls().stream().flatMap(c -> c.names().stream())).contains(CERT_WEST).doesNotContain(CERT_EAST);
        assertThat(metrics.scrape()).contains("ssm_sidecar_failover_active 1.0")
                .containsPattern("ssm_sidecar_region_calls_total\\{region=\"us-west-2\",served=\"failover\"} [1-9]");
        assertThat(log.text()).contains("serving from a failover region");
        int readsWhileFailedOver = reads.get();
        Await.until(() -> reads.get() >= readsWhileFailedOver + 6, () -> "the app reads while failed over");

        east.acceptConnections();
        long westCalls = west.counters().total();
        refresh(sidecar);

        assertThat(regions(sidecar)).isEqualTo(Map.of("DB", "us-east-1", "API", "us-east-1", "CERT", "us-east-1"));
        assertThat(west.counters().total()).as("nothing asked of the failover region once the primary answers")
                .isEqualTo(westCalls);
        assertThat(metrics.scrape()).contains("ssm_sidecar_failover_active 0.0");
        assertThat(log.text()).contains("region answers again");
        reading.set(false);
        app.join(10_000);
        assertThat(wrong).isEmpty();
        assertThat(reads.get()).isGreaterThan(readsWhileFailedOver);
    }

    /**
     * Through a role, the failover region is read with a session of its own, assumed through that region's STS (here
     * both regions' STS is the us-west-2 endpoint, AWS_ENDPOINT_URL_STS), so a primary region that is down entirely,
     * its STS included, does not stop the failover.
     */
    @Test
    void throughARole_theFailoverRegionGetsASessionOfItsOwn() throws Exception {
        String role = "arn:aws:iam::123456789012:role/reader";
        west.declareRole(role, null, null);
        Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "AKIDFAILOVER",
                "AWS_SECRET_ACCESS_KEY", "not-checked", "SIDECAR_FAILOVER_REGIONS", "us-west-2",
                "SIDECAR_ENDPOINT_URL_US_EAST_1", east.endpoint().toString(),
                "SIDECAR_ENDPOINT_URL_US_WEST_2", west.endpoint().toString(),
                "AWS_ENDPOINT_URL_STS", west.endpoint().toString(), "SIDECAR_ROLE_ARN", role);
        try (SsmParameterSource source = SsmParameterSource.create(env, io.ssmsidecar.metrics.Metrics.noop(),
                LocalWire.FAST, Wiring.routing(SettingsLoader.load(List.of(), env)))) {
            assertThat(source.getSecretValue("prod/db", null, null).arn()).contains(":us-east-1:");
            east.refuseConnections();

            io.ssmsidecar.source.Parameter p = source.getSecretValue("prod/db", null, null);

            assertThat(p.arn()).contains(":us-west-2:");
            assertThat(p.requestedName()).isEqualTo("prod/db");
            assertThat(west.calls("AssumeRole")).hasSize(2).allSatisfy(c -> assertThat(c.succeeded()).isTrue());
            assertThat(west.calls("GetSecretValue")).singleElement()
                    .satisfies(c -> assertThat(c.accessKeyId()).startsWith("ASIA"));
        }
        for (String secret : west.issuedSessionSecrets()) {
            assertThat(log.text()).doesNotContain(secret);
        }
    }

    /** Not found in the primary is an answer, not an outage: no failover. */
    @Test
    void aPermanentErrorInThePrimary_isNotFailedOver() throws Exception {
        Map<String, String> env = Map.of("AWS_REGION", "us-east-1", "AWS_ACCESS_KEY_ID", "AKIDFAILOVER",
                "AWS_SECRET_ACCESS_KEY", "not-checked", "SIDECAR_FAILOVER_REGIONS", "us-west-2",
                "SIDECAR_ENDPOINT_URL_US_EAST_1", east.endpoint().toString(),
                "SIDECAR_ENDPOINT_URL_US_WEST_2", west.endpoint().toString());
        west.putSecret("only/west", MARK + "-west");
        try (SsmParameterSource source = SsmParameterSource.create(env, io.ssmsidecar.metrics.Metrics.noop(),
                LocalWire.FAST, Wiring.routing(SettingsLoader.load(List.of(), env)))) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> source.getSecretValue("only/west", null, null))
                    .hasMessageContaining("ResourceNotFoundException");
            east.faults().errorRate(1.0, "AccessDeniedException");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> source.getSecretValue("prod/db", null, null))
                    .hasMessageContaining("AccessDeniedException");
        }
        assertThat(west.counters().total()).isZero();
    }

    /** The region each key's value was answered by, as {@code GET /v1/secrets} reports it. */
    private Map<String, String> regions(Sidecar sidecar) throws Exception {
        JsonNode list = JSON.readTree(get(sidecar, "/v1/secrets").body()).get("secrets");
        Map<String, String> regions = new HashMap<>();
        list.forEach(s -> regions.put(s.get("key").asText(), s.get("region").asText()));
        return regions;
    }

    private HttpResponse<String> get(Sidecar sidecar, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path))
                .header("X-Aws-Parameters-Secrets-Token", TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void refresh(Sidecar sidecar) throws Exception {
        long generation = sidecar.store().current().generation();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port()
                        + "/v1/refresh")).header("X-Aws-Parameters-Secrets-Token", TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        Await.until(() -> sidecar.store().current().generation() > generation, () -> "the refresh published");
    }
}
