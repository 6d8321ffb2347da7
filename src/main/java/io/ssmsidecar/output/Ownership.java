package io.ssmsidecar.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalInt;

/** Gives a file to a numeric uid and/or gid. An interface so tests can stand in for a kernel that refuses. */
interface Ownership {

    /** Sets the owner and/or group of {@code file} (not following links); an absent id is left unchanged. */
    void apply(Path file, OptionalInt uid, OptionalInt gid) throws IOException;

    /** {@code chown(2)} through the JDK's {@code unix} attribute view (numeric ids, no user database needed). */
    static Ownership posix() {
        return (file, uid, gid) -> {
            if (uid.isPresent()) {
                Files.setAttribute(file, "unix:uid", uid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            }
            if (gid.isPresent()) {
                Files.setAttribute(file, "unix:gid", gid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            }
        };
    }
}
