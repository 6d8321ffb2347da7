package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds and runs the real programs the delivery tests check against (shells, node, npm, setpriv). A missing tool
 * fails the test with what to install: these tests must never pass by skipping. {@code .ci/run} installs them.
 */
final class ExternalTools {
    private ExternalTools() {
    }

    /** The absolute path of {@code tool} on PATH, or a test failure naming the package to install. */
    static String require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail("'" + tool + "' is not installed but this test needs it: apt-get install " + debianPackage
                + " (.ci/run installs it)");
    }

    /** The result of a finished child process. */
    record Result(int exitCode, String output) { }

    /** Runs {@code command} in {@code workDir} (stderr merged into the output) and waits at most two minutes. */
    static Result run(Path workDir, List<String> command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(workDir, "proc", ".log");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code command} and fails the test unless it exits 0. */
    static String runOk(Path workDir, List<String> command) throws IOException, InterruptedException {
        Result r = run(workDir, command);
        assertThat(r.exitCode()).as("exit code of %s; output:%n%s", command, r.output()).isZero();
        return r.output();
    }

    /**
     * Installs the npm package {@code spec} (e.g. {@code dotenv@16.6.1}) under {@code target/npm/<dirName>} once,
     * and returns that prefix directory.
     */
    static Path npmInstall(String spec, String dirName) throws IOException, InterruptedException {
        require("node", "nodejs");
        String npm = require("npm", "npm");
        Path prefix = Path.of("target", "npm", dirName).toAbsolutePath();
        String name = spec.substring(0, spec.lastIndexOf('@'));
        String version = spec.substring(spec.lastIndexOf('@') + 1);
        Path pkg = prefix.resolve("node_modules").resolve(name).resolve("package.json");
        if (!Files.exists(pkg) || !Files.readString(pkg).contains("\"version\": \"" + version + "\"")) {
            Files.createDirectories(prefix);
            runOk(prefix, List.of(npm, "install", "--prefix", prefix.toString(), "--no-audit", "--no-fund",
                    "--no-save", spec));
        }
        return prefix;
    }
}
