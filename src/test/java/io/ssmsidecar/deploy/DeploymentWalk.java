package io.ssmsidecar.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs one deployment path of docs/deployment.md as a user would: the fenced {@code sh} block after a
 * {@code <!-- walk: NAME -->} marker, in a copy of the repository's deployment files, with bash and Debian's AWS CLI v2
 * ({@code /usr/bin/aws}, or {@code AWS_CLI}) pointed at moto. Commands that cannot run here are recorded instead of
 * run: {@code docker} and {@code kubectl} (no engine, no cluster), and the {@code aws} operations moto does not
 * implement ({@link #NOT_IN_MOTO}); the caller checks that list, so a new command of that kind is noticed.
 */
final class DeploymentWalk {

    /** {@code aws} operations moto 5.2.1 answers with 404; recorded, never run. */
    static final List<String> NOT_IN_MOTO = List.of("eks create-addon", "eks create-pod-identity-association");

    private static final Pattern MARKER = Pattern.compile(
            "(?m)^<!-- walk: ([a-z0-9-]+) -->\\n```sh\\n(.*?)^```$", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a walk did: bash's exit code, its trace and output, and the commands recorded instead of run. */
    record Result(int exitCode, String output, List<String> recorded) {
    }

    private final URI endpoint;
    private final Path work;
    private final Path home;

    /** A walk against moto at {@code endpoint}, run in a copy of the deployment files under {@code scratch}. */
    DeploymentWalk(URI endpoint, Path scratch) throws IOException {
        this.endpoint = endpoint;
        this.work = Files.createDirectories(scratch.resolve("clone"));
        this.home = Files.createDirectories(scratch.resolve("home"));
        Files.copy(Path.of("ecs-task-sidecar.json"), work.resolve("ecs-task-sidecar.json"));
        try (Stream<Path> files = Files.walk(Path.of("examples"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.createDirectories(work.resolve(file).getParent());
                Files.copy(file, work.resolve(file));
            }
        }
    }

    /** The block after {@code <!-- walk: name -->} in docs/deployment.md. */
    static String block(String name) {
        Matcher m = MARKER.matcher(Docs.read("deployment.md"));
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
            if (m.group(1).equals(name)) {
                return m.group(2);
            }
        }
        throw new AssertionError("docs/deployment.md has no '<!-- walk: " + name + " -->' before a ```sh block; "
                + "it has " + found);
    }

    /** The folder the walk runs in (the copied files, as the walk left them). */
    Path work() {
        return work;
    }

    /**
     * Runs the block {@code name} with each placeholder the page marks replaced by a value that exists in moto; a
     * placeholder the block no longer contains fails the walk, since the user would not be told to replace it.
     */
    Result run(String name, Map<String, String> placeholders) throws IOException, InterruptedException {
        String script = block(name);
        for (Map.Entry<String, String> p : placeholders.entrySet()) {
            if (!script.contains(p.getKey())) {
                throw new AssertionError("the walk '" + name + "' no longer contains the placeholder " + p.getKey());
            }
            script = script.replace(p.getKey(), p.getValue());
        }
        Path recorded = work.resolve(".walk-recorded");
        Files.deleteIfExists(recorded);
        Files.createFile(recorded);
        String prelude = """
                set -euo pipefail
                PS4='+ walk: '
                aws() {
                  case "$1 $2" in
                    %s) echo "aws $1 $2" >> "$WALK_RECORDED"; return 0 ;;
                  esac
                  "$WALK_AWS" --endpoint-url "$WALK_ENDPOINT" "$@"
                }
                docker() { cat > /dev/null; echo "docker $*" >> "$WALK_RECORDED"; }
                kubectl() { echo "kubectl $*" >> "$WALK_RECORDED"; }
                set -x
                """.formatted(String.join("|", NOT_IN_MOTO.stream().map(op -> "\"" + op + "\"").toList()));
        Path output = work.resolve(".walk-output");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", prelude + script)
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(cliEnv());
        env.put("WALK_AWS", AwsCliValidation.cli().toString());
        env.put("WALK_ENDPOINT", endpoint.toString());
        env.put("WALK_RECORDED", recorded.toString());
        Process process = builder.start();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the walk '" + name + "' did not finish within 300 s: " + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output), Files.readAllLines(recorded));
    }

    /** One AWS CLI call against moto, for checking what a walk left; its JSON answer. */
    JsonNode aws(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(AwsCliValidation.cli().toString(),
                "--endpoint-url", endpoint.toString(), "--output", "json"));
        command.addAll(List.of(args));
        Path output = Files.createTempFile(home, "aws", ".out");
        Path errors = Files.createTempFile(home, "aws", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectOutput(output.toFile()).redirectError(errors.toFile());
        builder.environment().clear();
        builder.environment().putAll(cliEnv());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("aws " + String.join(" ", args) + " did not finish within 120 s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("aws " + String.join(" ", args) + " exited " + process.exitValue() + ": "
                    + Files.readString(errors));
        }
        String text = Files.readString(output);
        return text.isBlank() ? JSON.nullNode() : JSON.readTree(text);
    }

    private Map<String, String> cliEnv() {
        return Map.of("PATH", "/usr/bin:/bin", "HOME", home.toString(),
                "AWS_ACCESS_KEY_ID", "AKIDWALK", "AWS_SECRET_ACCESS_KEY", "walk-secret",
                "AWS_REGION", "us-east-1", "AWS_DEFAULT_REGION", "us-east-1",
                "AWS_EC2_METADATA_DISABLED", "true", "AWS_CONFIG_FILE", "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE", "/dev/null", "AWS_PAGER", "");
    }
}
