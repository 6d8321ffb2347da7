package io.ssmsidecar.output;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.store.Snapshot;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;

/**
 * The output directory: writes every secret as its own file plus the bundles and rendered templates, as one set
 * that changes atomically, so a reader opening {@code <dir>/NAME} sees the complete old set or the complete new
 * set, never a mix or a torn file. When a write fails (disk full, read-only volume, permissions), the visible
 * files stay as they were, the partial set is removed, and an {@link OutputException} names the file and the
 * reason. Thread-safe: writes are serialized. One process owns a directory at a time ({@link DirectoryLock},
 * {@code <dir>/.lock}) from {@link #open} to {@link #close}.
 *
 * <p>The facade of four parts: {@link SetRenderer} (what files a snapshot becomes), {@link AtomicSetWriter} (the
 * {@code ..data} swap), {@link StartupProbe} and {@link LeftoverCleaner} (the live directory at start-up). The
 * options come from settings the config {@code Validator} checked; only the file system is checked here.
 */
public final class OutputDirectory implements AutoCloseable {
    private static final Log LOG = Log.get(OutputDirectory.class);

    private final Path dir;
    private final Metrics metrics;
    private final SetRenderer renderer;
    private final AtomicSetWriter writer;
    private DirectoryLock lock;

    private OutputDirectory(Path dir, Metrics metrics, SetRenderer renderer, AtomicSetWriter writer) {
        this.dir = dir;
        this.metrics = metrics;
        this.renderer = renderer;
        this.writer = writer;
    }

    /**
     * Prepares the directory at start-up and removes what a crashed earlier run left behind. The templates are
     * read and parsed first; then the directory must exist or be creatable, be a directory on a POSIX file system
     * with symbolic links, be writable and, when a uid or gid is set, allow handing files to them. The directory
     * is locked for this process before anything in it is touched; {@link #close} releases it.
     *
     * @throws OutputConfigException naming a template that cannot be read or parsed; nothing was touched
     * @throws OutputDirectoryInUseException when another process owns the directory; nothing was changed
     * @throws OutputException naming the directory, file or template, the reason and what to do
     */
    public static OutputDirectory open(OutputOptions options, Metrics metrics) throws OutputException {
        return open(options, metrics, Clock.systemUTC(), Ownership.posix());
    }

    static OutputDirectory open(OutputOptions options, Metrics metrics, Clock clock, Ownership ownership)
            throws OutputException {
        SetRenderer renderer = SetRenderer.load(options);
        SecureRandom random = new SecureRandom();
        StartupProbe probe = new StartupProbe(options, ownership, random);
        probe.createMissing();
        OutputDirectory out = new OutputDirectory(options.dir(), metrics, renderer,
                new AtomicSetWriter(options.dir(), options.uid(), options.gid(), ownership, clock, random));
        out.lock = DirectoryLock.acquire(out.dir);
        try {
            probe.check();
            LeftoverCleaner.removeLeftovers(out.dir);
        } catch (OutputException | RuntimeException e) {
            out.close();
            throw e;
        }
        LOG.info("output directory ready", "dir", out.dir, "bundles", renderer.bundleCount(),
                "templates", renderer.templateCount(), "mode", FileOps.octal(options.fileMode()));
        return out;
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
     * Why {@code value} of {@code key} cannot be written to these outputs (a binary secret and an env, dotenv or
     * properties bundle), naming the key and the bundle, never the value; null when it can.
     */
    public String cannotCarry(String key, io.ssmsidecar.source.SecretValue value) {
        return renderer.cannotCarry(key, value);
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
            requireLock();
            List<OutputFile> files = renderer.render(snapshot);
            String version = writer.writeSet(files);
            LOG.info("secrets written", "dir", dir, "files", files.size(), "keys", snapshot.size(),
                    "generation", snapshot.change(), "version", version);
            metrics.fileWrite(true);
        } catch (OutputException e) {
            metrics.fileWrite(false);
            LOG.warn("secrets not written", "dir", dir, "reason", e.getMessage());
            throw e;
        }
    }

    private void requireLock() throws OutputException {
        if (lock == null) {
            throw new OutputException("output directory " + dir + " was given up (closed); nothing was written");
        }
        lock.requireStillHeld();
    }

    /**
     * Writes one regular file at the top of the directory atomically (temp file in the same directory, write,
     * fsync, mode, owner, rename), e.g. the API token file {@code .token}. A name may start with one dot; it may
     * not be a name of the secrets set or the lock file.
     *
     * @throws OutputException naming the file and the reason; an existing file is then unchanged
     */
    public synchronized void writeFile(String name, byte[] content, int mode) throws OutputException {
        try {
            String plain = name.startsWith(".") ? name.substring(1) : name;
            if (!FileNames.isPlain(plain)) {
                FileNames.requirePlain("file name", name);
            }
            if (renderer.writes(name) || AtomicSetWriter.pointsIntoData(dir.resolve(name))
                    || name.equals(DirectoryLock.NAME)) {
                throw new OutputException("file name " + name + " in " + dir + " is already used by the secrets set");
            }
            requireLock();
            writer.writeFile(name, content, mode);
            metrics.fileWrite(true);
        } catch (OutputException e) {
            metrics.fileWrite(false);
            throw e;
        }
    }
}
