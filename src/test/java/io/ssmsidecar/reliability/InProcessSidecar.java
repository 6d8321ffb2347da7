package io.ssmsidecar.reliability;

import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.LocalWire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code run} daemon in the test JVM, as {@code RunCommand} wires it (minus signal handlers): settings through the
 * real loader, the production SDK source against a {@link LocalSsm} (short SDK timeouts, one attempt), the real
 * clock and scheduler threads, the HTTP API on a free loopback port, files in {@code dir}.
 */
final class InProcessSidecar implements AutoCloseable {
    static final String TOKEN = "reliability-token-0123456789abcdef";

    final Sidecar sidecar;
    final PrometheusMetrics metrics;
    final Path dir;
    final Http http;

    private InProcessSidecar(Sidecar sidecar, PrometheusMetrics metrics, Path dir) {
        this.sidecar = sidecar;
        this.metrics = metrics;
        this.dir = dir;
        this.http = new Http(sidecar.port(), TOKEN);
    }

    /** Starts it (the API listens when this returns); {@code references} are key → {@code ssm://} reference. */
    static InProcessSidecar start(LocalSsm ssm, Path dir, Map<String, String> references, String... flags)
            throws Exception {
        return start(ssm, dir, LocalWire.FAST, references, flags);
    }

    /** As {@link #start(LocalSsm, Path, Map, String...)} with the SDK's timeouts given (for a slow local SSM). */
    static InProcessSidecar start(LocalSsm ssm, Path dir, SsmParameterSource.Limits limits,
                                  Map<String, String> references, String... flags) throws Exception {
        Map<String, String> env = new HashMap<>(references);
        env.put("SIDECAR_OUTPUT_DIR", dir.toString());
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        Settings settings = SettingsLoader.load(List.of(flags), env);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        SsmParameterSource source = SsmParameterSource.create(LocalWire.env(ssm), metrics, limits);
        return new InProcessSidecar(new Sidecar(settings, source, metrics, Clock.systemUTC()).start(), metrics, dir);
    }

    void awaitReady() throws InterruptedException {
        if (!sidecar.awaitReady(Duration.ofSeconds(30))) {
            throw new AssertionError("not ready within 30s: " + sidecar.readinessReason());
        }
    }

    /** The {@code ..data} target: which version directory the app's files resolve to. */
    String liveVersion() throws Exception {
        return Files.readSymbolicLink(dir.resolve("..data")).toString();
    }

    String file(String name) throws Exception {
        return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    }

    /** The {@code /metrics} text, registered with the leak search. */
    String scrape() {
        String text = metrics.scrape();
        LeakWatch.search("/metrics", text);
        return text;
    }

    /** The sum of a Prometheus counter's samples whose line contains every one of {@code labels}. */
    static double counter(String scrape, String name, String... labels) {
        double sum = 0;
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        sidecar.close();
    }
}
