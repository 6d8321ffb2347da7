package io.ssmsidecar.output;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
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
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
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
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new DirectoryLock(key, channel, lock);
        } catch (IOException | OverlappingFileLockException e) {
            closeQuietly(channel);
            HELD.remove(key);
            String reason = e instanceof IOException io ? IoReasons.reason(io) : "locked by this process";
            String advice = IoReasons.advice(reason);
            throw new OutputException("output directory " + dir + " is not writable: " + reason
                    + (advice.isEmpty() ? " (opening its lock file " + file + ")" : "; " + advice), e);
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
