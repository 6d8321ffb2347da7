package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Replaces this JVM with the command through {@code execve(2)}, as ssm-env does with Go's {@code syscall.Exec}: the
 * command keeps this pid, so every signal sent to the wrapper reaches the command itself, its exit status (or death
 * by a signal) is the wrapper's, and stdin, stdout and stderr are the same descriptors.
 *
 * <p>Before the call it undoes what the JVM did to the process that a directly started program would not see: it
 * unblocks every signal (HotSpot blocks SIGQUIT in Java threads, and execve keeps the mask), and marks close-on-exec
 * every descriptor the JVM or this command opened (the jar, the JDK's module image, sockets to SSM), keeping the ones
 * the wrapper inherited. A standard stream the caller closed (the JVM then got that number for its own files) is
 * {@code /dev/null} for the command. Variables and arguments the wrapper was given pass on as their original bytes.
 */
final class ProcessReplacer implements Launcher {
    private static final Map<Integer, String> ERRNO = Map.of(
            1, "EPERM: operation not permitted",
            2, "ENOENT: no such file, or its interpreter (#! line) does not exist",
            7, "E2BIG: the environment and arguments are too large",
            8, "ENOEXEC: not an executable format (a script needs a #! line)",
            12, "ENOMEM: out of memory",
            13, "EACCES: permission denied (not executable, or on a noexec mount)",
            20, "ENOTDIR: a part of the path is not a directory",
            26, "ETXTBSY: the file is open for writing");
    /** Opened by the JDK's NativePRNG for the JVM's life, also when that happens before main (an agent, AOT). */
    private static final Set<String> JVM_DEVICES = Set.of("/dev/random", "/dev/urandom");

    private final PosixCalls posix;
    private final OriginalBytes original;
    private final Map<Integer, String> fdsAtStart;

    ProcessReplacer(PosixCalls posix, OriginalBytes original, Map<Integer, String> fdsAtStart) {
        this.posix = posix;
        this.original = original;
        this.fdsAtStart = Map.copyOf(fdsAtStart);
    }

    @Override
    public String mode() {
        return "replace";
    }

    @Override
    public int launch(Path program, List<String> argv, Map<String, String> env) throws ExecException {
        List<byte[]> envp = new ArrayList<>(env.size());
        env.forEach((k, v) -> envp.add(original.variable(k, v)));
        List<byte[]> args = original.argumentTail(argv);
        byte[] path = program.toString().getBytes(StandardCharsets.UTF_8);
        int errno;
        try {
            System.out.flush();
            System.err.flush();
            for (int fd : descriptorsToClose()) {
                posix.setCloseOnExec(fd);
            }
            posix.clearSignalMask();
            errno = posix.execve(path, args, envp, notGivenByCaller(fdsAtStart));
        } catch (Exception e) {
            throw new ExecException(ExitCode.EXEC_CANNOT_RUN, "cannot run '" + argv.get(0) + "' (" + program
                    + "): the native call failed (" + e.getClass().getSimpleName() + ")");
        }
        throw new ExecException(errno == 2 ? ExitCode.EXEC_NOT_FOUND : ExitCode.EXEC_CANNOT_RUN,
                "cannot run '" + argv.get(0) + "' (" + program + "): " + ERRNO.getOrDefault(errno, "errno " + errno));
    }

    /**
     * Descriptors above 2 that the JVM or this command opened; inherited ones stay open, as they would for the command.
     * A descriptor counts as inherited only if it is open on the same file as when {@code exec} started: numbers are
     * reused, and on JDK 25 the SDK's SecureRandom got 5 and 6, numbers the start listing had seen on other files.
     * Of the inherited ones, the JDK's files, jars and random devices are the JVM's.
     */
    private Set<Integer> descriptorsToClose() {
        return toClose(fdsAtStart, openDescriptors(), realPath(Path.of(System.getProperty("java.home"))), classPath());
    }

    /** The rule of {@link #descriptorsToClose}, on listings from {@link #openDescriptors}. */
    static Set<Integer> toClose(Map<Integer, String> atStart, Map<Integer, String> now, Path javaHome,
                                Set<Path> classPath) {
        Set<Integer> out = new TreeSet<>();
        now.forEach((fd, file) -> {
            if (fd <= 2) {
                return;
            }
            if (!file.equals(atStart.get(fd))) {
                out.add(fd);
                return;
            }
            if (jvmFile(file, javaHome, classPath)) {
                out.add(fd);
            }
        });
        return out;
    }

    /** Whether a listing entry ({@code "DEV:INODE TARGET"}) is one of the JDK's files, a jar or a random device. */
    private static boolean jvmFile(String file, Path javaHome, Set<Path> classPath) {
        String target = file.substring(file.indexOf(' ') + 1);
        Path path = target.startsWith("/") ? Path.of(target) : null;
        return path != null && (path.startsWith(javaHome) || classPath.contains(path) || JVM_DEVICES.contains(target)
                || target.endsWith(".jar"));
    }

    /**
     * Which of stdin, stdout and stderr (0-2) the caller did not give: closed ({@code <&-}, {@code >&-}), so the JVM
     * reused the number for its own files (the module image, the jar) or nothing is open there. The command gets
     * {@code /dev/null} on those, never a file of the JVM.
     */
    static Set<Integer> notGivenByCaller(Map<Integer, String> listing) {
        Path javaHome = realPath(Path.of(System.getProperty("java.home")));
        Set<Path> classPath = classPath();
        Set<Integer> out = new TreeSet<>();
        for (int fd = 0; fd <= 2; fd++) {
            String file = listing.get(fd);
            if (file == null || jvmFile(file, javaHome, classPath)) {
                out.add(fd);
            }
        }
        return out;
    }

    private static Set<Path> classPath() {
        Set<Path> classPath = new HashSet<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                classPath.add(realPath(Path.of(entry)));
            }
        }
        return classPath;
    }

    /** Redirects from or to {@code /dev/null} the standard streams that {@code notGiven} names; the others inherit. */
    static ProcessBuilder devNullFor(ProcessBuilder builder, Set<Integer> notGiven) {
        File devNull = new File("/dev/null");
        if (notGiven.contains(0)) {
            builder.redirectInput(ProcessBuilder.Redirect.from(devNull));
        }
        if (notGiven.contains(1)) {
            builder.redirectOutput(ProcessBuilder.Redirect.to(devNull));
        }
        if (notGiven.contains(2)) {
            builder.redirectError(ProcessBuilder.Redirect.to(devNull));
        }
        return builder;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException | RuntimeException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /**
     * The descriptors open now, each with what it is open on ({@code "DEV:INODE TARGET"}), from {@code /proc/self/fd}
     * (Linux) or {@code /dev/fd} (macOS); empty if neither lists. The listing's own descriptor is left out: it is
     * closed by the time its link is read.
     */
    static Map<Integer, String> openDescriptors() {
        for (String dir : List.of("/proc/self/fd", "/dev/fd")) {
            List<Path> entries;
            try (Stream<Path> fds = Files.list(Path.of(dir))) {
                entries = fds.toList();
            } catch (IOException | RuntimeException e) {
                continue; // try the next listing
            }
            Map<Integer, String> out = new TreeMap<>();
            for (Path p : entries) {
                try {
                    int fd = Integer.parseInt(p.getFileName().toString());
                    Map<String, Object> id = Files.readAttributes(p, "unix:dev,ino");
                    out.put(fd, id.get("dev") + ":" + id.get("ino") + " " + Files.readSymbolicLink(p));
                } catch (NumberFormatException | IOException | UnsupportedOperationException e) {
                    // Not a descriptor entry, or closed meanwhile.
                }
            }
            return out;
        }
        return Map.of();
    }
}
