package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.source.SecretValue;
import org.junit.jupiter.api.Test;

/** The leak search would find a leak: a planted value is found, its masked form and unrelated text are not. */
class LeakWatchTest {
    @Test
    void findsAPlantedValue_butNotItsMaskedFormOrCleanText() {
        String value = LeakWatch.secret("DB_PASSWORD");

        assertThat(LeakWatch.leak("log", "INFO x: key=DB_PASSWORD value=" + value)).get().asString()
                .contains("log").contains(value);
        assertThat(LeakWatch.leak("log", "key=DB_PASSWORD value=" + SecretValue.of(value))).isEmpty();
        assertThat(LeakWatch.leak("metrics", "ssm_sidecar_secrets_loaded 1.0")).isEmpty();
        assertThat(LeakWatch.CANARY).matches("LEAKCANARY-[0-9a-f]{12}");
    }

    @Test
    void findsABinaryValue_raw_inBase64_andInHex_butNotItsMaskedForm() {
        byte[] value = LeakWatch.binarySecret("CERT");

        assertThat(LeakWatch.leak("file", new String(value, java.nio.charset.StandardCharsets.ISO_8859_1))).isPresent();
        assertThat(LeakWatch.leak("log", "SecretBinary=" + java.util.Base64.getEncoder().encodeToString(value)))
                .get().asString().contains("log");
        assertThat(LeakWatch.leak("log", "bytes " + java.util.HexFormat.of().formatHex(value))).isPresent();
        assertThat(LeakWatch.leak("log", "value=" + SecretValue.ofBinary(value))).isEmpty();
    }
}
