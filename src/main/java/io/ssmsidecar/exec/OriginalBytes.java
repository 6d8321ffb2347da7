package io.ssmsidecar.exec;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes the kernel gave this process as environment and arguments, so they can be passed on unchanged.
 * Java decodes both with the locale's charset: under the POSIX locale (no {@code LANG}, as in many images) every
 * non-ASCII byte becomes U+FFFD, and re-encoding the Java strings would corrupt them. A Java string is swapped for its
 * original bytes only when decoding those bytes gives back exactly that string. Linux only ({@code /proc/self});
 * elsewhere, and for values this wrapper made up itself (secrets), strings are encoded as UTF-8.
 */
final class OriginalBytes {
    private final Map<String, byte[]> environment;
    private final List<byte[]> arguments;
    private final List<Charset> charsets;

    OriginalBytes(byte[] environ, byte[] cmdline, List<Charset> charsets) {
        this.charsets = List.copyOf(charsets);
        this.environment = new HashMap<>();
        for (byte[] entry : split(environ)) {
            int eq = indexOf(entry, (byte) '=');
            if (eq > 0) {
                for (Charset cs : this.charsets) {
                    environment.putIfAbsent(new String(entry, 0, eq, cs), entry);
                }
            }
        }
        this.arguments = split(cmdline);
    }

    /** This process's bytes from {@code /proc/self}, or none when they cannot be read. */
    static OriginalBytes ofThisProcess() {
        List<Charset> charsets = new ArrayList<>();
        charsets.add(Charset.defaultCharset());
        try {
            charsets.add(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
        } catch (RuntimeException e) {
            // An unknown charset name: the default charset alone decides.
        }
        return new OriginalBytes(read(Path.of("/proc/self/environ")), read(Path.of("/proc/self/cmdline")), charsets);
    }

    /** {@code KEY=VALUE} as bytes: the original ones if the process was started with exactly this variable. */
    byte[] variable(String key, String value) {
        byte[] original = environment.get(key);
        if (original != null) {
            int eq = indexOf(original, (byte) '=');
            for (Charset cs : charsets) {
                if (new String(original, 0, eq, cs).equals(key)
                        && new String(original, eq + 1, original.length - eq - 1, cs).equals(value)) {
                    return original;
                }
            }
        }
        return (key + "=" + value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * {@code tail} as bytes: the original ones where {@code tail} is the end of this process's command line (it is,
     * for the command after {@code exec [flags] --}, since the launcher passes main's arguments last).
     */
    List<byte[]> argumentTail(List<String> tail) {
        List<byte[]> out = new ArrayList<>(tail.size());
        int offset = arguments.size() - tail.size();
        for (int i = 0; i < tail.size(); i++) {
            byte[] original = offset + i >= 0 ? arguments.get(offset + i) : null;
            out.add(original != null && decodesTo(original, tail.get(i)) ? original
                    : tail.get(i).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private boolean decodesTo(byte[] bytes, String expected) {
        for (Charset cs : charsets) {
            if (new String(bytes, cs).equals(expected)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException | RuntimeException e) {
            return new byte[0];
        }
    }

    /** NUL-separated strings, as the kernel lays out environ and cmdline. */
    static List<byte[]> split(byte[] block) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= block.length; i++) {
            if (i == block.length || block[i] == 0) {
                if (i > start || i < block.length) {
                    out.add(Arrays.copyOfRange(block, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
