package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The settings page (docs/settings.md) is checked against the loader, so the two cannot drift apart. */
class ReadmeSettingsTest {

    private static String section() throws IOException {
        return Docs.section("settings.md", "Settings");
    }

    private static String block(String section, String fence) {
        int start = section.indexOf(fence + "\n") + fence.length() + 1;
        return section.substring(start, section.indexOf("\n```", start));
    }

    @Test
    void theTable_documentsEverySetting_withItsFlagAndConfigKey() throws IOException {
        String section = section();
        for (Option o : Option.values()) {
            String row = section.lines().filter(l -> l.startsWith("| `" + o.env() + "` |")).findFirst()
                    .orElseThrow(() -> new AssertionError("no docs/settings.md row for " + o.env()));
            if (o.flag() != null) {
                assertThat(row).contains("`" + o.flag() + (o.valueName == null ? "`" : " " + o.valueName + "`"));
            }
            if (o.configKey != null) {
                assertThat(row).contains("`" + o.configKey + "`");
            }
            assertThat(row.split(" \\| ")).as(o.env() + " has six cells").hasSize(6);
        }
    }

    @Test
    void theExampleConfigFile_loads(@TempDir Path dir) throws Exception {
        Path template = Files.writeString(dir.resolve("app.conf.tmpl"), "x");
        String json = block(section(), "```json").replace("/etc/app/app.conf.tmpl", template.toString());
        Path config = Files.writeString(dir.resolve("c.json"), json);

        Settings s = SettingsLoader.load(List.of("--config", config.toString()), Map.of());

        assertThat(s.refreshInterval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.references()).hasSize(3);
        assertThat(s.bundles()).hasSize(2);
        assertThat(s.templates()).hasSize(1);
    }

    @Test
    void theExampleErrors_areWhatTheLoaderSays() throws Exception {
        String section = section();
        int start = section.indexOf("\n3 configuration problems:\n") + 1;
        String shown = section.substring(start, section.indexOf("\n```", start));
        try {
            SettingsLoader.load(List.of("--refresh-interval", "3s"),
                    Map.of("SIDECAR_REFRESH_INTERVALL", "10m", "SIDECAR_HTTP_ADDRESS", "0.0.0.0"));
            throw new AssertionError("expected a ConfigException");
        } catch (ConfigException e) {
            assertThat(shown).isEqualTo(e.getMessage());
        }
    }
}
