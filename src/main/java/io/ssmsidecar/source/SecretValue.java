package io.ssmsidecar.source;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret's plain text. It never prints itself: {@link #toString()} is a fixed mask, so a value
 * that slips into a log line, an exception message or a record's {@code toString()} stays hidden.
 * Call {@link #reveal()} only where the value is delivered (a file, an HTTP body, a child's env).
 * A Secrets Manager {@code SecretBinary} is a binary value ({@link #isBinary()}): {@link #utf8()} gives its raw
 * bytes (what a file receives) and {@link #reveal()} its base64 text (what a JSON API carries, as AWS does).
 */
public final class SecretValue {
    private static final String MASK = "****";
    private final String value;
    private final byte[] binary;

    private SecretValue(String value, byte[] binary) {
        this.value = Objects.requireNonNull(value, "value");
        this.binary = binary;
    }

    public static SecretValue of(String value) {
        return new SecretValue(value, null);
    }

    /** A binary value (Secrets Manager's {@code SecretBinary}); the bytes are copied. */
    public static SecretValue ofBinary(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new SecretValue(java.util.Base64.getEncoder().encodeToString(copy), copy);
    }

    /** True for a binary value: its text form ({@link #reveal()}) is base64. */
    public boolean isBinary() {
        return binary != null;
    }

    /** The plain text (for a binary value, its bytes in base64). Every caller is a delivery point; never log it. */
    public String reveal() {
        return value;
    }

    /** The bytes to deliver: the text in UTF-8, or a binary value's raw bytes. */
    public byte[] utf8() {
        return binary != null ? binary.clone() : value.getBytes(StandardCharsets.UTF_8);
    }

    public int length() {
        return value.length();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretValue other && isBinary() == other.isBinary()
                && MessageDigest.isEqual(utf8(), other.utf8());
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return MASK;
    }
}
