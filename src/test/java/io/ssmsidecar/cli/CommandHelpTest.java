package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each command's {@code --help} lists the settings that command reads, and no others. */
class CommandHelpTest {
    /** Read by run only: the HTTP API, refresh and on-change settings. */
    private static final List<String> RUN_ONLY = List.of("SIDECAR_HTTP_PORT", "SIDECAR_HTTP_ADDRESS",
            "SIDECAR_MAX_CONNECTIONS", "SIDECAR_ALLOWED_HOSTS", "SIDECAR_TOKEN", "SIDECAR_REFRESH_INTERVAL",
            "SIDECAR_ON_CHANGE_URL", "SIDECAR_ON_CHANGE_COMMAND", "SIDECAR_NOTIFY_WINDOW", "SIDECAR_CACHE_SIZE");
    private static final List<String> FILES = List.of("SIDECAR_OUTPUT_DIR", "SIDECAR_FILE_MODE", "SIDECAR_TEMPLATES",
            "SIDECAR_BUNDLES");
    private static final List<String> EVERYONE = List.of("SIDECAR_CONFIG_FILE", "SIDECAR_STARTUP_TIMEOUT",
            "SIDECAR_LOG_FORMAT", "SIDECAR_LOG_LEVEL");

    private static String help(String command) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {command, "--help"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void init_listsTheFileSettings_notTheHttpOrOnChangeOnes() {
        String help = help("init");
        assertThat(help).contains(EVERYONE).contains(FILES).contains("those init reads");
        for (String s : RUN_ONLY) {
            assertThat(help).doesNotContain(s);
        }
    }

    @Test
    void get_listsOnlyWhatOneLookupReads() {
        String help = help("get");
        assertThat(help).contains(EVERYONE);
        for (String s : RUN_ONLY) {
            assertThat(help).doesNotContain(s);
        }
        for (String s : FILES) {
            assertThat(help).doesNotContain(s);
        }
    }

    @Test
    void run_listsEverything() {
        assertThat(help("run")).contains(EVERYONE).contains(FILES).contains(RUN_ONLY);
        // init reads the AWS settings (roles, regions, endpoints) as run does, so its list is not tiny either.
        assertThat(help("init").lines().count()).isLessThan(help("run").lines().count() * 2 / 3);
    }
}
