package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which descriptors the command keeps: the rule on listings, then on this JVM's own descriptors. */
class ProcessReplacerTest {
    private static final Path JAVA_HOME = Path.of("/opt/jdk");

    @Test
    void aNumberReusedForAnotherFile_isClosed_anUnchangedInheritedOneStays() {
        // What JDK 25 showed: 5 and 6 were the listing and a transient file at start, /dev/random(urandom) at exec.
        Map<Integer, String> atStart = Map.of(0, "1:1 /dev/null", 1, "9:1 pipe:[7]", 2, "9:1 pipe:[7]",
                5, "0:4 /proc/12/fd", 6, "8:3 /etc/hosts", 9, "9:2 pipe:[8]");
        Map<Integer, String> now = Map.of(0, "1:1 /dev/null", 1, "9:1 pipe:[7]", 2, "9:1 pipe:[7]",
                5, "1:8 /dev/random", 6, "1:9 /dev/urandom", 9, "9:2 pipe:[8]", 12, "0:7 socket:[99]");

        assertThat(ProcessReplacer.toClose(atStart, now, JAVA_HOME, Set.of())).containsExactly(5, 6, 12);
    }

    @Test
    void theJvmsOwnFilesOpenBeforeStart_areClosed_evenWhenUnchanged() {
        Map<Integer, String> files = Map.of(3, "8:1 /opt/jdk/lib/modules", 4, "8:2 /app/ssm-sidecar.jar",
                5, "1:8 /dev/random", 6, "1:9 /dev/urandom", 7, "8:5 /data/inherited.log", 8, "8:6 /app/classes");

        assertThat(ProcessReplacer.toClose(files, files, JAVA_HOME, Set.of(Path.of("/app/classes"))))
                .containsExactly(3, 4, 5, 6, 8);
    }

    @Test
    void openDescriptors_ofThisJvm_nameEachFile_andLeaveOutTheListingItself() {
        Map<Integer, String> fds = ProcessReplacer.openDescriptors();
        assertThat(fds).containsKeys(0, 1, 2);
        assertThat(fds.values()).allMatch(v -> v.matches("\\d+:\\d+ .+")).noneMatch(v -> v.endsWith("/fd"));
    }
}
