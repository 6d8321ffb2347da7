package io.ssmsidecar.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Prometheus's {@code promtool} (Debian's {@code prometheus} package, or the one named by {@code PROMTOOL}) on
 * the alerting rules and their unit tests. When it is missing the tests fail, saying how to install it.
 */
final class Promtool {

    record Result(int exitCode, String output) {
    }

    private Promtool() {
    }

    static Path executable() {
        String configured = System.getenv("PROMTOOL");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "promtool"))) {
                return Path.of(dir, "promtool");
            }
        }
        throw new AssertionError("promtool is needed to check examples/prometheus/alerts.yml and run its unit tests: "
                + "apt-get install prometheus (Debian's package ships it; .ci/run installs it), or set PROMTOOL");
    }

    /** {@code promtool <args>} in {@code dir}; its exit code and output. */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(executable().toString()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("promtool", ".out");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("promtool " + String.join(" ", args) + " did not finish within 120 s");
            }
            return new Result(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
