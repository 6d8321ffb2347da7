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
 * the wrapper inherited. Variables and arguments the wrapper was given pass on as their original bytes.
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

    private final PosixCalls posix;
    private final OriginalBytes original;
    private final Set<Integer> fdsAtStart;

    ProcessReplacer(PosixCalls posix, OriginalBytes original, Set<Integer> fdsAtStart) {
        this.posix = posix;
        this.original = original;
        this.fdsAtStart = Set.copyOf(fdsAtStart);
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
            errno = posix.execve(path, args, envp);
        } catch (Exception e) {
            throw new ExecException(ExitCode.EXEC_CANNOT_RUN, "cannot run '" + argv.get(0) + "' (" + program
                    + "): the native call failed (" + e.getClass().getSimpleName() + ")");
        }
        throw new ExecException(errno == 2 ? ExitCode.EXEC_NOT_FOUND : ExitCode.EXEC_CANNOT_RUN,
                "cannot run '" + argv.get(0) + "' (" + program + "): " + ERRNO.getOrDefault(errno, "errno " + errno));
    }

    /**
     * Descriptors above 2 that the JVM or this command opened; inherited ones stay open, as they would for the command.
     * Of those open before {@code exec} started, the JDK's files and jars (the class path, and jars it names) are the JVM's.
     */
    private Set<Integer> descriptorsToClose() {
        Set<Integer> out = new TreeSet<>();
        Path javaHome = realPath(Path.of(System.getProperty("java.home")));
        Set<Path> classPath = new HashSet<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                classPath.add(realPath(Path.of(entry)));
            }
        }
        for (int fd : openDescriptors()) {
            if (fd <= 2) {
                continue;
            }
            if (!fdsAtStart.contains(fd)) {
                out.add(fd);
                continue;
            }
            try {
                Path target = Files.readSymbolicLink(Path.of("/proc/self/fd", Integer.toString(fd)));
                if (target.startsWith(javaHome) || classPath.contains(target)
                        || target.getFileName() != null && target.getFileName().toString().endsWith(".jar")) {
                    out.add(fd);
                }
            } catch (IOException | RuntimeException e) {
                // Not a link we can read (no /proc, or closed meanwhile): an inherited descriptor stays open.
            }
        }
        return out;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException | RuntimeException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    /** The descriptors open now, from {@code /proc/self/fd} (Linux) or {@code /dev/fd} (macOS); empty if neither lists. */
    static Set<Integer> openDescriptors() {
        for (String dir : List.of("/proc/self/fd", "/dev/fd")) {
            try (Stream<Path> fds = Files.list(Path.of(dir))) {
                Set<Integer> out = new TreeSet<>();
                fds.forEach(p -> {
                    try {
                        out.add(Integer.parseInt(p.getFileName().toString()));
                    } catch (NumberFormatException e) {
                        // Not a descriptor entry.
                    }
                });
                return out;
            } catch (IOException | RuntimeException e) {
                // Try the next listing.
            }
        }
        return Set.of();
    }
}
