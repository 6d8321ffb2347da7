package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.metrics.Metrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 9: the lock file is only ever a regular file with one link that this process created or found, and
 * it is held by identity. A hard link planted at {@code .lock} was truncated and got a pid written into it; after
 * {@code mv out/.lock elsewhere} the holder kept writing while a second sidecar could take the directory.
 */
class DirectoryLockHardeningTest {
    @TempDir
    Path tmp;

    private Path dir() throws Exception {
        return Files.createDirectories(tmp.resolve("out"));
    }

    @Test
    void aHardLinkAtTheLockPath_isRefused_andTheOtherFileIsUntouched() throws Exception {
        Path dir = dir();
        Path victim = Files.writeString(tmp.resolve("victim.conf"), "important=1\n");
        Files.createLink(dir.resolve(".lock"), victim);

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir), Metrics.noop()))
                .isInstanceOf(OutputException.class)
                .hasMessage("lock file " + dir.resolve(".lock") + " has 2 hard links, so it is also another file;"
                        + " remove it and start again");
        assertThat(Files.readString(victim)).isEqualTo("important=1\n");
    }

    @Test
    void aDirectoryOrSymbolicLinkAtTheLockPath_isRefused() throws Exception {
        Path dir = dir();
        Files.createDirectory(dir.resolve(".lock"));
        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir), Metrics.noop()))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("lock file " + dir.resolve(".lock") + " is not a regular file");

        Files.delete(dir.resolve(".lock"));
        Path target = Files.writeString(tmp.resolve("elsewhere"), "x");
        Files.createSymbolicLink(dir.resolve(".lock"), target);
        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir), Metrics.noop()))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("lock file " + dir.resolve(".lock") + " is not a regular file");
        assertThat(Files.readString(target)).isEqualTo("x");
    }

    @Test
    void aLockFileMovedAway_stopsTheHoldersWrites_namingWhy() throws Exception {
        Path dir = dir();
        try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir), Metrics.noop())) {
            out.write(Snapshots.of(1, Map.of("DB", "v1")));
            Files.move(dir.resolve(".lock"), tmp.resolve("moved.lock"));

            assertThatThrownBy(() -> out.write(Snapshots.of(2, Map.of("DB", "v2"))))
                    .isInstanceOf(OutputException.class)
                    .hasMessageStartingWith("lock file " + dir.resolve(".lock") + " is no longer the one this process"
                            + " holds");
            assertThatThrownBy(() -> out.writeFile(".token", "t".getBytes(StandardCharsets.US_ASCII), 0440))
                    .isInstanceOf(OutputException.class)
                    .hasMessageContaining("is no longer the one this process holds");
            assertThat(Files.readString(dir.resolve("DB"))).isEqualTo("v1");
            assertThat(dir.resolve(".token")).doesNotExist();
        }
    }

    @Test
    void aLockFileReplacedByAnother_stopsTheHoldersWrites() throws Exception {
        Path dir = dir();
        try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir), Metrics.noop())) {
            Files.delete(dir.resolve(".lock"));
            Files.writeString(dir.resolve(".lock"), "999999\n");

            assertThatThrownBy(() -> out.write(Snapshots.of(1, Map.of("DB", "v1"))))
                    .isInstanceOf(OutputException.class)
                    .hasMessageContaining("is no longer the one this process holds");
            assertThat(dir.resolve("DB")).doesNotExist();
        }
    }
}
