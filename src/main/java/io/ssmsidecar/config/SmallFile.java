package io.ssmsidecar.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the small files settings point at (config file, token file), with reasons fit for a message. */
final class SmallFile {
    private SmallFile() {
    }

    /**
     * The file's bytes.
     *
     * @throws IOException whose {@link #reason} says why, never quoting the content
     */
    static byte[] read(Path path, int maxBytes) throws IOException {
        if (Files.isDirectory(path)) {
            throw new Refused("it is a directory");
        }
        // Opening a FIFO with no writer blocks for ever: refuse anything but a regular file before opening it.
        if (!Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class).isRegularFile()) {
            throw new Refused("it is not a regular file (a FIFO or a device)");
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new Refused("it is larger than " + maxBytes + " bytes");
            }
            return bytes;
        }
    }

    /** Why reading failed, e.g. "it does not exist" or "permission denied". */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "it does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof Refused) {
            return e.getMessage();
        }
        return "it cannot be read (" + e.getClass().getSimpleName() + ")";
    }

    /** A file this class will not read; the message is the reason. */
    private static final class Refused extends IOException {
        Refused(String reason) {
            super(reason);
        }
    }
}
