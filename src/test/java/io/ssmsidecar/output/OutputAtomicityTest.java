package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.testing.SetReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader that keeps opening every file while the set is rewritten 300 times never sees a missing or torn file,
 * never goes back in time, and, whenever {@code ..data} did not move during its pass, sees one generation everywhere.
 */
class OutputAtomicityTest {
    private static final int UPDATES = 300;
    private static final List<String> KEYS = List.of("K0", "K1", "K2", "K3", "K4", "K5", "K6", "K7");
    private static final Pattern VALUE = Pattern.compile("gen=(\\d+);(x*);end");

    @TempDir
    Path dir;

    /** Every value of generation {@code g} carries g; lengths change so a torn read would show. */
    private static Map<String, String> set(int g) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < KEYS.size(); i++) {
            m.put(KEYS.get(i), "gen=" + g + ";" + "x".repeat(((g * 7 + i * 13) % 20) * 512) + ";end");
        }
        return m;
    }

    @Test
    void concurrentReader_neverSeesAMixOfGenerations_orAMissingOrTornFile() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir).withBundle("json", "all.json", 0440),
                Metrics.noop());
        out.write(Snapshots.of(0, set(0)));
        try (SetReader reader = SetReader.start(dir, KEYS, "all.json", VALUE)) {
            for (int g = 1; g <= UPDATES; g++) {
                out.write(Snapshots.of(g, set(g)));
            }
            reader.stop();

            assertThat(reader.problems()).isEmpty();
            assertThat(reader.stablePasses()).as("passes with a steady ..data (of %d)", reader.passes()).isPositive();
        }
        for (Map.Entry<String, String> e : set(UPDATES).entrySet()) {
            assertThat(Files.readString(dir.resolve(e.getKey()))).isEqualTo(e.getValue());
        }
        try (var entries = Files.list(dir)) {
            assertThat(entries.filter(p -> AtomicSetWriter.VERSION_DIR.matcher(p.getFileName().toString()).matches()))
                    .as("only the live version is kept").hasSize(1);
        }
    }
}
