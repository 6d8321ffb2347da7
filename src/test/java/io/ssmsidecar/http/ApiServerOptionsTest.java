package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.config.Settings;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiServerOptionsTest {

    @Test
    void defaults_areTheAgentsAddressPortAndCap() {
        ApiServer.Options options = ApiServer.Options.defaults("t");

        assertThat(options).isEqualTo(new ApiServer.Options("127.0.0.1", 2773, "t", 800, false));
        assertThat(options.loopback()).isTrue();
    }

    @Test
    void from_takesTheHttpSettings_andTheResolvedToken() {
        ApiServer.Options options = ApiServer.Options.from(Settings.defaults(List.of()), "generated");

        assertThat(options).isEqualTo(new ApiServer.Options("127.0.0.1", 2773, "generated", 800, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "10.0.0.5", "::"})
    void nonLoopbackAddress_needsTheExplicitFlag(String address) {
        assertThatThrownBy(() -> new ApiServer.Options(address, 2773, "t", 800, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(address).hasMessageContaining("SIDECAR_HTTP_ALLOW_REMOTE=true");
        assertThat(new ApiServer.Options(address, 2773, "t", 800, true).loopback()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.2", "::1"})
    void everyLoopbackAddress_isAllowed(String address) {
        assertThat(new ApiServer.Options(address, 0, "t", 1, false).loopback()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "127.0.0.1:2773", ""})
    void hostNamesAndJunk_areRefused_askingForAnIpAddress(String address) {
        assertThatThrownBy(() -> new ApiServer.Options(address, 2773, "t", 800, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an IP address").hasMessageContaining("'" + address + "'");
    }

    @Test
    void badPortCapOrToken_areRefused_namingTheValue() {
        assertThatThrownBy(() -> new ApiServer.Options("127.0.0.1", 70000, "t", 1, false))
                .hasMessage("HTTP port must be between 0 and 65535, got 70000");
        assertThatThrownBy(() -> new ApiServer.Options("127.0.0.1", 1, "t", 0, false))
                .hasMessage("max connections must be at least 1, got 0");
        assertThatThrownBy(() -> new ApiServer.Options("127.0.0.1", 1, " ", 1, false))
                .hasMessage("the API token must not be blank");
    }
}
