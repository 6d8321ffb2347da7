package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README fits on a few screens and opens with what a newcomer needs; no link of the docs leads nowhere. */
class DocsTest {
    private static final Path README = Path.of("README.md");
    private static final int README_MAX_LINES = 250;
    /** The set-up commands, byte for byte: CI ({@code .ci/run}) and the first screen promise exactly these. */
    private static final String COMMANDS = """
            ```sh
            mvn -B -q package -DskipTests && java -jar target/ssm-sidecar.jar demo
            mvn -B verify
            ```
            """;

    @Test
    void readme_fitsItsBudget() {
        assertThat(Docs.readFile(README).lines().count()).as("README.md lines").isLessThanOrEqualTo(README_MAX_LINES);
    }

    @Test
    void readme_opensWithOneSentence_thenTheTwoCommands() {
        String readme = Docs.readFile(README);
        assertThat(readme).startsWith("# ssm-sidecar\n\n");
        String rest = readme.substring("# ssm-sidecar\n\n".length());
        int blank = rest.indexOf("\n\n");
        String first = rest.substring(0, blank).replace('\n', ' ');
        assertThat(first).as("the opening paragraph").doesNotStartWith("```").doesNotStartWith("#")
                .endsWith(".").contains("ssm-sidecar", "SSM Parameter Store");
        assertThat(first.substring(0, first.length() - 1)).as("one sentence").doesNotContain(". ", "? ", "! ");
        assertThat(rest.substring(blank + 2)).startsWith(COMMANDS);
    }

    @Test
    void everyTopic_hasItsFile_andTheReadmeMapsIt() {
        String readme = Docs.readFile(README);
        for (String topic : List.of("reference-syntax.md", "settings.md", "commands.md", "http-api.md",
                "sdk-endpoint.md", "rotation.md", "delivery-forms.md", "exec.md", "deployment.md",
                "troubleshooting.md", "local-ssm.md", "architecture.md")) {
            assertThat(Docs.DIR.resolve(topic)).exists();
            assertThat(readme).as("README's map of docs/").contains("](docs/" + topic + ")");
        }
        assertThat(readme).contains("](bench/RESULTS.md)", "](SECURITY.md)", "](RELIABILITY.md)");
    }

    @Test
    void theArchitecture_drawsThePathOfASecret() {
        String architecture = Docs.read("architecture.md");
        assertThat(architecture).contains("```mermaid\nflowchart");
        assertThat(Docs.headings(architecture)).contains("The packages", "The path of a secret", "The threads",
                "Where to add things");
        for (String pkg : packages()) {
            assertThat(architecture).as("architecture.md names package " + pkg).contains("| `" + pkg + "` |");
        }
    }

    @Test
    void everyRelativeLink_pointsAtAFileAndHeadingThatExist() throws IOException {
        List<Path> files = new ArrayList<>(List.of(README, Path.of("SECURITY.md"), Path.of("RELIABILITY.md"),
                Path.of("bench/RESULTS.md")));
        try (Stream<Path> docs = Files.list(Docs.DIR)) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : files) {
            String text = Docs.readFile(file);
            for (String link : Docs.links(text)) {
                if (link.matches("^[a-z]+:.*")) {
                    continue;
                }
                checked++;
                int hash = link.indexOf('#');
                String target = hash < 0 ? link : link.substring(0, hash);
                Path resolved = target.isEmpty() ? file : file.resolveSibling(target).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(file + ": " + link + " (no file " + resolved + ")");
                } else if (hash >= 0 && !Docs.anchors(Docs.readFile(resolved)).contains(link.substring(hash + 1))) {
                    broken.add(file + ": " + link + " (no such heading in " + resolved + ")");
                }
            }
        }
        assertThat(broken).isEmpty();
        assertThat(checked).as("relative links checked").isGreaterThan(50);
    }

    @Test
    void slugs_areGitHubs() {
        assertThat(Docs.slug("exec (ssm-env compatible)")).isEqualTo("exec-ssm-env-compatible");
        assertThat(Docs.slug("The files and the `..data` swap")).isEqualTo("the-files-and-the-data-swap");
        assertThat(Docs.slug("IAM: the least privilege (`ssm-sidecar policy`)"))
                .isEqualTo("iam-the-least-privilege-ssm-sidecar-policy");
        assertThat(Docs.anchors("# A\n```sh\n# not a heading\n```\n## A\n")).containsExactly("a", "a-1");
    }

    /** The packages under {@code io.ssmsidecar}, as architecture.md must list them. */
    private static List<String> packages() {
        try (Stream<Path> dirs = Files.list(Path.of("src/main/java/io/ssmsidecar"))) {
            return dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
