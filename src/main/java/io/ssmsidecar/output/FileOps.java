package io.ssmsidecar.output;

import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/** The small file-system steps the writer, the start-up probe and the cleaner share. */
final class FileOps {
    private static final Log LOG = Log.get(FileOps.class);

    private FileOps() {
    }

    /** Applies {@code action} to each entry of {@code dir}; a listing failure is logged, not thrown. */
    static void forEachEntry(Path dir, Consumer<Path> action) {
        List<Path> all = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(all::add);
        } catch (IOException e) {
            LOG.warn("cannot list output directory", "dir", dir, "reason", IoReasons.reason(e));
        }
        all.forEach(action);
    }

    /** Deletes {@code root} and, if it is a real directory, everything below it; failures are logged. */
    static void deleteTree(Path root) {
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

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.debug("cannot remove temp file", "path", p, "reason", IoReasons.reason(e));
        }
    }

    /**
     * Creates {@code file}, which must not exist, readable only by us (0600: nobody reads it before it is complete
     * and has its own mode), and writes {@code content} fully; syncs it when {@code sync}.
     */
    static void createPrivate(Path file, byte[] content, boolean sync) throws IOException {
        try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(permissions(0600)))) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (sync) {
                ch.force(true);
            }
        }
    }

    /** Syncs a file or directory (its entries) to the device. */
    static void fsync(Path path) throws IOException {
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

    /** Nine random digits, so temp and version names of concurrent or crashed writers do not collide. */
    static String randomDigits(RandomGenerator random) {
        return String.format(Locale.ROOT, "%09d", random.nextInt(1_000_000_000));
    }

    /** "; advice" for an I/O failure reason, or nothing when there is no advice. */
    static String withAdvice(String reason) {
        String advice = IoReasons.advice(reason);
        return advice.isEmpty() ? "" : "; " + advice;
    }

    static long kib(long bytes) {
        return (bytes + 1023) / 1024;
    }

    static String octal(int mode) {
        return mode < 0 ? Integer.toString(mode) : String.format(Locale.ROOT, "%04o", mode);
    }
}
