package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.metrics.Metrics;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIDECAR_FILE_UID/GID: every written file is handed over, and a process that may not chown fails at start-up. */
class OutputOwnershipTest {
    private static final OptionalInt ID = OptionalInt.of(1234);

    @TempDir
    Path tmp;

    private static int uid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static int gid(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void everyWrittenFile_isOwnedByTheConfiguredUidAndGid() throws Exception {
        assumeTrue(Tmpfs.isRoot(), "handing files to uid 1234 needs root; run the tests as root (CI does)");
        Path template = Files.writeString(tmp.resolve("t.tmpl"), "{{ A }}");
        Path dir = tmp.resolve("secrets");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir).withOwner(ID, ID)
                .withBundle("env", "app.env", 0440).withTemplate(template, "t.conf", 0440), Metrics.noop());

        out.write(Snapshots.of(Map.of("A", "a", "B", "b")));
        out.writeFile(".token", "t".getBytes(StandardCharsets.UTF_8), 0400);

        for (String name : List.of("A", "B", "app.env", "t.conf", ".token")) {
            Path file = dir.resolve(name).toRealPath();
            assertThat(uid(file)).as(name).isEqualTo(1234);
            assertThat(gid(file)).as(name).isEqualTo(1234);
        }
    }

    @Test
    void open_whenTheKernelRefusesChown_failsSayingWhatToDo() throws Exception {
        Path dir = tmp.resolve("secrets");
        Ownership refusing = (file, uid, gid) -> {
            throw new FileSystemException(file.toString(), null, "Operation not permitted");
        };

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir).withOwner(ID, OptionalInt.empty()),
                Metrics.noop(), Clock.systemUTC(), refusing))
                .isInstanceOf(OutputException.class)
                .hasMessage("cannot give files in " + dir + " to uid 1234: Operation not permitted; run the sidecar as"
                        + " root (or with CAP_CHOWN), or drop SIDECAR_FILE_UID/SIDECAR_FILE_GID and use a volume the"
                        + " app's user can already read (e.g. run the sidecar as that user)");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.filter(p -> !p.getFileName().toString().equals(DirectoryLock.NAME)))
                    .as("the probe files are removed").isEmpty();
        }
    }

    @Test
    void open_inAProcessWithoutCapChown_failsAtStartUp() throws Exception {
        assumeTrue(Tmpfs.isRoot(), "dropping CAP_CHOWN from a child is shown as root; as another user chown fails anyway");
        String setpriv = ExternalTools.require("setpriv", "util-linux");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = Stream.of(OutputDirectory.class, OpenOutputDirectoryMain.class, ObjectMapper.class,
                        JsonFactory.class, JsonAutoDetect.class)
                .map(c -> Path.of(codeSource(c)).toString()).distinct().collect(Collectors.joining(File.pathSeparator));
        Path dir = tmp.resolve("secrets");

        ExternalTools.Result r = ExternalTools.run(tmp, List.of(setpriv, "--bounding-set=-chown", "--inh-caps=-chown",
                java, "-cp", classpath, OpenOutputDirectoryMain.class.getName(), dir.toString(), "1234"));

        assertThat(r.output()).contains("cannot give files in " + dir + " to uid 1234 and gid 1234: Operation not"
                + " permitted; run the sidecar as root (or with CAP_CHOWN)");
        assertThat(r.exitCode()).isEqualTo(5);
    }

    private static java.net.URI codeSource(Class<?> c) {
        try {
            return c.getProtectionDomain().getCodeSource().getLocation().toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
