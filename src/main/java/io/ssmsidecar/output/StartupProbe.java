package io.ssmsidecar.output;

import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Checks the live file system at start-up, what no check of the settings can know: that the output directory
 * exists (creating what is missing), is a directory on a POSIX file system with symbolic links, is writable, has
 * some space, and, when a uid or gid is set, lets files be handed to them. A probe file proves each step the way
 * a write will take it.
 */
final class StartupProbe {
    private static final Log LOG = Log.get(StartupProbe.class);

    private final OutputOptions options;
    private final Path dir;
    private final Ownership ownership;
    private final RandomGenerator random;

    StartupProbe(OutputOptions options, Ownership ownership, RandomGenerator random) {
        this.options = options;
        this.dir = options.dir();
        this.ownership = ownership;
        this.random = random;
    }

    /**
     * Creates the directory and any missing parent with mode 0755 whatever the umask (under umask 000 mkdir would
     * make them writable by every user). Only what is missing is created, so this changes nothing an owner uses.
     *
     * @throws OutputException when the directory cannot be created, or the path is not a directory
     */
    void createMissing() throws OutputException {
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            requireDirectory();
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            missing.add(0, p);
        }
        try {
            for (Path p : missing) {
                try {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(
                            FileOps.permissions(AtomicSetWriter.DIR_MODE)));
                } catch (FileAlreadyExistsException raced) {
                    continue; // created by someone else meanwhile: not ours to chmod
                }
                Files.setPosixFilePermissions(p, FileOps.permissions(AtomicSetWriter.DIR_MODE));
            }
        } catch (IOException e) {
            String reason = IoReasons.reason(e);
            throw new OutputException("output directory " + dir + " does not exist and cannot be created: "
                    + reason + "; create it or mount a volume there (SIDECAR_OUTPUT_DIR)", e);
        }
    }

    private void requireDirectory() throws OutputException {
        if (!Files.isDirectory(dir)) {
            throw new OutputException("output directory " + dir + " exists but is not a directory;"
                    + " point SIDECAR_OUTPUT_DIR at a directory (mount the volume's directory, not a file)");
        }
    }

    /**
     * Checks the (existing, locked) directory: POSIX file system, a WARN when every user may write it, then the
     * probe file.
     *
     * @throws OutputException naming the directory, the reason and what to do
     */
    void check() throws OutputException {
        FileStore store;
        try {
            store = Files.getFileStore(dir);
        } catch (IOException e) {
            throw new OutputException("output directory " + dir + " cannot be inspected: " + IoReasons.reason(e), e);
        }
        if (!store.supportsFileAttributeView(PosixFileAttributeView.class)) {
            throw new OutputException("output directory " + dir + " is on a " + store.type() + " file system without"
                    + " POSIX permissions; use a Linux volume (tmpfs, ext4, xfs, overlay)");
        }
        warnIfWritableByOthers();
        probe(store);
    }

    /**
     * One WARN when every user may write the directory and it has no sticky bit: any process sharing the volume can
     * then rename, replace or delete the files the app opens. It keeps working: a Kubernetes emptyDir is 0777.
     */
    private void warnIfWritableByOthers() {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(dir, "unix:mode");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return; // no unix view: the sticky bit cannot be read, and a guess would be noise
        }
        if ((mode & 0002) != 0 && (mode & 01000) == 0) {
            LOG.warn("output directory is writable by every user and has no sticky bit: any process that shares the"
                    + " volume can replace or delete the secret files the app reads; mount it only into the sidecar"
                    + " and the app, or chmod it 1777 or 0755", "dir", dir, "mode", FileOps.octal(mode & 07777));
        }
    }

    /** Proves we can create, sync, chmod (and chown) a file and create a symbolic link, the way a write will. */
    private void probe(FileStore store) throws OutputException {
        Path file = dir.resolve(AtomicSetWriter.TMP_PREFIX + "probe." + FileOps.randomDigits(random));
        Path link = dir.resolve(AtomicSetWriter.TMP_PREFIX + "probe." + FileOps.randomDigits(random));
        try {
            FileOps.createPrivate(file, new byte[] {'x'}, true);
            Files.setPosixFilePermissions(file, FileOps.permissions(options.fileMode()));
        } catch (IOException e) {
            FileOps.deleteQuietly(file);
            String reason = IoReasons.reason(e);
            throw new OutputException("output directory " + dir + " is not writable: " + reason
                    + FileOps.withAdvice(reason), e);
        }
        try {
            if (options.uid().isPresent() || options.gid().isPresent()) {
                try {
                    ownership.apply(file, options.uid(), options.gid());
                } catch (IOException e) {
                    throw new OutputException("cannot give files in " + dir + " to " + owner() + ": "
                            + IoReasons.reason(e) + "; run the sidecar as root (or with CAP_CHOWN), or drop"
                            + " SIDECAR_FILE_UID/SIDECAR_FILE_GID and use a volume the app's user can already read"
                            + " (e.g. run the sidecar as that user)", e);
                }
            }
            try {
                Files.createSymbolicLink(link, file.getFileName());
            } catch (IOException | UnsupportedOperationException e) {
                throw new OutputException("output directory " + dir + " (" + store.type() + ") does not support"
                        + " symbolic links, which the atomic swap of the secrets set needs; use a Linux volume", e);
            }
            long usable = store.getUsableSpace();
            if (usable < AtomicSetWriter.SPACE_MARGIN) {
                throw new OutputException("output directory " + dir + " has only " + FileOps.kib(usable)
                        + " KiB free; " + IoReasons.advice("no space"));
            }
        } catch (IOException e) {
            throw new OutputException("output directory " + dir + " cannot be inspected: " + IoReasons.reason(e), e);
        } finally {
            FileOps.deleteQuietly(link);
            FileOps.deleteQuietly(file);
        }
    }

    private String owner() {
        List<String> parts = new ArrayList<>();
        options.uid().ifPresent(u -> parts.add("uid " + u));
        options.gid().ifPresent(g -> parts.add("gid " + g));
        return String.join(" and ", parts);
    }
}
