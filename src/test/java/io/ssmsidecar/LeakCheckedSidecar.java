package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.cli.Main;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.CredentialLeakCheck;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.LoopbackReceiver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The sidecar in the test JVM against a fresh {@link LocalSsm}, with one leak check for every test that uses it.
 * Built with each test instance (JUnit's default per-method lifecycle), as {@code LocalSsmExtension} is, so the test's
 * fields can hold its parts: local-ssm started, an empty temporary directory whose {@code secrets} child is
 * {@code SIDECAR_OUTPUT_DIR}, and {@link #env()} holding local-ssm's wire settings and that directory. Before each
 * test the log is captured at DEBUG. {@link #init()} runs {@code init} in-process; {@link #daemon} starts the
 * daemon with its HTTP API.
 * <p>
 * Guarantee: after each test (after the test's own {@code @AfterEach} methods), once everything the test registered
 * is closed (last registered first, so the daemon before its change receiver), local-ssm and the log are closed and
 * the test fails if the captured log, {@code init}'s stdout and stderr or a scrape of any registered
 * {@link PrometheusMetrics} contains the mark, or the binary value's base64 or hex. The mark is in every value the
 * tests store, so a value that leaks in any of those places is found ({@link CredentialLeakCheck} does this, and also
 * looks for the session credentials local-ssm's STS issued). The temporary directory is then deleted.
 * <pre>{@code
 * @RegisterExtension
 * final LeakCheckedSidecar fixture = new LeakCheckedSidecar(MARK, BINARY, TOKEN);
 * private final LocalSsm ssm = fixture.ssm();
 * private final Map<String, String> env = fixture.env();
 * }</pre>
 */
final class LeakCheckedSidecar implements BeforeEachCallback, AfterEachCallback {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String token;
    private final Map<String, String> env = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<PrometheusMetrics> scraped = new ArrayList<>();
    private final CredentialLeakCheck leaks;
    private final LocalSsm ssm;
    private final Path tmp;
    private final Path outDir;

    /**
     * @param mark   text every stored value carries: no log line, output or metric may contain it
     * @param binary the binary value the tests store: its base64 and hex must not appear either
     * @param token  the API token of {@link #daemon}, sent by {@link #refresh}
     */
    LeakCheckedSidecar(String mark, byte[] binary, String token) {
        this.token = token;
        leaks = new CredentialLeakCheck(this::printedAndScraped, mark, Base64.getEncoder().encodeToString(binary),
                HexFormat.of().formatHex(binary));
        ssm = leaks.ssm();
        try {
            tmp = Files.createTempDirectory("leak-checked-sidecar");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        outDir = tmp.resolve("secrets");
        env.putAll(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", outDir.toString());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        leaks.beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            leaks.afterEach(context);
        } finally {
            deleteTree(tmp);
        }
    }

    private String printedAndScraped() {
        StringBuilder everything = new StringBuilder(out.toString(StandardCharsets.UTF_8))
                .append(err.toString(StandardCharsets.UTF_8));
        scraped.forEach(m -> everything.append(m.scrape()));
        return everything.toString();
    }

    LocalSsm ssm() {
        return ssm;
    }

    /** The environment {@link #init()} and {@link #daemon} read; tests add their references and settings. */
    Map<String, String> env() {
        return env;
    }

    /** {@code SIDECAR_OUTPUT_DIR}: not created before the sidecar writes it. */
    Path outDir() {
        return outDir;
    }

    /** Closed after the test, before local-ssm, in the reverse order of registration. */
    <T extends AutoCloseable> T closeAfter(T resource) {
        return leaks.closeAfter(resource);
    }

    /** Scraped after the test (once everything is closed) and searched with the log. */
    PrometheusMetrics scrapeAfter(PrometheusMetrics metrics) {
        scraped.add(metrics);
        return metrics;
    }

    /** {@code init} in-process with {@link #env()}; its stdout and stderr accumulate in {@link #output()}. */
    int init() {
        return Main.run(new String[] {"init"}, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Everything {@link #init()} printed, stdout then stderr. */
    String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    /** What {@link #init()} printed to stderr. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** The output directory's files (not the hidden {@code ..data} machinery), name to content in ISO-8859-1. */
    Map<String, String> files() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(outDir)) {
            for (Path p : list.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
                files.put(p.getFileName().toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
            }
        }
        return files;
    }

    /**
     * The daemon with {@link #env()}, the HTTP API on a free loopback port with the token, and a change receiver that
     * adds each notification's JSON body to {@code notified}; ready when this returns. Its metrics are searched.
     */
    Sidecar daemon(BlockingQueue<JsonNode> notified) throws Exception {
        LoopbackReceiver receiver = closeAfter(LoopbackReceiver.start("/changed", request -> {
            notified.add(JSON.readTree(request.body()));
            return 204;
        }));
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", token);
        env.put("SIDECAR_ON_CHANGE_URL", receiver.url().toString());
        PrometheusMetrics metrics = scrapeAfter(PrometheusMetrics.create());
        Sidecar sidecar = closeAfter(new Sidecar(SettingsLoader.load(List.of(), env),
                SsmParameterSource.create(LocalWire.env(ssm), metrics, LocalWire.FAST), metrics, Clock.systemUTC())
                .start());
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
        return sidecar;
    }

    /** {@code POST /v1/refresh}, then waits until the cycle has published a new snapshot. */
    void refresh(Sidecar sidecar) throws Exception {
        long generation = sidecar.store().current().generation();
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sidecar.port() + "/v1/refresh")).header("X-Aws-Parameters-Secrets-Token", token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(202);
        Await.until(() -> sidecar.store().current().generation() > generation, () -> "the refresh published");
    }

    /** The keys a change notification names; fails if there was none ({@code null}: the poll timed out). */
    static List<String> changedKeys(JsonNode notification) {
        assertThat(notification).as("the change hook was called").isNotNull();
        List<String> changed = new ArrayList<>();
        notification.get("changed").forEach(c -> changed.add(c.get("key").asText()));
        return changed;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
