package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.LoopbackReceiver;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import io.ssmsidecar.testing.SetReader;
import java.io.IOException;
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
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rotation through the whole daemon: a real {@link Sidecar} (settings from the loader, the production SDK source
 * against the local SSM endpoint over loopback HTTP, the real output directory, the real HTTP API) and a real
 * loopback receiver for change notifications. Tests that need time to pass run the refresh and notification
 * schedulers on virtual time; the others trigger refreshes with {@code POST /v1/refresh} and wait for answers.
 */
class RotationEndToEndTest {
    private static final String TOKEN = "rotation-e2e-token-0123456789abcdef";
    private static final String MARK = "s3kr1t";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path out;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final BlockingQueue<Notified> notified = new LinkedBlockingQueue<>();
    private final Map<String, String> env = new HashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private LoopbackReceiver receiver;
    private CapturedLog log;
    private LocalSsm ssm;
    private PrometheusMetrics metrics;
    private Sidecar sidecar;

    /** What the notification receiver got, and what it read from the DB_PASSWORD file when it got it. */
    private record Notified(JsonNode body, String rawBody, String dbFileAtNotification) { }

    @BeforeEach
    void start() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        receiver = LoopbackReceiver.start("/changed", request -> {
            String file = Files.readString(out.resolve("DB_PASSWORD"));
            notified.add(new Notified(JSON.readTree(request.body()), request.body(), file));
            return 204;
        });
        env.put("DB_PASSWORD", "ssm:///app/db/password");
        env.put("API_KEY", "ssm:///app/api/key");
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        env.put("SIDECAR_BUNDLES", "json:all.json");
        env.put("SIDECAR_ON_CHANGE_URL", receiver.url().toString());
    }

    @AfterEach
    void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
        receiver.close();
        log.close();
        assertThat(log.text()).as("no value in any log line").doesNotContain(MARK);
        assertThat(metrics == null ? "" : metrics.scrape()).as("no value in the metrics").doesNotContain(MARK);
    }

    /** The endpoint on {@code clock}, seeded with DB_PASSWORD and API_KEY. */
    private void endpoint(Clock clock) throws IOException {
        ssm = LocalSsm.start(LocalSsm.Options.defaults().withClock(clock));
        closing.add(ssm);
        ssm.put("/app/db/password", MARK + "-db-1", "SecureString");
        ssm.put("/app/api/key", MARK + "-api-1", "SecureString");
    }

    /** The daemon with system schedulers on the real clock, started and ready. */
    private void daemon() throws Exception {
        endpoint(Clock.systemUTC());
        metrics = PrometheusMetrics.create();
        sidecar = new Sidecar(SettingsLoader.load(List.of(), env), source(), metrics, Clock.systemUTC()).start();
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
    }

    /** The daemon with its refresh and notification work on {@code scheduler}, started; the first load has run. */
    private void daemon(ManualClock clock, ManualScheduler scheduler) throws Exception {
        endpoint(clock);
        metrics = PrometheusMetrics.create();
        sidecar = new Sidecar(SettingsLoader.load(List.of(), env), source(), metrics, clock, scheduler, scheduler,
                new SplittableRandom(11)).start();
        scheduler.runDue();
        assertThat(sidecar.awaitReady(Duration.ofSeconds(1))).as(sidecar.readinessReason()).isTrue();
    }

    private SsmParameterSource source() {
        return SsmParameterSource.create(LocalWire.env(ssm), metrics, LocalWire.FAST);
    }

    // ---- HTTP ----

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path))
                .timeout(Duration.ofSeconds(40)).header("X-Aws-Parameters-Secrets-Token", TOKEN);
        return headers.length == 0 ? b : b.headers(headers);
    }

    private HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
        return http.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> getAsync(String path, String... headers) {
        return http.sendAsync(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private int postRefresh() throws IOException, InterruptedException {
        return http.send(request("/v1/refresh").POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** One sample of the Prometheus text, e.g. {@code ssm_sidecar_secrets_stale}; 0 when absent. */
    private double metric(String series) throws IOException, InterruptedException {
        String text = get("/metrics").body();
        for (String line : text.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    private String file(String name) throws IOException {
        return Files.readString(out.resolve(name));
    }

    private Path data() throws IOException {
        return Files.readSymbolicLink(out.resolve("..data"));
    }

    private static Map<String, String> changedVersions(JsonNode body) {
        Map<String, String> out = new TreeMap<>();
        body.get("changed").forEach(c -> out.put(c.get("key").asText(), c.path("version").asText()));
        return out;
    }

    // ---- tests ----

    @Test
    void postRefresh_bringsARotation_toTheFiles_theApi_andAPendingLongPoll_andTheHookSeesTheNewFile() throws Exception {
        daemon();
        HttpResponse<String> before = get("/v1/secrets/DB_PASSWORD");
        assertThat(before.body()).isEqualTo(MARK + "-db-1");
        String etag = before.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).isEqualTo("\"1\"");
        CompletableFuture<HttpResponse<String>> poll = getAsync("/v1/secrets/DB_PASSWORD?wait=30s", "If-None-Match", etag);
        Await.until(() -> sidecar.waitingRequests() == 1, () -> "the long-poll waits");

        ssm.put("/app/db/password", MARK + "-db-2", "SecureString");
        assertThat(postRefresh()).isEqualTo(202);

        HttpResponse<String> woken = poll.get(20, TimeUnit.SECONDS);
        assertThat(woken.statusCode()).isEqualTo(200);
        assertThat(woken.body()).isEqualTo(MARK + "-db-2");
        assertThat(woken.headers().firstValue("ETag")).hasValue("\"2\"");

        Notified n = notified.poll(20, TimeUnit.SECONDS);
        assertThat(n).as("the URL hook was called").isNotNull();
        assertThat(n.dbFileAtNotification()).as("the files were in place before the hook").isEqualTo(MARK + "-db-2");
        assertThat(changedVersions(n.body())).containsExactly(Map.entry("DB_PASSWORD", "2"));
        assertThat(n.rawBody()).doesNotContain(MARK);

        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-db-2");
        assertThat(file("API_KEY")).isEqualTo(MARK + "-api-1");
        JsonNode bundle = JSON.readTree(file("all.json"));
        assertThat(bundle.get("DB_PASSWORD").asText()).isEqualTo(MARK + "-db-2");
        assertThat(bundle.get("API_KEY").asText()).isEqualTo(MARK + "-api-1");
        assertThat(get("/v1/secrets/DB_PASSWORD").body()).isEqualTo(MARK + "-db-2");
        assertThat(metric("ssm_sidecar_notifications_total{channel=\"url\",result=\"success\"}")).isEqualTo(1);
    }

    @Test
    void unchangedValues_causeZeroWrites_noNotification_andNoLogAboveDebug() throws Exception {
        daemon();
        Path dataBefore = data();
        double writesBefore = metric("ssm_sidecar_file_writes_total{result=\"success\"}");
        long callsBefore = ssm.counters().total();
        int logBefore = log.text().length();

        for (int i = 0; i < 3; i++) {
            long generation = sidecar.store().current().generation();
            assertThat(postRefresh()).isEqualTo(202);
            int cycle = i;
            Await.until(() -> sidecar.store().current().generation() > generation, () -> "refresh " + cycle + " published");
        }

        assertThat(ssm.counters().total() - callsBefore).as("three cycles, one GetParameters each").isEqualTo(3);
        assertThat(data()).as("..data did not move").isEqualTo(dataBefore);
        String quiet = log.text().substring(logBefore);
        assertThat(quiet.lines().filter(l -> !l.contains(" DEBUG ")).toList())
                .as("nothing above debug for unchanged cycles").isEmpty();

        // A real change afterwards is the one write and the one notification: the cycles before wrote nothing.
        ssm.put("/app/api/key", MARK + "-api-2", "SecureString");
        assertThat(postRefresh()).isEqualTo(202);
        Notified n = notified.poll(20, TimeUnit.SECONDS);
        assertThat(n).isNotNull();
        assertThat(changedVersions(n.body())).containsOnlyKeys("API_KEY");
        assertThat(metric("ssm_sidecar_file_writes_total{result=\"success\"}")).isEqualTo(writesBefore + 1);
        assertThat(data()).isNotEqualTo(dataBefore);
        assertThat(notified).as("no other notification").isEmpty();
    }

    @Test
    void manyRotationsOfAPath_areNeverSeenHalfDone_byAReaderOfTheFiles() throws Exception {
        int keys = 5;
        int updates = 100;
        env.clear();
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        env.put("SIDECAR_BUNDLES", "json:all.json");
        env.put("APP", "ssm:///app/set/*");
        endpoint(Clock.systemUTC());
        for (int i = 0; i < keys; i++) {
            ssm.put("/app/set/k" + i, setValue(0, i), "SecureString");
        }
        metrics = PrometheusMetrics.create();
        sidecar = new Sidecar(SettingsLoader.load(List.of(), env), source(), metrics, Clock.systemUTC()).start();
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();

        List<String> names = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            names.add("APP_K" + i);
        }
        try (SetReader reader = SetReader.start(out, names, "all.json", SET_VALUE)) {
            String etag = get("/v1/secrets/APP_K0").headers().firstValue("ETag").orElseThrow();
            for (int g = 1; g <= updates; g++) {
                for (int i = 0; i < keys; i++) {
                    ssm.put("/app/set/k" + i, setValue(g, i), "SecureString");
                }
                assertThat(postRefresh()).isEqualTo(202);
                HttpResponse<String> next = get("/v1/secrets/APP_K0?wait=30s", "If-None-Match", etag);
                assertThat(next.statusCode()).as("update %d", g).isEqualTo(200);
                etag = next.headers().firstValue("ETag").orElseThrow();
            }
            String last = setValue(updates, keys - 1);
            Await.until(() -> {
                try {
                    return file("APP_K" + (keys - 1)).equals(last);
                } catch (IOException e) {
                    return false;
                }
            }, () -> "the last set is written");
            reader.stop();

            assertThat(reader.problems()).isEmpty();
            assertThat(reader.stablePasses()).as("passes with a steady ..data").isPositive();
            assertThat(reader.generationsSeen()).as("the reader raced the updates").hasSizeGreaterThan(1);
            System.out.printf("multi-file swap through the daemon: %d updates of %d files + bundle; the reader made %d"
                            + " passes (%d with a steady ..data), saw %d generations, no mix%n", updates, keys,
                    reader.passes(), reader.stablePasses(), reader.generationsSeen().size());
        }
        for (int i = 0; i < keys; i++) {
            assertThat(file("APP_K" + i)).isEqualTo(setValue(updates, i));
        }
    }

    private static final Pattern SET_VALUE = Pattern.compile(MARK + ";gen=(\\d+);k=(\\d+);x*;end");

    /** Generation {@code g} of key {@code i}; lengths vary so a torn read would show. */
    private static String setValue(int g, int i) {
        return MARK + ";gen=" + g + ";k=" + i + ";" + "x".repeat(((g * 7 + i * 13) % 20) * 100) + ";end";
    }

    @Test
    void onVirtualTime_rotationArrivesWithinOneInterval_andFailuresKeepTheLastGoodValue() throws Exception {
        env.put("SIDECAR_MAX_STALENESS", "10m");
        ManualClock clock = new ManualClock();
        ManualScheduler scheduler = new ManualScheduler(clock);
        daemon(clock, scheduler);
        Duration interval = Duration.ofMinutes(5);
        scheduler.advance(interval.multipliedBy(3).dividedBy(2)); // past the splayed first cycle
        double writes = metric("ssm_sidecar_file_writes_total{result=\"success\"}");

        // Rotation on the interval alone: within one (jittered) interval, plus the 1 s notification window.
        ssm.put("/app/db/password", MARK + "-db-2", "SecureString");
        scheduler.advance(interval.plus(interval.dividedBy(10)).plusSeconds(1));
        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-db-2");
        assertThat(get("/v1/secrets/DB_PASSWORD").body()).isEqualTo(MARK + "-db-2");
        assertThat(metric("ssm_sidecar_file_writes_total{result=\"success\"}")).isEqualTo(writes + 1);
        Notified n = notified.poll(5, TimeUnit.SECONDS);
        assertThat(n).isNotNull();
        assertThat(n.dbFileAtNotification()).isEqualTo(MARK + "-db-2");

        // Throttled: both values kept and marked stale, counted in the metrics; the backoff retry recovers.
        ssm.faults().failNext(1, "ThrottlingException");
        assertThat(postRefresh()).isEqualTo(202);
        scheduler.runDue();
        assertThat(metric("ssm_sidecar_ssm_throttled_total")).isEqualTo(1);
        assertThat(metric("ssm_sidecar_ssm_calls_total{operation=\"GetParameters\",outcome=\"throttled\"}")).isEqualTo(1);
        assertThat(metric("ssm_sidecar_secrets_stale")).isEqualTo(2);
        JsonNode list = JSON.readTree(get("/v1/secrets").body());
        assertThat(list.get("secrets")).allSatisfy(s -> {
            assertThat(s.get("stale").asBoolean()).isTrue();
            assertThat(s.get("lastErrorCode").asText()).isEqualTo("ThrottlingException");
        });
        assertThat(get("/v1/secrets/DB_PASSWORD").body()).isEqualTo(MARK + "-db-2");
        // A throttled refresh doubles the interval (AdaptiveInterval) and a loaded sidecar retries within 15% of the
        // configured interval, with full jitter: well within 5 minutes.
        advanceUntil(scheduler, interval, () -> metric("ssm_sidecar_secrets_stale") == 0);

        // Permanent: the parameter is deleted. Last good value kept everywhere, stale, loud; ready until max staleness.
        ssm.delete("/app/api/key");
        scheduler.advance(Duration.ofMinutes(2));
        assertThat(postRefresh()).isEqualTo(202);
        scheduler.runDue();
        assertThat(file("API_KEY")).isEqualTo(MARK + "-api-1");
        assertThat(get("/v1/secrets/API_KEY").body()).isEqualTo(MARK + "-api-1");
        assertThat(log.text()).contains("ERROR").contains("refresh failed; serving last good value")
                .contains("key=API_KEY");
        assertThat(metric("ssm_sidecar_secrets_stale")).isEqualTo(1);
        assertThat(metric("ssm_sidecar_oldest_value_age_seconds")).as("API_KEY's last success, on the virtual clock")
                .isBetween(120.0, 121.0);
        assertThat(get("/readyz").statusCode()).isEqualTo(200);

        scheduler.advance(Duration.ofMinutes(9));
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).as("stale past SIDECAR_MAX_STALENESS").isEqualTo(503);
        assertThat(ready.body()).contains("API_KEY").contains("stale");

        ssm.put("/app/api/key", MARK + "-api-2", "SecureString");
        // Still within the stretch the throttling caused: the next cycle lands within 1.1 x the doubled interval.
        advanceUntil(scheduler, interval.multipliedBy(3).plusSeconds(1), () -> get("/readyz").statusCode() == 200);
        assertThat(file("API_KEY")).isEqualTo(MARK + "-api-2");
        assertThat(metric("ssm_sidecar_secrets_stale")).isZero();
    }

    /** Advances the virtual clock a second at a time until {@code condition} holds, failing past {@code max}. */
    private static void advanceUntil(ManualScheduler scheduler, Duration max, java.util.concurrent.Callable<Boolean> condition)
            throws Exception {
        Duration waited = Duration.ZERO;
        while (!condition.call()) {
            assertThat(waited).as("virtual time waited for the condition").isLessThan(max);
            scheduler.advance(Duration.ofSeconds(1));
            waited = waited.plusSeconds(1);
        }
    }
}
