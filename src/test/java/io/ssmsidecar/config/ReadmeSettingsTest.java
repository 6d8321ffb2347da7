package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
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

    private static String row(String section, Option o) {
        return section.lines().filter(l -> l.startsWith("| `" + o.env() + "` |")).findFirst()
                .orElseThrow(() -> new AssertionError("no docs/settings.md row for " + o.env()));
    }

    @Test
    void theTable_documentsEverySetting_withItsFlagAndConfigKey() throws IOException {
        String section = section();
        for (Option o : Option.values()) {
            String row = row(section, o);
            if (o.flag() != null) {
                assertThat(row).contains("`" + o.flag() + (o.valueName == null ? "`" : " " + o.valueName + "`"));
            }
            if (o.configKey != null) {
                assertThat(row).contains("`" + o.configKey + "`");
            }
            assertThat(row.split(" \\| ")).as(o.env() + " has six cells").hasSize(6);
        }
    }

    /** The row's Default and Allowed cells say what {@link Option} declares, which help prints and the loader uses. */
    @Test
    void theDefaultAndAllowedColumns_areWhatOptionDeclares() throws IOException {
        String section = section();
        for (Option o : Option.values()) {
            String row = row(section, o);
            String[] cells = row.substring(2, row.length() - 2).split(" \\| ");
            assertThat(cells[4].replace("`", "")).as(o.env() + " default").isEqualTo(o.defaultText);
            assertThat(cells[5].replace("`", "")).as(o.env() + " allowed").isEqualTo(o.allowed);
        }
    }

    @Test
    void everyRowOfTheTable_isASetting() throws IOException {
        List<String> documented = section().lines().filter(l -> l.startsWith("| `SIDECAR_"))
                .map(l -> l.substring(3, l.indexOf('`', 3))).toList();

        assertThat(documented).containsExactly(List.of(Option.values()).stream().map(Option::env)
                .toArray(String[]::new));
    }

    /**
     * Other pages mention a default in passing ({@code `SIDECAR_REFRESH_INTERVAL` (default `5m`, allowed
     * `10s`..`24h`)}): each such mention says what {@link Option} declares.
     */
    @Test
    void defaultsMentionedOnOtherPages_areWhatOptionDeclares() throws IOException {
        Pattern mention = Pattern.compile("`SIDECAR_([A-Z_]+)`(?:(?!SIDECAR_)[^.]){0,100}?[(,] ?default:? `?([^`),;\\s]+)`?"
                + "(?:, (?:allowed )?`([^`]+)`\\.\\.`([^`]+)`)?");
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md"), Path.of("SECURITY.md"),
                Path.of("RELIABILITY.md")));
        try (Stream<Path> files = Files.list(Docs.DIR)) {
            files.filter(f -> f.toString().endsWith(".md") && !f.endsWith("settings.md")).forEach(pages::add);
        }
        int checked = 0;
        for (Path page : pages) {
            Matcher m = mention.matcher(Docs.readFile(page).replaceAll("\\s+", " "));
            while (m.find()) {
                Option o = Option.valueOf(m.group(1));
                String where = page + ": " + m.group();
                // The value, without the table's explanation ("HUP when a process to signal is set").
                assertThat(m.group(2)).as(where).isEqualTo(o.defaultText.split("[ :]")[0]);
                if (m.group(3) != null) {
                    assertThat(bound(o, m.group(3))).as(where).isEqualTo(o.range.min());
                    assertThat(bound(o, m.group(4))).as(where).isEqualTo(o.range.max());
                }
                checked++;
            }
        }
        assertThat(checked).as("mentions found").isGreaterThanOrEqualTo(8);
    }

    private static long bound(Option o, String text) {
        return o.range.isDuration() ? Durations.parse(text).orElseThrow().toMillis() : Long.parseLong(text);
    }

    @Test
    void theExampleConfigFile_loads(@TempDir Path dir) throws Exception {
        Path template = Files.writeString(dir.resolve("app.conf.tmpl"), "x");
        String json = block(section(), "```json").replace("/etc/app/app.conf.tmpl", template.toString());
        Path config = Files.writeString(dir.resolve("c.json"), json);

        Settings s = SettingsLoader.load(List.of("--config", config.toString()), Map.of());

        assertThat(s.refresh().interval()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.references()).hasSize(3);
        assertThat(s.output().bundles()).hasSize(2);
        assertThat(s.output().templates()).hasSize(1);
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
