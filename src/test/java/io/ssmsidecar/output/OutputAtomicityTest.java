package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
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

    private static int generationOf(String what, String content, List<String> problems) {
        Matcher m = VALUE.matcher(content);
        if (!m.matches()) {
            problems.add(what + ": torn or foreign content of " + content.length() + " chars");
            return -1;
        }
        return Integer.parseInt(m.group(1));
    }

    @Test
    void concurrentReader_neverSeesAMixOfGenerations_orAMissingOrTornFile() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir).withBundle("json", "all.json", 0440),
                Metrics.noop());
        out.write(Snapshots.of(0, set(0)));
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean done = new AtomicBoolean();
        AtomicInteger passes = new AtomicInteger();
        AtomicInteger stablePasses = new AtomicInteger();
        CountDownLatch firstPass = new CountDownLatch(1);
        ObjectMapper json = new ObjectMapper();

        Thread reader = new Thread(() -> {
            Map<String, Integer> lastSeen = new HashMap<>();
            Path data = dir.resolve("..data");
            while (!done.get() && problems.size() < 20) {
                try {
                    Path before = Files.readSymbolicLink(data);
                    Map<String, Integer> seen = new LinkedHashMap<>();
                    for (String key : KEYS) {
                        seen.put(key, generationOf(key, Files.readString(dir.resolve(key), StandardCharsets.UTF_8),
                                problems));
                    }
                    JsonNode bundle = json.readTree(dir.resolve("all.json").toFile());
                    int bundleGen = -1;
                    for (String key : KEYS) {
                        int g = generationOf("all.json:" + key, bundle.get(key).textValue(), problems);
                        if (bundleGen >= 0 && g != bundleGen) {
                            problems.add("all.json mixes generations " + bundleGen + " and " + g);
                        }
                        bundleGen = g;
                    }
                    seen.put("all.json", bundleGen);
                    Path after = Files.readSymbolicLink(data);
                    if (before.equals(after)) {
                        stablePasses.incrementAndGet();
                        if (seen.values().stream().distinct().count() != 1) {
                            problems.add("..data stayed " + before + " but the reader saw " + seen);
                        }
                    }
                    for (Map.Entry<String, Integer> e : seen.entrySet()) {
                        Integer last = lastSeen.put(e.getKey(), e.getValue());
                        if (last != null && e.getValue() < last) {
                            problems.add(e.getKey() + " went back from generation " + last + " to " + e.getValue());
                        }
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
                passes.incrementAndGet();
                firstPass.countDown();
            }
        }, "reader");
        reader.start();
        assertThat(firstPass.await(30, TimeUnit.SECONDS)).isTrue();

        for (int g = 1; g <= UPDATES; g++) {
            out.write(Snapshots.of(g, set(g)));
        }
        done.set(true);
        reader.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(problems).isEmpty();
        assertThat(stablePasses.get()).as("passes with a steady ..data (of %d)", passes.get()).isPositive();
        for (Map.Entry<String, String> e : set(UPDATES).entrySet()) {
            assertThat(Files.readString(dir.resolve(e.getKey()))).isEqualTo(e.getValue());
        }
        try (var entries = Files.list(dir)) {
            assertThat(entries.filter(p -> OutputDirectory.VERSION_DIR.matcher(p.getFileName().toString()).matches()))
                    .as("only the live version is kept").hasSize(1);
        }
    }
}
