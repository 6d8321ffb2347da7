package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.source.SecretValue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, items 3 and 6: a template has a bound on its source (1 MiB, a regular file: a FIFO with no writer used to
 * block in open for ever), on its parse time (linear: a 1 MiB template of placeholders rescanned the text before each
 * one for its line number, 41 s of CPU and more) and on what it renders ({@code SIDECAR_TEMPLATE_MAX_BYTES}: a 1 MiB
 * template of a 4,000-byte value ended in OutOfMemoryError, exit 70). Timing is compared as a ratio in one run.
 */
class TemplateBoundsTest {
    private static final String BIG = "b".repeat(4000);

    @TempDir
    Path tmp;

    /** {@code {{G}}} repeated to {@code bytes}, one placeholder per line every 16 of them. */
    static String placeholders(int bytes) {
        StringBuilder b = new StringBuilder(bytes);
        int n = 0;
        while (b.length() + 6 <= bytes) {
            b.append("{{G}}").append(++n % 16 == 0 ? '\n' : ' ');
        }
        return b.toString();
    }

    private static long parseNanos(String text) throws OutputException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Template.parse("t", text);
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best;
    }

    @Test
    void parse_isLinear_aMebibyteOfPlaceholdersTakesAboutEightTimesAnEighth() throws Exception {
        String small = placeholders(128 * 1024);
        String large = placeholders(1024 * 1024);
        parseNanos(small); // warm-up
        long tSmall = parseNanos(small);
        long tLarge = parseNanos(large);

        // Linear: 8x the input is 8x the time, up to about 27x measured with allocation and GC; quadratic (the old line
        // counting) measured 71x.
        double ratio = (double) tLarge / Math.max(1, tSmall);
        assertThat(ratio).as("parse time of 1 MiB over 128 KiB: %d ns / %d ns", tLarge, tSmall).isLessThan(45);
        assertThat(Template.parse("t", large).keys()).containsExactly("G");
    }

    @Test
    void parse_stillNamesTheRightLine_afterManyPlaceholders() {
        String text = placeholders(64 * 1024) + "\n\n{{ bad key }}";
        long lines = text.chars().filter(c -> c == '\n').count() + 1;

        assertThatThrownBy(() -> Template.parse("t", text))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("template t line " + lines + ": ");
    }

    @Test
    void render_overTheCap_failsBeforeBuildingIt_namingTheSettingNeverTheValue() throws Exception {
        Template t = Template.parse("app.tmpl", "{{BIG}}".repeat(1024 * 1024 / 7));

        assertThatThrownBy(() -> t.render(Map.of("BIG", SecretValue.of(BIG)), 4 * 1024 * 1024))
                .isInstanceOf(OutputConfigException.class)
                .hasMessage("template app.tmpl would render more than 4194304 bytes (reached at line 1, key BIG);"
                        + " raise SIDECAR_TEMPLATE_MAX_BYTES or make the template smaller")
                .message().doesNotContain(BIG.substring(0, 16));
    }

    @Test
    void render_exactlyAtTheCap_isWritten_oneByteMoreIsNot() throws Exception {
        Template t = Template.parse("t", "ab{{K}}é"); // é is 2 bytes in UTF-8
        Map<String, SecretValue> values = Map.of("K", SecretValue.of("✓")); // 3 bytes

        assertThat(t.render(values, 7)).isEqualTo("ab✓é".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> t.render(values, 6)).isInstanceOf(OutputConfigException.class);
    }

    @Test
    void render_readsEachJsonFieldOnce_soManyFieldPlaceholdersOfALargeValueStayCheap() throws Exception {
        String json = "{\"a\":\"x\",\"pad\":\"" + "p".repeat(60_000) + "\"}";
        Template t = Template.parse("t", "{{J#a}}".repeat(100_000));

        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            byte[] out = t.render(Map.of("J", SecretValue.of(json)), 4 * 1024 * 1024);
            assertThat(out).hasSize(100_000);
        });
    }

    @Test
    void load_aFifoWithNoWriter_isRefusedBeforeOpeningIt() throws Exception {
        Path fifo = tmp.resolve("t.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();

        // Before the fix the open blocked for ever: the deadline only turns that hang into a failure.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThatThrownBy(() -> Template.load(fifo))
                .isInstanceOf(OutputConfigException.class)
                .hasMessage("template " + fifo + " is not a regular file (a FIFO, device or directory); mount the"
                        + " template file into the sidecar and check SIDECAR_TEMPLATES"));
    }

    @Test
    void write_overTheCap_whileRunning_failsThatWrite_andKeepsThePreviousFiles() throws Exception {
        Path source = Files.writeString(tmp.resolve("app.tmpl"), "v={{BIG}}\n".repeat(100));
        Path dir = tmp.resolve("out");
        OutputOptions options = OutputOptions.of(dir).withTemplate(source, "app.conf", 0440).withTemplateMaxBytes(4096);
        try (OutputDirectory out = OutputDirectory.open(options, Metrics.noop())) {
            out.write(Snapshots.of(1, Map.of("BIG", "small")));
            byte[] before = Files.readAllBytes(dir.resolve("app.conf"));

            assertThatThrownBy(() -> out.write(Snapshots.of(2, Map.of("BIG", BIG))))
                    .isInstanceOf(OutputConfigException.class)
                    .hasMessageContaining("would render more than 4096 bytes");

            assertThat(Files.readAllBytes(dir.resolve("app.conf"))).isEqualTo(before);
            assertThat(Files.readString(dir.resolve("BIG"))).isEqualTo("small");
        }
    }
}
