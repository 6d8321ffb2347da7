package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code SIDECAR_SDK_ENDPOINT}: off by default, the three modes from env, flag and config file, bad values named. */
class SdkEndpointSettingTest {

    @Test
    void theEndpoint_isOffUnlessAsked() throws ConfigException {
        assertThat(SettingsLoader.load(List.of(), Map.of()).http().sdkEndpoint()).isEqualTo(Settings.SdkEndpoint.OFF);
    }

    @Test
    void everyMode_isAccepted_hyphenated_fromEnvAndFlag() throws ConfigException {
        assertThat(SettingsLoader.load(List.of(), Map.of("SIDECAR_SDK_ENDPOINT", "verify")).http().sdkEndpoint())
                .isEqualTo(Settings.SdkEndpoint.VERIFY);
        assertThat(SettingsLoader.load(List.of(), Map.of("SIDECAR_SDK_ENDPOINT", "trust-loopback")).http().sdkEndpoint())
                .isEqualTo(Settings.SdkEndpoint.TRUST_LOOPBACK);
        assertThat(SettingsLoader.load(List.of("--sdk-endpoint", "off"), Map.of()).http().sdkEndpoint())
                .isEqualTo(Settings.SdkEndpoint.OFF);
    }

    @Test
    void aBadMode_isRefused_namingTheValueAndTheChoices() {
        assertThatThrownBy(() -> SettingsLoader.load(List.of(), Map.of("SIDECAR_SDK_ENDPOINT", "on")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                        "SIDECAR_SDK_ENDPOINT must be one of off, verify, trust-loopback, got on"));
    }
}
