package io.ssmsidecar.reliability;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32;

/**
 * Secret values whose damage is detectable: {@code <canary>|<key>|g=<generation>|<filler>|<crc32>}. A torn, truncated
 * or mixed file fails {@link #parse}; the generation tells old from new. Every value carries {@link LeakWatch#CANARY}.
 */
final class Values {
    private Values() {
    }

    /** One parsed value: which key and generation it was written for. */
    record Parsed(String key, long generation) { }

    static String make(String key, long generation, int fillerLength, RandomGenerator random) {
        StringBuilder b = new StringBuilder(LeakWatch.CANARY).append('|').append(key).append("|g=").append(generation)
                .append('|');
        for (int i = 0; i < fillerLength; i++) {
            b.append((char) ('a' + random.nextInt(26)));
        }
        return b.append('|').append(crc(b.toString())).toString();
    }

    /** The key and generation of {@code text}, or an AssertionError saying how it is damaged. */
    static Parsed parse(String where, String text) {
        int last = text.lastIndexOf('|');
        if (!text.startsWith(LeakWatch.CANARY + "|") || last < 0
                || !text.substring(last + 1).equals(crc(text.substring(0, last + 1)))) {
            throw new AssertionError(where + " is torn or damaged (" + text.length() + " bytes, checksum "
                    + (last < 0 ? "missing" : "wrong") + ")");
        }
        String[] parts = text.split("\\|");
        return new Parsed(parts[1], Long.parseLong(parts[2].substring(2)));
    }

    private static String crc(String s) {
        CRC32 crc = new CRC32();
        crc.update(s.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
