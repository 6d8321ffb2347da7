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
 * {@code exec --env-file} pointed at files without an end or a size: {@code /dev/zero} and a FIFO fed without end.
 * Each is read up to the 1 MiB limit plus one byte, then refused with exit 2 like a large regular file (before, the
 * child's 64 MiB heap ran out: OutOfMemoryError). The command is never started.
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

    @Test
    void devZero_isReadUpToTheLimit_andRefusedWithExit2() {
        try (ChildJvm child = exec(Path.of("/dev/zero"))) {
            int code = child.awaitExit(DEADLINE);
            Figures.record("hostile-env-file", "exec --env-file /dev/zero: exit code", code);
            assertThat(code).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).isEqualTo("ssm-sidecar exec: --env-file /dev/zero: larger than 1048576 bytes\n");
            assertThat(tmp.resolve("started")).doesNotExist();
        }
    }

    @Test
    void aFifoFedWithoutEnd_isReadUpToTheLimit_andRefusedWithExit2() throws Exception {
        Path fifo = tmp.resolve("env.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor()).isZero();
        Process writer = new ProcessBuilder("sh", "-c", "exec cat /dev/zero > '" + fifo + "'").start();
        try (ChildJvm child = exec(fifo)) {
            int code = child.awaitExit(DEADLINE);
            Figures.record("hostile-env-file", "exec --env-file FIFO: exit code", code);
            assertThat(code).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).isEqualTo("ssm-sidecar exec: --env-file " + fifo + ": larger than 1048576 bytes\n");
            assertThat(tmp.resolve("started")).doesNotExist();
            // The reader closed the FIFO, so the writer dies of SIGPIPE on its own.
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            writer.destroyForcibly();
        }
        assertThat(Files.exists(fifo)).isTrue();
    }
}
