package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssmsidecar.testing.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two things found running {@code exec} beside ssm-env: {@code -no-fail} with SSM unreachable starts the command
 * after a short wait (ssm-env: at once), and an AOT training run on JDK 25 writes its cache (execve used to replace
 * the JVM before it could).
 */
class ExecFallbackAndTrainingTest extends ChildExecTest {
    /** Well below the 60 s default timeout the command used to wait for: JVM start + 5 s + slack for a busy machine. */
    private static final Duration WELL_BELOW_SIXTY_SECONDS = Duration.ofSeconds(40);

    private static int closedLoopbackPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrappers")
    void noFail_withSsmUnreachable_startsTheCommandWithTheLiteral_longBeforeTheDefaultTimeout(Wrapper wrapper)
            throws Exception {
        Map<String, String> env = baseEnv();
        env.putAll(Map.of("AWS_ENDPOINT_URL_SSM", "http://127.0.0.1:" + closedLoopbackPort(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKIDUNREACHABLE", "AWS_SECRET_ACCESS_KEY", "not-checked",
                "DB_PASSWORD", "ssm:///unreachable/db"));
        ChildJvm w = start(wrapper, env, List.of("-with-decryption", "-no-fail", "sh", "-c",
                "printf %s \"$DB_PASSWORD\" > \"$OUT/got\"; touch \"$OUT/started\""));
        assertThat(w.awaitExit(WELL_BELOW_SIXTY_SECONDS)).as(w.stderr()).isZero();
        assertThat(dir.resolve("started")).exists();
        assertThat(dir.resolve("got")).hasContent("ssm:///unreachable/db");
        assertThat(w.stderr()).contains("warning: DB_PASSWORD (/unreachable/db)").contains("keeping the literal value");
    }

    /** {@code -XX:AOTCacheOutput} on JDK 25: exec runs the command as a child, so the JVM lives to write the cache. */
    @Test
    void aotTrainingRun_onJdk25_writesTheCache_andRunsTheCommand() throws Exception {
        assumeTrue(Files.isExecutable(Wrapper.JDK25), "JDK 25 is not installed at " + Wrapper.JDK25);
        Path cache = dir.resolve("exec.aot");
        // Not ChildJvm: it adds -Xshare:auto, which AOTCacheOutput refuses. An AOT cache takes classes from jars only
        // ("Cannot have non-empty directory in paths").
        Path log = dir.resolve("training.log");
        ProcessBuilder pb = new ProcessBuilder(Wrapper.JDK25.toString(), "-Xmx64m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-XX:AOTCacheOutput=" + cache,
                "-cp", jarClassPath(), io.ssmsidecar.cli.Main.class.getName(), "exec", "--", "sh", "-c", "echo $$ > \"$OUT/started\"")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().clear();
        pb.environment().putAll(baseEnv());
        Process training = pb.start();
        try {
            assertThat(training.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("training run exited").isTrue();
            assertThat(training.exitValue()).as(Files.readString(log)).isZero();
            assertThat(dir.resolve("started")).exists();
            // Spawn mode: the command ran as the JVM's child, not as the JVM itself.
            assertThat(Files.readString(dir.resolve("started")).trim()).isNotEqualTo(Long.toString(training.pid()));
            assertThat(cache).exists();
            assertThat(Files.size(cache)).as(Files.readString(log)).isGreaterThan(1_000_000);
        } finally {
            training.descendants().forEach(ProcessHandle::destroyForcibly);
            training.destroyForcibly();
        }
    }

    @Test
    void trainingFlags_areRecognised_otherwiseExecveStays() {
        assertThat(Launcher.trainingFlag(List.of("-Xmx64m", "-XX:AOTCacheOutput=/app/app.aot")))
                .isEqualTo("-XX:AOTCacheOutput");
        assertThat(Launcher.trainingFlag(List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=a.conf")))
                .isEqualTo("-XX:AOTMode=record");
        assertThat(Launcher.trainingFlag(List.of("-XX:ArchiveClassesAtExit=app.jsa"))).isEqualTo("-XX:ArchiveClassesAtExit");
        assertThat(Launcher.trainingFlag(List.of("-XX:AOTCache=/app/app.aot", "-XX:AOTMode=auto",
                "-XX:SharedArchiveFile=app.jsa"))).isNull();
    }

    /** target/classes packed into a jar, plus the jars of this test's class path. */
    private String jarClassPath() throws IOException {
        Path classes = Path.of(System.getProperty("user.dir"), "target", "classes");
        Path jar = dir.resolve("ssm-sidecar-classes.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        List<String> entries = new ArrayList<>(List.of(jar.toString()));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
