package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 18, "every input has a bound": the config file is at most 1 MiB and its JSON at most 1,000 levels deep. */
class ConfigFileBoundsTest {
    @TempDir
    Path tmp;

    @Test
    void aConfigFileOverOneMebibyte_isRefused() throws Exception {
        Path big = Files.writeString(tmp.resolve("big.json"), "{\"outputDir\": \"/run/x\"}" + " ".repeat(1 << 20));

        assertThatThrownBy(() -> SettingsLoader.load(List.of("--config", big.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot be read: it is larger than 1048576 bytes");
    }

    @Test
    void aConfigFileNestedTooDeep_isRefused_withoutOverflowingTheStack() throws Exception {
        Path deep = Files.writeString(tmp.resolve("deep.json"),
                "{\"secrets\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}");

        assertThatThrownBy(() -> SettingsLoader.load(List.of("--config", deep.toString()), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config file " + deep);
    }
}
