package io.ssmsidecar.output;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Short, human reasons for I/O failures ("No space left on device"), for messages that name the file separately. */
final class IoReasons {
    private IoReasons() {
    }

    private static final Map<Class<? extends IOException>, String> PLAIN = new LinkedHashMap<>();

    static {
        PLAIN.put(AccessDeniedException.class, "permission denied");
        PLAIN.put(NoSuchFileException.class, "no such file or directory");
        PLAIN.put(FileAlreadyExistsException.class, "already exists");
        PLAIN.put(NotDirectoryException.class, "not a directory");
        PLAIN.put(DirectoryNotEmptyException.class, "directory not empty");
        PLAIN.put(NotLinkException.class, "not a symbolic link");
    }

    /** The operating system's reason where it gave one, else a plain description of the exception type. */
    static String reason(IOException e) {
        if (e instanceof FileSystemException fse && fse.getReason() != null && !fse.getReason().isBlank()) {
            return fse.getReason();
        }
        for (Map.Entry<Class<? extends IOException>, String> p : PLAIN.entrySet()) {
            if (p.getKey().isInstance(e)) {
                return p.getValue();
            }
        }
        if (e instanceof FileSystemException || e.getMessage() == null) {
            return e.getClass().getSimpleName();
        }
        // Plain IOExceptions from write/force carry the OS message ("No space left on device") and no content.
        return e.getMessage();
    }

    /** What the operator can do about {@code reason}, or empty. */
    static String advice(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("no space") || r.contains("quota")) {
            return "free space on the volume or give it more (for a tmpfs/emptyDir, raise its size or memory limit)";
        }
        if (r.contains("read-only")) {
            return "mount the volume read-write in the sidecar container";
        }
        if (r.contains("permission") || r.contains("not permitted")) {
            return "let the sidecar's user write the directory (volume ownership, or run the sidecar as that user)";
        }
        return "";
    }
}
