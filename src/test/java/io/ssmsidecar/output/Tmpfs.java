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
    private boolean readOnlyOnTop;

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

    /**
     * {@code ro} stacks a read-only bind mount of the volume on itself, {@code rw} removes it again: a plain
     * {@code remount,ro} is refused (EBUSY) while the sidecar holds its lock file open for writing, but every path
     * the sidecar opens resolves through the top mount, so to it the volume is read-only all the same.
     */
    public void remount(String options) throws Exception {
        String mount = ExternalTools.require("mount", "mount");
        if (options.equals("ro")) {
            if (!readOnlyOnTop) {
                ExternalTools.runOk(at.getParent(), List.of(mount, "--bind", at.toString(), at.toString()));
                readOnlyOnTop = true;
            }
            ExternalTools.runOk(at.getParent(), List.of(mount, "-o", "remount,bind,ro", at.toString()));
        } else if (options.equals("rw") && readOnlyOnTop) {
            ExternalTools.runOk(at.getParent(), List.of(ExternalTools.require("umount", "mount"), at.toString()));
            readOnlyOnTop = false;
        } else {
            ExternalTools.runOk(at.getParent(), List.of(mount, "-o", "remount," + options, at.toString()));
        }
    }

    /** Lazily ({@code -l}): an output directory still open in the test (its lock file) must not keep it mounted. */
    public void unmount() throws Exception {
        String umount = ExternalTools.require("umount", "mount");
        if (readOnlyOnTop) {
            ExternalTools.runOk(at.getParent(), List.of(umount, "-l", at.toString()));
            readOnlyOnTop = false;
        }
        ExternalTools.runOk(at.getParent(), List.of(umount, "-l", at.toString()));
    }
}
