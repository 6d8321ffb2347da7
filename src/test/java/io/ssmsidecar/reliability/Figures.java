package io.ssmsidecar.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures a run measured, for RELIABILITY.md: one file per scenario under {@code target/reliability/}
 * ({@code name: value} lines, the latest value of each name), rewritten by each run and echoed to the test output.
 */
final class Figures {
    static final Path DIR = Path.of("target", "reliability");
    private static final Map<String, Map<String, String>> byScenario = new LinkedHashMap<>();

    private Figures() {
    }

    static synchronized void record(String scenario, String name, Object value) {
        Map<String, String> figures = byScenario.computeIfAbsent(scenario, s -> new LinkedHashMap<>());
        figures.put(name, String.valueOf(value));
        StringBuilder b = new StringBuilder();
        figures.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve(scenario + ".txt"), b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[figure] " + scenario + " | " + name + ": " + value);
    }

    /** Whether the long variants run ({@code -Dreliability.long=true} or {@code RELIABILITY_LONG=true}). */
    static boolean longRun() {
        return Boolean.getBoolean("reliability.long") || "true".equals(System.getenv("RELIABILITY_LONG"));
    }
}
