package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Java source file under {@code src/} declares something: an empty or half-deleted file compiles to nothing,
 * so no other check notices it, yet a reader finds a name that promises a helper and holds none.
 */
class SourceFilesTest {
    private static final List<Path> ROOTS = List.of(Path.of("src/main/java"), Path.of("src/test/java"));
    /** A top-level type declaration. */
    private static final Pattern DECLARES_A_TYPE = Pattern.compile(
            "(?m)^\\s*(?:(?:public|abstract|final|sealed|non-sealed|static|strictfp)\\s+)*"
                    + "(?:class|interface|enum|record|@interface)\\s+\\w+");

    @Test
    void everySourceFile_declaresAType() throws IOException {
        for (Path root : ROOTS) {
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> java = files.filter(p -> p.toString().endsWith(".java")).toList();
                assertThat(java).as("Java files under %s", root).isNotEmpty();
                for (Path file : java) {
                    String text = Files.readString(file, StandardCharsets.UTF_8);
                    assertThat(DECLARES_A_TYPE.matcher(text).find())
                            .as("%s declares a type (delete it if it has nothing to hold)", file).isTrue();
                }
            }
        }
    }
}
