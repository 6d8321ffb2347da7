package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ApiServerOptionsTest {

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

    @Test
    void localhost_whichTheSettingsAllow_isLoopback() {
        assertThat(new ApiServer.Options("localhost", 0, "t", 1, false).loopback()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "127.0.0.1:2773", ""})
    void anythingButAnIpLiteral_isNotTakenForLoopback_andIsNeverLookedUp(String address) {
        assertThatThrownBy(() -> new ApiServer.Options(address, 2773, "t", 800, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a loopback address");
    }

    @Test
    void aBlankToken_isRefused() {
        assertThatThrownBy(() -> new ApiServer.Options("127.0.0.1", 1, " ", 1, false))
                .hasMessage("the API token must not be blank");
    }
}
