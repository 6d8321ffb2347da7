package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the program to run the way {@code execvp(3)} does, before any SSM call, so a typo fails fast: a command with
 * a {@code /} is a path (relative to the working directory), any other is searched in each {@code PATH} directory in
 * turn (an empty entry is the working directory). The first executable regular file wins; a match that is not
 * executable is remembered and reported (126) only if no later directory has an executable one, else "not found" (127).
 */
final class CommandLocator {
    /** glibc's {@code execvp} default when {@code PATH} is unset. */
    static final String DEFAULT_PATH = "/bin:/usr/bin";

    private CommandLocator() {
    }

    /**
     * @param pathVariable the child's {@code PATH}, or null when it has none
     * @throws ExecException with {@link ExitCode#EXEC_NOT_FOUND} or {@link ExitCode#EXEC_CANNOT_RUN}
     */
    static Path locate(String command, String pathVariable) throws ExecException {
        if (command.isEmpty()) {
            throw new ExecException(ExitCode.EXEC_NOT_FOUND, "the command is an empty string");
        }
        if (command.indexOf('\0') >= 0) {
            throw new ExecException(ExitCode.EXEC_NOT_FOUND, "the command contains a NUL character");
        }
        if (command.contains("/")) {
            Path p = path(command);
            String problem = problem(p);
            if (problem == null) {
                return p;
            }
            throw new ExecException(Files.exists(p) ? ExitCode.EXEC_CANNOT_RUN : ExitCode.EXEC_NOT_FOUND,
                    "cannot run '" + command + "': " + problem);
        }
        String searched = pathVariable == null ? DEFAULT_PATH : pathVariable;
        List<String> notRunnable = new ArrayList<>();
        for (String dir : searched.split(":", -1)) {
            Path candidate = path(dir.isEmpty() ? command : dir + "/" + command);
            if (candidate == null || !Files.exists(candidate) || Files.isDirectory(candidate)) {
                continue;
            }
            String problem = problem(candidate);
            if (problem == null) {
                return candidate;
            }
            notRunnable.add(candidate + " (" + problem + ")");
        }
        if (!notRunnable.isEmpty()) {
            throw new ExecException(ExitCode.EXEC_CANNOT_RUN, "cannot run '" + command + "': found "
                    + String.join(", ", notRunnable));
        }
        throw new ExecException(ExitCode.EXEC_NOT_FOUND, "command '" + command + "' not found in PATH="
                + searched + (pathVariable == null ? " (PATH is not set; this is the default)" : ""));
    }

    private static Path path(String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** Why {@code p} cannot be run, or null when it can. */
    private static String problem(Path p) {
        if (p == null || !Files.exists(p)) {
            return "no such file";
        }
        if (Files.isDirectory(p)) {
            return "it is a directory";
        }
        if (!Files.isRegularFile(p)) {
            return "not a regular file";
        }
        if (!Files.isExecutable(p)) {
            return "not executable";
        }
        return null;
    }
}
