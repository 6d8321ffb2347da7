package io.ssmsidecar.reliability;

import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ssm-sidecar run} in a child JVM ({@code io.ssmsidecar.cli.Main} on this JVM's class path, small heap, serial GC,
 * C1 only), with stdout and stderr in files that the leak search reads. To keep hundreds of starts cheap, the class
 * path's directories are packed into jars once and a dynamic CDS archive is trained by the first clean run
 * ({@link #train}); a child starts in about half the time with it. Without the archive everything still works.
 */
final class ChildSidecar implements AutoCloseable {
    private static final Path CDS_DIR = Figures.DIR.resolve("cds");
    private static final Pattern PORT = Pattern.compile("http API listening address=\\S+ port=(\\d+)");
    private static String classPath;
    private static Path archive;

    final ChildJvm jvm;
    final Process process;

    private ChildSidecar(ChildJvm jvm) {
        this.jvm = jvm;
        this.process = jvm.process();
    }

    /** Starts {@code run} with exactly {@code env} (plus PATH); its output is captured under {@code logDir}. */
    static ChildSidecar start(Map<String, String> env, Path logDir, String name) throws IOException {
        return start(env, logDir, name, archive == null ? List.of() : List.of("-XX:SharedArchiveFile=" + archive));
    }

    private static ChildSidecar start(Map<String, String> env, Path logDir, String name, List<String> jvmFlags)
            throws IOException {
        List<String> flags = new ArrayList<>(List.of("-Xlog:disable", "-Xlog:all=off"));
        flags.addAll(jvmFlags);
        Files.createDirectories(logDir);
        ChildJvm jvm = ChildJvm.start(Path.of(ProcessHandle.current().info().command().orElseThrow()), flags,
                classPath(), logDir, env, "run");
        LeakWatch.search(name + " stdout and stderr", jvm::output);
        return new ChildSidecar(jvm);
    }

    /**
     * Trains the CDS archive once per test JVM with a clean run of {@code env} (start, first files written, SIGTERM),
     * which must exit 0. Later children start from the archive.
     */
    static synchronized void train(Map<String, String> env, Path logDir) throws Exception {
        if (archive != null) {
            return;
        }
        Path jsa = CDS_DIR.resolve("run.jsa").toAbsolutePath();
        Files.deleteIfExists(jsa);
        try (ChildSidecar child = start(env, logDir, "cds-training", List.of("-XX:ArchiveClassesAtExit=" + jsa))) {
            child.awaitLog("files written", Duration.ofSeconds(60));
            int code = child.terminate(Duration.ofSeconds(30));
            if (code != 0) {
                throw new AssertionError("the training run exited " + code + " on SIGTERM:\n" + child.log());
            }
        }
        if (Files.size(jsa) > 0) {
            archive = jsa;
        }
    }

    /** This JVM's class path with every directory packed into a jar (CDS archives only jars). */
    private static synchronized String classPath() throws IOException {
        if (classPath == null) {
            Files.createDirectories(CDS_DIR);
            List<String> entries = new ArrayList<>();
            int n = 0;
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
                Path p = Path.of(entry);
                if (Files.isDirectory(p)) {
                    Path jar = CDS_DIR.resolve((n++) + "-" + p.getFileName() + ".jar").toAbsolutePath();
                    packDirectory(p, jar);
                    entries.add(jar.toString());
                } else if (Files.exists(p)) {
                    entries.add(p.toAbsolutePath().toString());
                }
            }
            classPath = String.join(File.pathSeparator, entries);
        }
        return classPath;
    }

    private static void packDirectory(Path dir, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    out.putNextEntry(new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
                    Files.copy(f, out);
                    out.closeEntry();
                    return FileVisitResult.CONTINUE;
                }
            });
        }
    }

    long pid() {
        return process.pid();
    }

    /** Everything the child logged to stderr so far. */
    String log() {
        return jvm.stderr();
    }

    void awaitLog(String fragment, Duration timeout) {
        Await.until(timeout, () -> {
            if (!process.isAlive() && !log().contains(fragment)) {
                throw new AssertionError("the child exited " + process.exitValue() + " before logging '" + fragment
                        + "':\n" + log());
            }
            return log().contains(fragment);
        }, () -> "the child to log '" + fragment + "'");
    }

    /** The HTTP port the child listens on, from its log. */
    int port() {
        awaitLog("http API listening", Duration.ofSeconds(60));
        Matcher m = PORT.matcher(log());
        if (!m.find()) {
            throw new AssertionError("no port in the child's log:\n" + log());
        }
        return Integer.parseInt(m.group(1));
    }

    /** Open file descriptors, from {@code /proc/PID/fd}. */
    int fileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /** A field of {@code /proc/PID/status} such as {@code Threads} or {@code VmRSS} (kB), as a number. */
    long procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no " + field + " in /proc/" + pid() + "/status");
    }

    /**
     * The live heap in KiB: {@code jcmd GC.class_histogram} runs a full GC and sums the surviving objects in one
     * safepoint, so allocation by the load in between cannot blur it (as GC.run followed by GC.heap_info would).
     */
    long liveHeapKb() throws Exception {
        String histogram = jcmd("GC.class_histogram");
        Matcher m = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
        if (!m.find()) {
            throw new AssertionError("cannot read the live heap from jcmd:\n" + histogram.lines().limit(5).toList());
        }
        return Long.parseLong(m.group(1)) / 1024;
    }

    private String jcmd(String command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** SIGKILL, then waits until the process is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not die on SIGKILL");
        }
    }

    /** SIGTERM; returns the exit code, failing if the child has not exited within {@code timeout}. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not exit within " + timeout.toMillis() + " ms of SIGTERM:\n" + log());
        }
        return process.exitValue();
    }

    /** Kills the child (and anything it started) if it still runs. */
    @Override
    public void close() {
        jvm.close();
    }
}
