package io.ssmsidecar.output;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The {@code ..data} swap (the technique of Kubernetes' atomic writer): a set of files is written to a new version
 * directory, {@code ..data} is switched to it by one rename(2), and the stable top-level names link through it:
 * <pre>
 *   DB_PASSWORD -> ..data/DB_PASSWORD        stable top-level names the app opens
 *   ..data      -> ..2024_05_01_12_00_00.123456789    swapped by one rename(2)
 *   ..2024_05_01_12_00_00.123456789/                  the complete current set
 * </pre>
 * Knows nothing of secrets, bundles or settings: it writes the files it is given, each only under a plain name
 * ({@link FileNames}) so nothing lands outside the directory or on the names it reserves. Not thread-safe: the
 * caller serializes writes.
 */
final class AtomicSetWriter {
    static final String DATA = "..data";
    static final String DATA_TMP = "..data_tmp";
    static final String TMP_PREFIX = "..tmp.";
    static final Pattern VERSION_DIR = Pattern.compile("\\.\\.\\d{4}(_\\d{2}){5}\\.\\d{9}");
    /** Free space kept on top of the estimated size of a set before writing it. */
    static final long SPACE_MARGIN = 64 * 1024;
    static final int DIR_MODE = 0755;
    private static final long BLOCK = 4096;
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Path dir;
    private final OptionalInt uid;
    private final OptionalInt gid;
    private final Ownership ownership;
    private final Clock clock;
    private final RandomGenerator random;

    AtomicSetWriter(Path dir, OptionalInt uid, OptionalInt gid, Ownership ownership, Clock clock,
                    RandomGenerator random) {
        this.dir = dir;
        this.uid = uid;
        this.gid = gid;
        this.ownership = ownership;
        this.clock = clock;
        this.random = random;
    }

    /**
     * Writes {@code files} as a new version, swaps {@code ..data} to it, fixes the top-level links (removing those
     * of names no longer in the set) and removes the old versions; returns the new version's name.
     *
     * @throws OutputException naming the file and the reason; the visible files are unchanged (except when only a
     *                         top-level link could not be updated, as the message says)
     */
    String writeSet(List<OutputFile> files) throws OutputException {
        Set<String> names = new LinkedHashSet<>();
        for (OutputFile f : files) {
            FileNames.requirePlain("file name", f.name());
            if (!names.add(f.name())) {
                throw new OutputException("file name " + f.name() + " is twice in the set for " + dir);
            }
            if (Files.isDirectory(dir.resolve(f.name()), LinkOption.NOFOLLOW_LINKS)) {
                throw new OutputException(dir.resolve(f.name()) + " is a directory, so the file " + f.name()
                        + " cannot be written there; remove it");
            }
        }
        requireSpace(files);

        Path version = null;
        Path tmpLink = dir.resolve(DATA_TMP);
        String current = "a new version directory";
        try {
            version = createVersionDir();
            for (OutputFile f : files) {
                current = f.name();
                writeNew(version.resolve(f.name()), f.content(), f.mode(), false);
            }
            // Synced after all are written: on a journalling file system the first sync commits the data of the
            // others too, so a set of N files costs about one commit instead of N (1,000 keys on ext4: ~1 s less).
            for (OutputFile f : files) {
                current = f.name();
                FileOps.fsync(version.resolve(f.name()));
            }
            current = version.getFileName().toString();
            Files.setPosixFilePermissions(version, FileOps.permissions(DIR_MODE));
            FileOps.fsync(version);
            current = DATA;
            Files.deleteIfExists(tmpLink);
            Files.createSymbolicLink(tmpLink, version.getFileName());
            Files.move(tmpLink, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            FileOps.deleteQuietly(tmpLink);
            if (version != null) {
                FileOps.deleteTree(version);
            }
            String reason = IoReasons.reason(e);
            throw new OutputException("cannot write " + current + " in " + dir + ": " + reason
                    + "; the files in use are unchanged" + FileOps.withAdvice(reason), e);
        }

        // The new set is live. Now the stable top-level names, then the old versions.
        try {
            current = DATA;
            FileOps.fsync(dir);
            for (String name : names) {
                current = name;
                linkTopLevel(name);
            }
            current = "of a removed key";
            removeStaleLinks(names);
            FileOps.fsync(dir);
        } catch (IOException e) {
            String reason = IoReasons.reason(e);
            throw new OutputException("the new set is in " + dir.resolve(DATA) + " but the link " + current
                    + " could not be updated: " + reason + FileOps.withAdvice(reason), e);
        }
        String live = version.getFileName().toString();
        LeftoverCleaner.removeOldVersions(dir, live);
        return live;
    }

    /**
     * Writes one regular file at the top of the directory atomically (temp file in the same directory, write,
     * fsync, mode, owner, rename). The caller has checked that {@code name} is not one of the set's.
     *
     * @throws OutputException naming the file and the reason; an existing file is then unchanged
     */
    void writeFile(String name, byte[] content, int mode) throws OutputException {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(TMP_PREFIX + name + "." + FileOps.randomDigits(random));
        try {
            writeNew(tmp, content, mode, true);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            FileOps.fsync(dir);
        } catch (IOException e) {
            FileOps.deleteQuietly(tmp);
            String reason = IoReasons.reason(e);
            throw new OutputException("cannot write " + target + ": " + reason + "; the previous file is unchanged"
                    + FileOps.withAdvice(reason), e);
        }
    }

    /** Whether {@code p} is a top-level link into {@code ..data}, i.e. a name of the set. */
    static boolean pointsIntoData(Path p) {
        if (!Files.isSymbolicLink(p)) {
            return false;
        }
        try {
            Path t = Files.readSymbolicLink(p);
            return t.getNameCount() == 2 && t.getName(0).toString().equals(DATA) && !t.isAbsolute();
        } catch (IOException e) {
            return false;
        }
    }

    private void requireSpace(List<OutputFile> files) throws OutputException {
        long need = SPACE_MARGIN + BLOCK;
        for (OutputFile f : files) {
            need += Math.max(1, (f.content().length + BLOCK - 1) / BLOCK) * BLOCK;
        }
        long usable;
        try {
            usable = Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new OutputException("cannot read the free space of " + dir + ": " + IoReasons.reason(e), e);
        }
        if (usable < need) {
            throw new OutputException("not enough space in " + dir + " for the new set of " + files.size()
                    + " files: it needs about " + FileOps.kib(need) + " KiB and " + FileOps.kib(usable)
                    + " KiB are free; the files in use are unchanged; " + IoReasons.advice("no space"));
        }
    }

    private Path createVersionDir() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path version = dir.resolve(".." + STAMP.format(clock.instant()) + "." + FileOps.randomDigits(random));
            try {
                return Files.createDirectory(version, PosixFilePermissions.asFileAttribute(FileOps.permissions(0700)));
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 4) {
                    throw e;
                }
            }
        }
    }

    /**
     * Creates {@code file} (which must not exist) readable only by us, writes it fully, syncs it unless the caller
     * syncs it later ({@link FileOps#fsync}), sets mode and owner.
     */
    private void writeNew(Path file, byte[] content, int mode, boolean sync) throws IOException {
        FileOps.createPrivate(file, content, sync);
        Files.setPosixFilePermissions(file, FileOps.permissions(mode));
        if (uid.isPresent() || gid.isPresent()) {
            ownership.apply(file, uid, gid);
        }
    }

    /** Makes {@code <dir>/name} a link to {@code ..data/name}, replacing whatever file was there in one rename. */
    private void linkTopLevel(String name) throws IOException {
        Path link = dir.resolve(name);
        Path target = Path.of(DATA, name);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return;
        }
        Path tmp = dir.resolve(TMP_PREFIX + FileOps.randomDigits(random));
        Files.createSymbolicLink(tmp, target);
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            FileOps.deleteQuietly(tmp);
            throw e;
        }
    }

    private void removeStaleLinks(Set<String> names) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (pointsIntoData(p) && !names.contains(p.getFileName().toString())) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
