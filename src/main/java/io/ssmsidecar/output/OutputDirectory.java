package io.ssmsidecar.output;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The output directory: writes every secret as its own file plus the bundles and rendered templates, as one set
 * that changes atomically (the {@code ..data} technique of Kubernetes' atomic writer):
 * <pre>
 *   DB_PASSWORD -> ..data/DB_PASSWORD        stable top-level names the app opens
 *   app.env     -> ..data/app.env
 *   ..data      -> ..2024_05_01_12_00_00.123456789    swapped by one rename(2)
 *   ..2024_05_01_12_00_00.123456789/                  the complete current set
 * </pre>
 * A reader opening {@code <dir>/NAME} sees the complete old set or the complete new set, never a mix or a torn
 * file. When a write fails (disk full, read-only volume, permissions), the visible files stay as they were, the
 * partial set is removed, and an {@link OutputException} names the file and the reason. Thread-safe: writes are
 * serialized. One process owns a directory at a time ({@link DirectoryLock}, {@code <dir>/.lock}) from
 * {@link #open} to {@link #close}.
 */
public final class OutputDirectory implements AutoCloseable {
    private static final Log LOG = Log.get(OutputDirectory.class);

    static final String DATA = "..data";
    static final String DATA_TMP = "..data_tmp";
    static final String TMP_PREFIX = "..tmp.";
    static final Pattern VERSION_DIR = Pattern.compile("\\.\\.\\d{4}(_\\d{2}){5}\\.\\d{9}");
    /** Free space kept on top of the estimated size of a set before writing it. */
    static final long SPACE_MARGIN = 64 * 1024;
    private static final long BLOCK = 4096;
    private static final int DIR_MODE = 0755;
    private static final int TEMP_MODE = 0600;
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    private record BundleOut(BundleFormat format, String file, int mode) { }

    private record TemplateOut(Template template, String file, int mode) { }

    /** One file of a set, rendered and ready to write. */
    private record OutputFile(String name, byte[] content, int mode) { }

    private final OutputOptions options;
    private final Path dir;
    private final Metrics metrics;
    private final Clock clock;
    private final Ownership ownership;
    private final RandomGenerator random;
    private final List<BundleOut> bundles;
    private final List<TemplateOut> templates;
    private DirectoryLock lock;

    private OutputDirectory(OutputOptions options, Metrics metrics, Clock clock, Ownership ownership,
                            RandomGenerator random, List<BundleOut> bundles, List<TemplateOut> templates) {
        this.options = options;
        this.dir = options.dir();
        this.metrics = metrics;
        this.clock = clock;
        this.ownership = ownership;
        this.random = random;
        this.bundles = List.copyOf(bundles);
        this.templates = List.copyOf(templates);
    }

    /**
     * Checks the options and the directory at start-up and removes what a crashed earlier run left behind.
     * The directory must exist or be creatable, be a directory on a POSIX file system with symbolic links, be
     * writable and, when a uid or gid is set, allow handing files to them. Bundles and templates are parsed here.
     * The directory is locked for this process before anything in it is touched; {@link #close} releases it.
     *
     * @throws OutputDirectoryInUseException when another process owns the directory; nothing was changed
     * @throws OutputException naming the directory, file, bundle or template, the reason and what to do
     */
    public static OutputDirectory open(OutputOptions options, Metrics metrics) throws OutputException {
        return open(options, metrics, Clock.systemUTC(), Ownership.posix());
    }

    static OutputDirectory open(OutputOptions options, Metrics metrics, Clock clock, Ownership ownership)
            throws OutputException {
        requireMode("SIDECAR_FILE_MODE", options.fileMode());
        Set<String> names = new LinkedHashSet<>();
        List<BundleOut> bundles = new ArrayList<>();
        for (Settings.Bundle b : options.bundles()) {
            BundleFormat format = BundleFormat.of(b.kind());
            requireMode("the mode of bundle " + b.file(), b.mode());
            claim(names, "bundle file", b.file());
            bundles.add(new BundleOut(format, b.file(), b.mode()));
        }
        List<TemplateOut> templates = new ArrayList<>();
        for (Settings.Template t : options.templates()) {
            requireMode("the mode of template " + t.dest(), t.mode());
            claim(names, "template destination", t.dest());
            templates.add(new TemplateOut(Template.load(t.source()), t.dest(), t.mode()));
        }
        OutputDirectory out = new OutputDirectory(options, metrics, clock, ownership, new SecureRandom(),
                bundles, templates);
        out.createMissing();
        out.lock = DirectoryLock.acquire(out.dir);
        try {
            out.checkDirectory();
            out.removeLeftovers();
        } catch (OutputException | RuntimeException e) {
            out.close();
            throw e;
        }
        LOG.info("output directory ready", "dir", out.dir, "bundles", bundles.size(), "templates", templates.size(),
                "mode", octal(options.fileMode()));
        return out;
    }

    private static void requireMode(String what, int mode) throws OutputException {
        if (mode < 0 || mode > 0777) {
            throw new OutputException(what + " must be an octal file mode from 0000 to 0777, got " + octal(mode));
        }
    }

    private static void claim(Set<String> names, String what, String name) throws OutputException {
        FileNames.requirePlain(what, name);
        if (!names.add(name)) {
            throw new OutputException(what + " " + name + " is written by two bundles or templates; give each its own name");
        }
    }

    /** The output directory. */
    public Path path() {
        return dir;
    }

    /** Gives up ownership of the directory (the files stay); later writes are not allowed. Idempotent. */
    @Override
    public synchronized void close() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    /**
     * Writes every secret of {@code snapshot} as its own file, plus every bundle and template, as one new set and
     * swaps it in atomically; top-level names of keys no longer present are removed. Everything is rendered and
     * checked (names, env names, templates' keys, encodable values, free space) before the disk is touched.
     * Counts one {@link Metrics#fileWrite} per call.
     *
     * @throws OutputException naming the key, file or template and the reason; the visible files are unchanged
     *                         (except when only a top-level link could not be updated, as the message says)
     */
    public synchronized void write(Snapshot snapshot) throws OutputException {
        try {
            List<OutputFile> files = render(snapshot);
            String version = writeSet(files);
            LOG.info("secrets written", "dir", dir, "files", files.size(), "keys", snapshot.size(),
                    "generation", snapshot.change(), "version", version);
            metrics.fileWrite(true);
        } catch (OutputException e) {
            metrics.fileWrite(false);
            LOG.warn("secrets not written", "dir", dir, "reason", e.getMessage());
            throw e;
        }
    }

    /**
     * Writes one regular file at the top of the directory atomically (temp file in the same directory, write,
     * fsync, mode, owner, rename), e.g. the API token file {@code .token}. A name may start with one dot.
     *
     * @throws OutputException naming the file and the reason; an existing file is then unchanged
     */
    public synchronized void writeFile(String name, byte[] content, int mode) throws OutputException {
        try {
            requireMode("the mode of " + name, mode);
            String plain = name.startsWith(".") ? name.substring(1) : name;
            if (!FileNames.isPlain(plain)) {
                FileNames.requirePlain("file name", name);
            }
            if (bundles.stream().anyMatch(b -> b.file().equals(name)) || templates.stream().anyMatch(t -> t.file().equals(name))
                    || pointsIntoData(dir.resolve(name)) || name.equals(DirectoryLock.NAME)) {
                throw new OutputException("file name " + name + " in " + dir + " is already used by the secrets set");
            }
            Path target = dir.resolve(name);
            Path tmp = dir.resolve(TMP_PREFIX + name + "." + randomDigits());
            try {
                writeNew(tmp, content, mode, true);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                fsync(dir);
            } catch (IOException e) {
                deleteQuietly(tmp);
                String reason = IoReasons.reason(e);
                throw new OutputException("cannot write " + target + ": " + reason + "; the previous file is unchanged"
                        + withAdvice(reason), e);
            }
            metrics.fileWrite(true);
        } catch (OutputException e) {
            metrics.fileWrite(false);
            throw e;
        }
    }

    // ---- rendering ----

    private List<OutputFile> render(Snapshot snapshot) throws OutputException {
        Map<String, SecretValue> values = new LinkedHashMap<>();
        List<OutputFile> files = new ArrayList<>();
        for (Map.Entry<String, Secret> e : snapshot.secrets().entrySet()) {
            String key = e.getKey();
            FileNames.requirePlain("key", key);
            for (BundleOut b : bundles) {
                if (b.file().equals(key)) {
                    throw new OutputException("key " + key + " and the " + b.format().kind() + " bundle would both be"
                            + " written to " + dir.resolve(key) + "; rename the bundle file");
                }
            }
            for (TemplateOut t : templates) {
                if (t.file().equals(key)) {
                    throw new OutputException("key " + key + " and template " + t.template().source() + " would both"
                            + " be written to " + dir.resolve(key) + "; rename the template destination");
                }
            }
            values.put(key, e.getValue().value());
            files.add(new OutputFile(key, e.getValue().value().utf8(), options.fileMode()));
        }
        for (BundleOut b : bundles) {
            try {
                files.add(new OutputFile(b.file(), b.format().render(values), b.mode()));
            } catch (OutputException e) {
                throw new OutputException(b.format().kind() + " bundle " + b.file() + ": " + e.getMessage());
            }
        }
        for (TemplateOut t : templates) {
            files.add(new OutputFile(t.file(), t.template().render(values), t.mode()));
        }
        return files;
    }

    // ---- writing a set ----

    /** Writes {@code files} as a new version, swaps {@code ..data} to it, fixes the links; returns the version name. */
    private String writeSet(List<OutputFile> files) throws OutputException {
        Set<String> names = new LinkedHashSet<>();
        for (OutputFile f : files) {
            names.add(f.name());
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
                fsync(version.resolve(f.name()));
            }
            current = version.getFileName().toString();
            Files.setPosixFilePermissions(version, permissions(DIR_MODE));
            fsync(version);
            current = DATA;
            Files.deleteIfExists(tmpLink);
            Files.createSymbolicLink(tmpLink, version.getFileName());
            Files.move(tmpLink, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmpLink);
            if (version != null) {
                deleteTree(version);
            }
            String reason = IoReasons.reason(e);
            throw new OutputException("cannot write " + current + " in " + dir + ": " + reason
                    + "; the files in use are unchanged" + withAdvice(reason), e);
        }

        // The new set is live. Now the stable top-level names, then the old versions.
        try {
            current = DATA;
            fsync(dir);
            for (String name : names) {
                current = name;
                linkTopLevel(name);
            }
            current = "of a removed key";
            removeStaleLinks(names);
            fsync(dir);
        } catch (IOException e) {
            String reason = IoReasons.reason(e);
            throw new OutputException("the new set is in " + dir.resolve(DATA) + " but the link " + current
                    + " could not be updated: " + reason + withAdvice(reason), e);
        }
        String live = version.getFileName().toString();
        forEachEntry(p -> {
            String n = p.getFileName().toString();
            if (VERSION_DIR.matcher(n).matches() && !n.equals(live)) {
                deleteTree(p);
            }
        });
        return live;
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
                    + " files: it needs about " + kib(need) + " KiB and " + kib(usable) + " KiB are free;"
                    + " the files in use are unchanged; " + IoReasons.advice("no space"));
        }
    }

    private Path createVersionDir() throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path version = dir.resolve(".." + STAMP.format(clock.instant()) + "." + randomDigits());
            try {
                return Files.createDirectory(version,
                        PosixFilePermissions.asFileAttribute(permissions(0700)));
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 4) {
                    throw e;
                }
            }
        }
    }

    /**
     * Creates {@code file} (which must not exist) readable only by us, writes it fully, syncs it unless the caller
     * syncs it later ({@link #fsync}), sets mode and owner.
     */
    private void writeNew(Path file, byte[] content, int mode, boolean sync) throws IOException {
        try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(permissions(TEMP_MODE)))) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (sync) {
                ch.force(true);
            }
        }
        Files.setPosixFilePermissions(file, permissions(mode));
        if (options.uid().isPresent() || options.gid().isPresent()) {
            ownership.apply(file, options.uid(), options.gid());
        }
    }

    /** Makes {@code <dir>/name} a link to {@code ..data/name}, replacing whatever file was there in one rename. */
    private void linkTopLevel(String name) throws IOException {
        Path link = dir.resolve(name);
        Path target = Path.of(DATA, name);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
            return;
        }
        Path tmp = dir.resolve(TMP_PREFIX + randomDigits());
        Files.createSymbolicLink(tmp, target);
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
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

    private static boolean pointsIntoData(Path p) {
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

    // ---- start-up checks and cleanup ----

    /**
     * Creates the directory and any missing parent with mode 0755 whatever the umask (under umask 000 mkdir would
     * make them writable by every user). Only what is missing is created, so this changes nothing an owner uses.
     */
    private void createMissing() throws OutputException {
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
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(permissions(DIR_MODE)));
                } catch (FileAlreadyExistsException raced) {
                    continue; // created by someone else meanwhile: not ours to chmod
                }
                Files.setPosixFilePermissions(p, permissions(DIR_MODE));
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

    private void checkDirectory() throws OutputException {
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
                    + " and the app, or chmod it 1777 or 0755", "dir", dir, "mode", octal(mode & 07777));
        }
    }

    /** Proves we can create, sync, chmod (and chown) a file and create a symbolic link, the way a write will. */
    private void probe(FileStore store) throws OutputException {
        Path file = dir.resolve(TMP_PREFIX + "probe." + randomDigits());
        Path link = dir.resolve(TMP_PREFIX + "probe." + randomDigits());
        try {
            try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    permissions(TEMP_MODE)))) {
                ch.write(ByteBuffer.wrap(new byte[] {'x'}));
                ch.force(true);
            }
            Files.setPosixFilePermissions(file, permissions(options.fileMode()));
        } catch (IOException e) {
            deleteQuietly(file);
            String reason = IoReasons.reason(e);
            throw new OutputException("output directory " + dir + " is not writable: " + reason + withAdvice(reason), e);
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
            if (usable < SPACE_MARGIN) {
                throw new OutputException("output directory " + dir + " has only " + kib(usable) + " KiB free; "
                        + IoReasons.advice("no space"));
            }
        } catch (IOException e) {
            throw new OutputException("output directory " + dir + " cannot be inspected: " + IoReasons.reason(e), e);
        } finally {
            deleteQuietly(link);
            deleteQuietly(file);
        }
    }

    private String owner() {
        List<String> parts = new ArrayList<>();
        options.uid().ifPresent(u -> parts.add("uid " + u));
        options.gid().ifPresent(g -> parts.add("gid " + g));
        return String.join(" and ", parts);
    }

    /**
     * Removes what a crashed earlier write may have left: the {@code ..data_tmp} link, temp files, versions that
     * {@code ..data} does not point to, and top-level links into {@code ..data} whose file is gone.
     */
    private void removeLeftovers() throws OutputException {
        String live = null;
        Path data = dir.resolve(DATA);
        try {
            if (Files.isSymbolicLink(data)) {
                live = Files.readSymbolicLink(data).toString();
            }
        } catch (IOException e) {
            throw new OutputException("cannot read " + data + ": " + IoReasons.reason(e), e);
        }
        String current = live;
        int[] removed = {0};
        forEachEntry(p -> {
            String n = p.getFileName().toString();
            boolean leftover = n.equals(DATA_TMP) || n.startsWith(TMP_PREFIX)
                    || (VERSION_DIR.matcher(n).matches() && !n.equals(current))
                    || (pointsIntoData(p) && !Files.exists(p));
            if (leftover) {
                deleteTree(p);
                removed[0]++;
            }
        });
        if (removed[0] > 0) {
            LOG.info("removed leftovers of an interrupted write", "dir", dir, "entries", removed[0]);
        }
    }

    // ---- small helpers ----

    private interface EntryAction {
        void accept(Path entry);
    }

    /** Applies {@code action} to each entry of the directory; a listing failure is logged, not thrown. */
    private void forEachEntry(EntryAction action) {
        List<Path> all = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(all::add);
        } catch (IOException e) {
            LOG.warn("cannot list output directory", "dir", dir, "reason", IoReasons.reason(e));
        }
        all.forEach(action::accept);
    }

    /** Deletes {@code root} and, if it is a real directory, everything below it; failures are logged. */
    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot remove old output", "path", root, "reason", IoReasons.reason(e));
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("cannot remove temp file", "path", p, "reason", IoReasons.reason(e));
        }
    }

    /** Syncs a file or directory (its entries) to the device. */
    private static void fsync(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE, high bit first
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                set.add(bits[i]);
            }
        }
        return set;
    }

    private String randomDigits() {
        return String.format(Locale.ROOT, "%09d", random.nextInt(1_000_000_000));
    }

    private static String withAdvice(String reason) {
        String advice = IoReasons.advice(reason);
        return advice.isEmpty() ? "" : "; " + advice;
    }

    private static long kib(long bytes) {
        return (bytes + 1023) / 1024;
    }

    private static String octal(int mode) {
        return mode < 0 ? Integer.toString(mode) : String.format(Locale.ROOT, "%04o", mode);
    }
}
