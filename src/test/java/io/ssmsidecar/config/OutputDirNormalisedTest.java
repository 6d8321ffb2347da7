package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 18, item 4: the output directory is judged after normalisation. {@code /.}, {@code /./.}, {@code //.} and
 * {@code /.//} are the root directory, which {@code init} used to write {@code ..data}, the lock and the secrets into;
 * they and the system directories are refused with exit 2 and a message naming the value, before anything is read.
 */
class OutputDirNormalisedTest {

    private static int init(String dir, ByteArrayOutputStream err) {
        return Main.run(new String[] {"init"}, Map.of("DB", "ssm:///norm/db", "SIDECAR_OUTPUT_DIR", dir),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/", "/.", "/./.", "//.", "/.//", "//", "/./"})
    void theRootDirectory_inAnySpelling_exits2_namingTheValue(String dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(init(dir, err)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("SIDECAR_OUTPUT_DIR must be a directory other than the root, got " + dir);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/etc", "/etc/.", "/usr/", "//var", "/tmp/./", "/proc/self", "/sys/kernel", "/run"})
    void aSystemDirectory_exits2_namingTheValue(String dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(init(dir, err)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("SIDECAR_OUTPUT_DIR must be a directory of its own, not a system directory")
                .contains("got " + dir);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/./", "/.//", "//./"})
    void aDirectoryBelow_spelledWithDots_isTheNormalisedDirectory(String suffix, @TempDir Path tmp)
            throws ConfigException {
        Settings s = SettingsLoader.load(java.util.List.of(), Map.of("DB", "ssm:///norm/db",
                "SIDECAR_OUTPUT_DIR", tmp + suffix + "out/."));

        assertThat(s.output().dir()).isEqualTo(tmp.resolve("out"));
    }
}
