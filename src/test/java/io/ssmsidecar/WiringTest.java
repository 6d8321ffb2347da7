package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.http.ApiServer;
import io.ssmsidecar.output.ChangeNotifier;
import io.ssmsidecar.output.OutputOptions;
import io.ssmsidecar.source.SigningCredentials;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.RefreshEngine;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** {@link Wiring} hands each component the settings of its group, and the named constants for the rest. */
class WiringTest {
    /** Credentials for {@code verify}, which needs some; this test never signs anything. */
    private static final SigningCredentials NO_KEYS = new SigningCredentials() {
        @Override
        public String region() {
            return "eu-west-1";
        }

        @Override
        public Keys current() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Keys resolveAgain() {
            throw new UnsupportedOperationException();
        }
    };

    @Test
    void api_takesTheHttpSettings_andTheResolvedToken() {
        ApiServer.Options options = Wiring.api(Settings.defaults(List.of()), "generated");

        assertThat(options).isEqualTo(new ApiServer.Options("127.0.0.1", 2773, "generated", 800, false));
        assertThat(options.loopback()).isTrue();
    }

    @Test
    void everyComponent_getsTheValuesOfItsGroup() throws Exception {
        Settings s = SettingsLoader.load(List.of(), Map.ofEntries(
                Map.entry("SIDECAR_OUTPUT_DIR", "/run/app-secrets"), Map.entry("SIDECAR_FILE_MODE", "0400"),
                Map.entry("SIDECAR_FILE_UID", "1000"), Map.entry("SIDECAR_BUNDLES", "env:app.env"),
                Map.entry("SIDECAR_HTTP_PORT", "2999"), Map.entry("SIDECAR_MAX_CONNECTIONS", "12"),
                Map.entry("SIDECAR_ALLOWED_HOSTS", "sidecar"), Map.entry("SIDECAR_SDK_ENDPOINT", "trust-loopback"),
                Map.entry("SIDECAR_REFRESH_INTERVAL", "2m"), Map.entry("SIDECAR_MAX_STALENESS", "10m"),
                Map.entry("SIDECAR_ON_DEMAND_CALLS", "3"), Map.entry("SIDECAR_NOT_FOUND_TTL", "7s"),
                Map.entry("SIDECAR_ON_CHANGE_URL", "http://127.0.0.1:9000/changed"),
                Map.entry("SIDECAR_NOTIFY_WINDOW", "3s"), Map.entry("SIDECAR_REFRESH_MAX_STRETCH", "300"),
                Map.entry("SIDECAR_THROTTLE_BACKOFF_CAP", "20m")));

        assertThat(Wiring.output(s)).isEqualTo(new OutputOptions(Path.of("/run/app-secrets"), 0400, OptionalInt.of(1000),
                OptionalInt.empty(), List.of(new OutputOptions.Bundle("env", "app.env", 0400)), List.of(), 4194304));
        assertThat(Wiring.api(s, "t")).isEqualTo(new ApiServer.Options("127.0.0.1", 2999, "t", 12, false,
                List.of("sidecar")));
        assertThat(Wiring.sdkAccess(s, Optional.empty(), Clock.systemUTC()).mode())
                .isEqualTo(ApiServer.SdkMode.TRUST_LOOPBACK);
        assertThat(Wiring.refresh(s)).isEqualTo(new RefreshEngine.Options(Duration.ofMinutes(2),
                Optional.of(Duration.ofMinutes(10)), io.ssmsidecar.schedule.Backoff.DEFAULT,
                RefreshEngine.Options.INTERVAL_JITTER, new RefreshEngine.Throttling(3.0, Duration.ofMinutes(20))));
        assertThat(Wiring.onDemand(s)).isEqualTo(new OnDemandFetcher.Options(3, 3 * OnDemandFetcher.Options.QUEUE_PER_CALL,
                OnDemandFetcher.Options.MAX_WAIT, Duration.ofSeconds(7)));
        assertThat(Wiring.notifier(s)).isEqualTo(new ChangeNotifier.Options(
                Optional.of(URI.create("http://127.0.0.1:9000/changed")), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Duration.ofSeconds(3), ChangeNotifier.COMMAND_TIMEOUT,
                ChangeNotifier.URL_ATTEMPTS));
    }

    @Test
    void everySdkEndpointSetting_hasItsHttpMode() {
        for (Settings.SdkEndpoint setting : Settings.SdkEndpoint.values()) {
            Settings s = Settings.defaults(List.of());
            Settings with = new Settings(s.references(), s.output(), new Settings.Http(s.http().address(),
                    s.http().port(), false, List.of(), Optional.empty(), 1, setting), s.onDemand(), s.refresh(),
                    s.onChange(), s.logging(), s.supervision(), s.aws());
            assertThat(Wiring.sdkAccess(with, Optional.of(NO_KEYS), Clock.systemUTC()).mode().name())
                    .isEqualTo(setting.name());
        }
    }
}
