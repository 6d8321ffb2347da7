package io.ssmsidecar.source;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret's plain text. It never prints itself: {@link #toString()} is a fixed mask, so a value
 * that slips into a log line, an exception message or a record's {@code toString()} stays hidden.
 * Call {@link #reveal()} only where the value is delivered (a file, an HTTP body, a child's env).
 */
public final class SecretValue {
    private static final String MASK = "****";
    private final String value;

    private SecretValue(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public static SecretValue of(String value) {
        return new SecretValue(value);
    }

    /** The plain text. Every caller is a delivery point; never log what this returns. */
    public String reveal() {
        return value;
    }

    public byte[] utf8() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    public int length() {
        return value.length();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretValue other
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
