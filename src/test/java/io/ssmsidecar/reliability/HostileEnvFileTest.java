package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exec --env-file} pointed at files without an end, a size or a writer: {@code /dev/zero}, a FIFO fed without
 * end and a FIFO nobody writes to. Each is refused with exit 2 before it is opened, as not a regular file (issue 18,
 * item 6: opening a FIFO with no writer blocked for ever; earlier, reading /dev/zero whole ran the child's 64 MiB heap
 * out). A regular file is still read up to its 1 MiB limit plus one byte ({@code EnvFileTest}). The command is never
 * started.
 */
@ExtendWith(LeakWatch.class)
class HostileEnvFileTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private ChildJvm exec(Path envFile) {
        ChildJvm child = ChildJvm.start(tmp, Map.of("AWS_REGION", "us-east-1"), "exec", "--env-file",
                envFile.toString(), "--", "sh", "-c", "touch " + tmp.resolve("started"));
        LeakWatch.search("exec stdout and stderr", child::output);
        return child;
    }

    private static String notRegular(Path file) {
        return "ssm-sidecar exec: --env-file " + file + ": not a regular file (a FIFO, device or directory); give the"
                + " path of a file\n";
    }

    @Test
    void devZero_isRefusedWithExit2() {
        try (ChildJvm child = exec(Path.of("/dev/zero"))) {
            int code = child.awaitExit(DEADLINE);
            Figures.record("hostile-env-file", "exec --env-file /dev/zero: exit code", code);
            assertThat(code).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).isEqualTo(notRegular(Path.of("/dev/zero")));
            assertThat(tmp.resolve("started")).doesNotExist();
        }
    }

    @Test
    void aFifoFedWithoutEnd_isRefusedWithExit2() throws Exception {
        Path fifo = tmp.resolve("env.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        Process writer = new ProcessBuilder("sh", "-c", "exec cat /dev/zero > '" + fifo + "'").start();
        try (ChildJvm child = exec(fifo)) {
            int code = child.awaitExit(DEADLINE);
            Figures.record("hostile-env-file", "exec --env-file FIFO: exit code", code);
            assertThat(code).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).isEqualTo(notRegular(fifo));
            assertThat(tmp.resolve("started")).doesNotExist();
        } finally {
            writer.destroyForcibly();
        }
        assertThat(Files.exists(fifo)).isTrue();
    }

    @Test
    void aFifoWithNoWriter_isRefusedWithExit2_insteadOfBlockingInOpen() throws Exception {
        Path fifo = tmp.resolve("idle.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        try (ChildJvm child = exec(fifo)) {
            int code = child.awaitExit(DEADLINE);
            Figures.record("hostile-env-file", "exec --env-file FIFO with no writer: exit code", code);
            assertThat(code).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).isEqualTo(notRegular(fifo));
            assertThat(tmp.resolve("started")).doesNotExist();
        }
    }
}
