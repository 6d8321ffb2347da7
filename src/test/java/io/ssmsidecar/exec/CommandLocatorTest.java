package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLocatorTest {
    @TempDir
    Path dir;
    Path first;
    Path second;

    @BeforeEach
    void dirs() throws Exception {
        first = Files.createDirectory(dir.resolve("first"));
        second = Files.createDirectory(dir.resolve("second"));
    }

    private Path file(Path in, String name, String mode) throws Exception {
        Path p = in.resolve(name);
        Files.writeString(p, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return p;
    }

    private String path() {
        return first + ":" + second;
    }

    @Test
    void locate_takesTheFirstExecutableOnPath() throws Exception {
        file(first, "app", "rwxr-xr-x");
        file(second, "app", "rwxr-xr-x");
        assertThat(CommandLocator.locate("app", path())).isEqualTo(first.resolve("app"));
    }

    @Test
    void locate_skipsANonExecutableMatch_whenALaterDirectoryHasAnExecutableOne() throws Exception {
        file(first, "app", "rw-r--r--");
        file(second, "app", "rwxr-xr-x");
        assertThat(CommandLocator.locate("app", path())).isEqualTo(second.resolve("app"));
    }

    @Test
    void locate_skipsDirectoriesNamedLikeTheCommand() throws Exception {
        Files.createDirectory(first.resolve("app"));
        file(second, "app", "rwxr-xr-x");
        assertThat(CommandLocator.locate("app", path())).isEqualTo(second.resolve("app"));
    }

    @Test
    void locate_fails126_whenTheOnlyMatchIsNotExecutable() throws Exception {
        file(second, "app", "rw-r--r--");
        assertThatThrownBy(() -> CommandLocator.locate("app", path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_CANNOT_RUN))
                .hasMessage("cannot run 'app': found " + second.resolve("app") + " (not executable)");
    }

    @Test
    void locate_fails127_namingThePathSearched() {
        assertThatThrownBy(() -> CommandLocator.locate("no-such-app", path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_NOT_FOUND))
                .hasMessage("command 'no-such-app' not found in PATH=" + path());
    }

    @Test
    void locate_usesTheDefaultPath_whenPathIsUnset() throws Exception {
        assertThat(CommandLocator.locate("sh", null)).isEqualTo(Path.of("/bin/sh"));
        assertThatThrownBy(() -> CommandLocator.locate("no-such-app", null))
                .hasMessage("command 'no-such-app' not found in PATH=/bin:/usr/bin (PATH is not set; this is the default)");
    }

    @Test
    void locate_takesACommandWithASlashAsAPath() throws Exception {
        Path app = file(first, "app", "rwxr-xr-x");
        assertThat(CommandLocator.locate(app.toString(), "/nowhere")).isEqualTo(app);
        file(first, "data", "rw-r--r--");
        assertThatThrownBy(() -> CommandLocator.locate(first + "/data", path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_CANNOT_RUN));
        assertThatThrownBy(() -> CommandLocator.locate(first.toString(), path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_CANNOT_RUN))
                .hasMessageEndingWith(": it is a directory");
        assertThatThrownBy(() -> CommandLocator.locate(first + "/missing", path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_NOT_FOUND))
                .hasMessageEndingWith(": no such file");
    }

    @Test
    void locate_refusesAnEmptyCommand() {
        assertThatThrownBy(() -> CommandLocator.locate("", path()))
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.EXEC_NOT_FOUND));
    }
}
