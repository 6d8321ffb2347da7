package io.ssmsidecar.output;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A small tmpfs mounted for one test, to make a real volume run out of space or turn read-only. Mounting needs
 * root: as another user the test is skipped with that reason (CI runs as root, so there it always runs).
 */
public final class Tmpfs {
    private final Path at;

    private Tmpfs(Path at) {
        this.at = at;
    }

    public static boolean isRoot() throws Exception {
        return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    /** Mounts a tmpfs with {@code options} (e.g. {@code size=1m,nr_inodes=64}) at {@code at}. */
    public static Tmpfs mount(Path at, String options) throws Exception {
        assumeTrue(isRoot(), "mounting a tmpfs to fill or freeze a volume needs root; run the tests as root (CI does)");
        Files.createDirectories(at);
        ExternalTools.runOk(at.getParent(), List.of(ExternalTools.require("mount", "mount"),
                "-t", "tmpfs", "-o", options, "tmpfs", at.toString()));
        return new Tmpfs(at);
    }

    public Path path() {
        return at;
    }

    public void remount(String options) throws Exception {
        ExternalTools.runOk(at.getParent(), List.of(ExternalTools.require("mount", "mount"),
                "-o", "remount," + options, at.toString()));
    }

    public void unmount() throws Exception {
        ExternalTools.runOk(at.getParent(), List.of(ExternalTools.require("umount", "mount"), at.toString()));
    }
}
