package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.testing.RecordingMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A volume that fills up or turns read-only never tears or loses the files the app reads, and is reported. */
class OutputFailureTest {
    @TempDir
    Path tmp;

    private Tmpfs volume;
    private final List<Path> ballast = new ArrayList<>();
    private final RecordingMetrics metrics = new RecordingMetrics();

    private Path mount(String options) throws Exception {
        volume = Tmpfs.mount(tmp.resolve("vol"), options);
        return volume.path();
    }

    @AfterEach
    void unmount() throws Exception {
        if (volume != null) {
            volume.unmount();
        }
    }

    private static Map<String, String> set(int generation) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : List.of("A", "B", "C", "D", "E")) {
            m.put(k, k + "-generation-" + generation);
        }
        return m;
    }

    private static Set<String> entries(Path dir) throws IOException {
        // The lock file of a directory's owner is there from open on; the tests look at what the writer made.
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(DirectoryLock.NAME))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void assertFilesHold(Path dir, Map<String, String> expected) throws IOException {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(Files.readString(dir.resolve(e.getKey()), StandardCharsets.UTF_8)).as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    /** Takes inodes until the volume has none left, then gives back {@code free} of them. */
    private void exhaustInodesLeaving(Path dir, int free) throws IOException {
        try {
            for (int i = 0; i < 100_000; i++) {
                ballast.add(Files.createFile(dir.resolve("ballast-" + i)));
            }
        } catch (IOException expected) {
            assertThat(expected.getMessage()).contains("No space left on device");
        }
        for (int i = 0; i < free; i++) {
            Files.delete(ballast.remove(ballast.size() - 1));
        }
    }

    private void removeBallast() throws IOException {
        for (Path p : ballast) {
            Files.delete(p);
        }
        ballast.clear();
    }

    @Test
    void volumeFullInTheMiddleOfASet_keepsTheOldSet_removesThePartialOne_countsAFailure_andRecovers() throws Exception {
        Path dir = mount("size=1m,nr_inodes=64");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir), metrics);
        out.write(Snapshots.of(1, set(1)));
        String live = Files.readSymbolicLink(dir.resolve("..data")).toString();
        // Room for the new version directory and two files, not for the third.
        exhaustInodesLeaving(dir, 3);
        Set<String> before = entries(dir);

        assertThatThrownBy(() -> out.write(Snapshots.of(2, set(2))))
                .isInstanceOf(OutputException.class)
                .hasMessage("cannot write C in " + dir + ": No space left on device; the files in use are unchanged;"
                        + " free space on the volume or give it more (for a tmpfs/emptyDir, raise its size or"
                        + " memory limit)");

        assertThat(entries(dir)).as("the partial version is removed").isEqualTo(before);
        assertThat(Files.readSymbolicLink(dir.resolve("..data")).toString()).isEqualTo(live);
        assertFilesHold(dir, set(1));
        assertThat(metrics.writesFailed).hasValue(1);

        removeBallast();
        out.write(Snapshots.of(3, set(3)));
        assertFilesHold(dir, set(3));
        assertThat(metrics.writesOk).hasValue(2);
    }

    @Test
    void setLargerThanTheFreeSpace_isRefusedBeforeWriting_withSizes() throws Exception {
        Path dir = mount("size=256k");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir), metrics);
        out.write(Snapshots.of(1, Map.of("A", "small")));
        Set<String> before = entries(dir);

        assertThatThrownBy(() -> out.write(Snapshots.of(2, Map.of("A", "small", "BIG", "x".repeat(300 * 1024)))))
                .isInstanceOf(OutputException.class)
                .hasMessageMatching("not enough space in " + dir + " for the new set of 2 files: it needs about"
                        + " 3[0-9]{2} KiB and [0-9]+ KiB are free; the files in use are unchanged; free space .*");

        assertThat(entries(dir)).isEqualTo(before);
        assertFilesHold(dir, Map.of("A", "small"));
        assertThat(metrics.writesFailed).hasValue(1);
    }

    @Test
    void volumeTurnedReadOnly_keepsServingTheOldSet_reportsIt_andRecoversWhenWritable() throws Exception {
        Path dir = mount("size=1m");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir).withBundle("env", "app.env", 0440), metrics);
        out.write(Snapshots.of(1, set(1)));
        String envBefore = Files.readString(dir.resolve("app.env"));
        volume.remount("ro");

        assertThatThrownBy(() -> out.write(Snapshots.of(2, set(2))))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("cannot write a new version directory in " + dir + ": Read-only file system;"
                        + " the files in use are unchanged; mount the volume read-write");

        assertFilesHold(dir, set(1));
        assertThat(Files.readString(dir.resolve("app.env"))).isEqualTo(envBefore);
        assertThat(metrics.writesFailed).hasValue(1);

        volume.remount("rw");
        out.write(Snapshots.of(3, set(3)));
        assertFilesHold(dir, set(3));
    }

    @Test
    void open_onAReadOnlyVolume_failsNamingTheDirectoryAndWhatToDo() throws Exception {
        Path dir = mount("size=64k");
        volume.remount("ro");

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir), metrics))
                .isInstanceOf(OutputException.class)
                .hasMessage("lock file " + dir.resolve(".lock") + " of output directory " + dir + " cannot be opened:"
                        + " Read-only file system; mount the volume read-write in the sidecar container");
    }

    @Test
    void writeFile_onAFullVolume_keepsThePreviousFile_andLeavesNoTempFile() throws Exception {
        Path dir = mount("size=1m,nr_inodes=32");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir), metrics);
        out.writeFile(".token", "old".getBytes(StandardCharsets.UTF_8), 0600);
        exhaustInodesLeaving(dir, 0);
        Set<String> before = entries(dir);

        assertThatThrownBy(() -> out.writeFile(".token", "new".getBytes(StandardCharsets.UTF_8), 0600))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("cannot write " + dir.resolve(".token") + ": No space left on device;"
                        + " the previous file is unchanged");

        assertThat(Files.readString(dir.resolve(".token"))).isEqualTo("old");
        assertThat(entries(dir)).isEqualTo(before);
        assertThat(metrics.writesFailed).hasValue(1);
    }
}
