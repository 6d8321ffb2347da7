package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.LocalWire;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's wiring on the real wire: API first, then one load; a bind failure loads nothing. */
class SidecarTest {
    @TempDir
    Path dir;
    private LocalWire wire;

    @BeforeEach
    void start() {
        wire = LocalWire.start(Clock.systemUTC());
        wire.ssm.put("/app/db/password", "first-password", "SecureString");
        wire.ssm.put("/app/api/key", "first-key", "SecureString");
    }

    @AfterEach
    void stop() {
        wire.close();
    }

    private Settings settings(int port) throws Exception {
        Map<String, String> env = new HashMap<>(wire.env());
        env.put("DB_PASSWORD", "ssm:///app/db/password");
        env.put("API_KEY", "ssm:///app/api/key");
        env.put("SIDECAR_OUTPUT_DIR", dir.resolve("out").toString());
        env.put("SIDECAR_TOKEN", "sidecar-test-token");
        env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
        return SettingsLoader.load(List.of(), env);
    }

    @Test
    void start_listensAtOnce_andTurnsReady_withEveryFileWritten() throws Exception {
        try (Sidecar sidecar = new Sidecar(settings(0), wire.source, PrometheusMetrics.create(), Clock.systemUTC())) {
            sidecar.start();
            HttpClient http = HttpClient.newHttpClient();
            URI healthz = URI.create("http://127.0.0.1:" + sidecar.port() + "/healthz");
            assertThat(http.send(HttpRequest.newBuilder(healthz).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);

            assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
            assertThat(Files.readString(dir.resolve("out/DB_PASSWORD"))).isEqualTo("first-password");
            assertThat(Files.readString(dir.resolve("out/API_KEY"))).isEqualTo("first-key");
            HttpResponse<String> value = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + sidecar.port() + "/v1/secrets/API_KEY"))
                    .header("X-Aws-Parameters-Secrets-Token", "sidecar-test-token").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(value.body()).isEqualTo("first-key");
        }
    }

    @Test
    void start_loadsOnce_thenRefreshesOnRequest() throws Exception {
        try (CapturedLog log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO)) {
            Sidecar sidecar = new Sidecar(settings(0), wire.source, PrometheusMetrics.create(), Clock.systemUTC());
            try (sidecar) {
                sidecar.start();
                assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
                wire.ssm.put("/app/api/key", "second-key", "SecureString");
                sidecar.requestRefresh();
                Path file = dir.resolve("out/API_KEY");
                Await.until(() -> read(file).equals("second-key"), () -> "API_KEY is still " + read(file));
            }
            // Closing waited for the refresh thread: every load that was queued has logged by now.
            assertThat(log.text().split("secrets loaded", -1)).as(log.text()).hasSize(2);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "unreadable (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** Issue 18, item 9: the generated token is written only once the port is bound, so a clash leaves none. */
    @Test
    void start_onAPortInUse_writesNoTokenFile() throws Exception {
        try (Sidecar first = new Sidecar(settings(0), wire.source, PrometheusMetrics.create(), Clock.systemUTC())) {
            first.start();
            Path second = dir.resolve("second");
            Map<String, String> env = new HashMap<>(wire.env());
            env.put("DB_PASSWORD", "ssm:///app/db/password");
            env.put("SIDECAR_OUTPUT_DIR", second.toString());
            env.put("SIDECAR_HTTP_PORT", Integer.toString(first.port()));
            try (SsmParameterSource source = SsmParameterSource.create(wire.env(), Metrics.noop(), LocalWire.FAST);
                 Sidecar clash = new Sidecar(SettingsLoader.load(List.of(), env), source, PrometheusMetrics.create(),
                         Clock.systemUTC())) {
                assertThat(second.resolve(".token")).as("not before the port is bound").doesNotExist();
                assertThatThrownBy(clash::start).isInstanceOf(UncheckedIOException.class);
            }
            assertThat(second.resolve(".token")).doesNotExist();
        }
    }

    @Test
    void start_onAPortInUse_failsNamingTheAddress_andLoadsNothing() throws Exception {
        try (Sidecar first = new Sidecar(settings(0), wire.source, PrometheusMetrics.create(), Clock.systemUTC())) {
            first.start();
            int port = first.port();
            Path second = dir.resolve("second");
            Map<String, String> env = new HashMap<>(wire.env());
            env.put("DB_PASSWORD", "ssm:///app/db/password");
            env.put("SIDECAR_OUTPUT_DIR", second.toString());
            env.put("SIDECAR_TOKEN", "sidecar-test-token");
            env.put("SIDECAR_HTTP_PORT", Integer.toString(port));
            try (SsmParameterSource source = SsmParameterSource.create(wire.env(), Metrics.noop(), LocalWire.FAST);
                 Sidecar clash = new Sidecar(SettingsLoader.load(List.of(), env), source, PrometheusMetrics.create(),
                         Clock.systemUTC())) {
                assertThatThrownBy(clash::start).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("127.0.0.1:" + port);
            }
            // The API starts before the first load, so the clash never began loading: one refresh thread, the first's.
            assertThat(Thread.getAllStackTraces().keySet()).filteredOn(t -> t.getName().equals("ssm-sidecar-refresh"))
                    .hasSize(1);
        }
    }
}
