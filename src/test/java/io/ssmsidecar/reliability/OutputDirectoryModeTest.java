package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalSsmExtension;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output directory against a careless environment: {@code init} under {@code umask 000} (a JVM's umask cannot be
 * changed in-process, so the child runs under {@code sh -c 'umask 000; exec java ...'}) creates its directories 0755,
 * not 0777; an existing directory every user may write (a Kubernetes emptyDir is 0777) gets one WARN and still works;
 * an output directory given relative or with {@code ..} is a configuration error.
 */
@ExtendWith(LeakWatch.class)
class OutputDirectoryModeTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path tmp;
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();

    @BeforeEach
    void seed() throws Exception {
        ssm.put("/mode/db", "mode-secret-41c9", "SecureString");
    }


    private ChildJvm initUnderUmask000(Path out) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path wrapper = tmp.resolve("java-umask-000");
        Files.writeString(wrapper, "#!/bin/sh\numask 000\nexec '" + java + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
        env.putAll(Map.of("DB", "ssm:///mode/db", "SIDECAR_OUTPUT_DIR", out.toString()));
        ChildJvm child = ChildJvm.start(wrapper, List.of(), Files.createDirectories(tmp.resolve("logs")), env, "init");
        LeakWatch.search("init stdout and stderr", child::output);
        return child;
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void init_underUmask000_createsItsDirectories0755() throws Exception {
        Path out = tmp.resolve("a/b/out");
        ChildJvm init = initUnderUmask000(out);
        assertThat(init.awaitExit(DEADLINE)).as(init.output()).isZero();

        for (Path p : List.of(tmp.resolve("a"), tmp.resolve("a/b"), out, out.resolve("..data"))) {
            assertThat(mode(p)).as("mode of %s", p).isEqualTo("rwxr-xr-x");
        }
        assertThat(mode(out.resolve("..data/DB"))).isEqualTo("r--r-----");
        Figures.record("output-dir-mode", "created under umask 000", mode(out));
    }

    @Test
    void init_intoAnExistingDirectoryEveryUserMayWrite_warnsOnceWhy_andWrites() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("emptydir"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        ChildJvm init = initUnderUmask000(out);
        assertThat(init.awaitExit(DEADLINE)).as(init.output()).isZero();

        assertThat(Files.readString(out.resolve("DB"))).isEqualTo("mode-secret-41c9");
        assertThat(init.stderr().lines().filter(l -> l.contains("WARN")).toList()).singleElement().asString()
                .contains("writable by every user and has no sticky bit").contains("dir=" + out);
        assertThat(mode(out)).as("left as the operator made it").isEqualTo("rwxrwxrwx");
    }

    @Test
    void outputDir_relativeOrWithDotDot_exits2_namingTheValue() {
        for (String bad : List.of("/tmp/..", "/run/secrets/../../etc", "secrets")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = Main.run(new String[] {"init"}, Map.of("DB", "ssm:///mode/db", "SIDECAR_OUTPUT_DIR", bad),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(code).as(bad).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("SIDECAR_OUTPUT_DIR must be an absolute directory"
                    + " path without .. segments (such as /run/secrets), got " + bad);
        }
    }
}
