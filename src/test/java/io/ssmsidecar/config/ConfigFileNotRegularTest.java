package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 6, for the other files settings point at: a config file or token file that is a FIFO with no writer
 * (or a device) is refused before it is opened, instead of blocking start-up in {@code open} for ever.
 */
class ConfigFileNotRegularTest {
    @TempDir
    Path tmp;

    @Test
    void aFifoAsConfigOrTokenFile_isRefused_withoutBlocking() throws Exception {
        Path fifo = tmp.resolve("config.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();

        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertThatThrownBy(() -> SettingsLoader.load(List.of("--config", fifo.toString()), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("config file " + fifo)
                    .hasMessageContaining("cannot be read: it is not a regular file (a FIFO or a device)");
            assertThatThrownBy(() -> SettingsLoader.load(List.of("--token-file", fifo.toString()), Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("cannot be read: it is not a regular file (a FIFO or a device)");
        });
    }

    @Test
    void devZeroAsConfigFile_isRefused() {
        assertThatThrownBy(() -> SettingsLoader.load(List.of("--config", "/dev/zero"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot be read: it is not a regular file (a FIFO or a device)");
    }
}
