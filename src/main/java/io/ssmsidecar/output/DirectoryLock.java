package io.ssmsidecar.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive ownership of an output directory for the life of a process: an OS lock ({@code fcntl}, via
 * {@link FileChannel#tryLock()}) on {@code <dir>/.lock}, which holds the owner's pid. The kernel drops the lock when
 * the owner exits in any way, kill -9 included, so a stale file never blocks a restart. The file lives inside the
 * directory because the directory is the one place the sidecar is sure to be able to write (its parent is often a
 * read-only root file system); apps see a small file holding a number, never a secret, and the writer never cleans it.
 */
final class DirectoryLock implements AutoCloseable {
    static final String NAME = ".lock";
    /**
     * Lock files held by this JVM. POSIX locks belong to the process, so a second channel in the same JVM could not
     * be refused by the OS, and closing it would drop the first owner's lock: this set refuses it before any open.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;
    /** The held file's identity (device and inode): the path must still name it before every write. */
    private final Object heldKey;

    private DirectoryLock(Path file, Path path, FileChannel channel, FileLock lock, Object heldKey) {
        this.file = file;
        this.path = path;
        this.channel = channel;
        this.lock = lock;
        this.heldKey = heldKey;
    }

    /**
     * Checks that {@code <dir>/.lock} still names the file this process holds: after {@code mv .lock elsewhere} a
     * second sidecar could take the directory with a new lock file, and both would write.
     *
     * @throws OutputException when the path names another file or none; nothing should be written then
     */
    void requireStillHeld() throws OutputException {
        Object now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            now = null;
        }
        if (now == null || !now.equals(heldKey)) {
            throw new OutputException("lock file " + path + " is no longer the one this process holds (moved, removed"
                    + " or replaced); nothing was written, to leave the directory to whichever sidecar owns it now."
                    + " Restart this sidecar");
        }
    }

    /**
     * The identity of {@code file} when it is a regular file with one link, or null when it does not exist.
     *
     * @throws OutputException when it is anything else: a hard link to another file would be truncated and get a pid
     */
    private static Object plainFileKey(Path file) throws OutputException {
        BasicFileAttributes attrs;
        int links;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            links = (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new OutputException("lock file " + file + " cannot be inspected: "
                    + (e instanceof IOException io ? IoReasons.reason(io) : e.getClass().getSimpleName()), e);
        }
        if (!attrs.isRegularFile()) {
            throw new OutputException("lock file " + file + " is not a regular file (a symbolic link, directory or"
                    + " device); remove it and start again");
        }
        if (links != 1) {
            throw new OutputException("lock file " + file + " has " + links + " hard links, so it is also another"
                    + " file; remove it and start again");
        }
        return attrs.fileKey();
    }

    /**
     * Takes the lock of {@code dir} (an existing directory) without waiting, and records this process's pid in it.
     *
     * @throws OutputDirectoryInUseException when another owner holds it: naming the directory and the holder's pid
     * @throws OutputException               when the lock file cannot be opened or locked (e.g. a read-only volume)
     */
    static DirectoryLock acquire(Path dir) throws OutputException {
        Path file = dir.resolve(NAME);
        Path key;
        try {
            key = dir.toRealPath().resolve(NAME);
        } catch (IOException e) {
            throw new OutputException("output directory " + dir + " cannot be inspected: " + IoReasons.reason(e), e);
        }
        if (!HELD.add(key)) {
            throw inUse(dir, ProcessHandle.current().pid() + ", this process");
        }
        FileChannel channel = null;
        try {
            plainFileKey(file);
        } catch (OutputException e) {
            HELD.remove(key);
            throw e;
        }
        try {
            // No TRUNCATE before the lock is ours: the holder's pid must survive a refused attempt. NOFOLLOW: a
            // link planted at .lock must not make us create or lock a file elsewhere.
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(FileOps.permissions(0644)));
            FileLock lock = channel.tryLock();
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                HELD.remove(key);
                throw inUse(dir, holder);
            }
            // Checked again now that the file is open and locked: the path checked before the open could have
            // been swapped for a link meanwhile. Only then is it truncated.
            Object held;
            try {
                held = plainFileKey(file);
            } catch (OutputException e) {
                closeQuietly(channel);
                HELD.remove(key);
                throw e;
            }
            if (held == null) {
                closeQuietly(channel);
                HELD.remove(key);
                throw new OutputException("lock file " + file + " was removed while it was being locked; start again");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new DirectoryLock(key, file, channel, lock, held);
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            HELD.remove(key);
            String reason = e instanceof IOException io ? IoReasons.reason(io) : "locked by this process";
            String advice = IoReasons.advice(reason);
            throw new OutputException("lock file " + file + " of output directory " + dir + " cannot be opened: "
                    + reason + (advice.isEmpty() ? "" : "; " + advice), e);
        }
    }

    private static OutputDirectoryInUseException inUse(Path dir, String holder) {
        return new OutputDirectoryInUseException("output directory " + dir + " is in use by another ssm-sidecar"
                + " (pid " + holder + "); nothing was changed. Run one sidecar per output directory: stop the other"
                + " one or give this one its own SIDECAR_OUTPUT_DIR");
    }

    /** The pid written in the lock file, or "unknown" when it holds none (a holder that is still starting). */
    private static String holder(FileChannel channel) {
        try {
            ByteBuffer buf = ByteBuffer.allocate(24);
            channel.read(buf, 0);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
            return text.matches("\\d{1,19}") ? text : "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Closing releases the lock; nothing more can be done.
            }
        }
    }

    /** Releases the lock; the file stays (removing it would race with a next owner that already opened it). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel below releases it anyway.
        }
        closeQuietly(channel);
        HELD.remove(file);
    }
}
