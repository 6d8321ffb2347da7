package io.ssmsidecar.exec;

import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Reaps orphaned grandchildren, which as PID 1 (or as a child subreaper) become this process's children and would stay
 * zombies: the JDK waits only for the processes it started. Each scan lists this process's children in
 * {@code /proc} and reaps, with {@code waitpid(pid, WNOHANG)}, a zombie that was one at the previous scan too and is
 * not a process Java started ({@code owned}): Java's own reaper thread waits on those and takes them at once, so a
 * zombie seen twice is nobody's. Needs {@code waitpid} through the Foreign Function &amp; Memory API (JDK 22+).
 */
final class Reaper {
    private static final Log LOG = Log.get(Reaper.class);

    private final PosixCalls posix;
    private final LongPredicate owned;
    private Set<Long> zombies = Set.of();

    Reaper(PosixCalls posix, LongPredicate owned) {
        this.posix = posix;
        this.owned = owned;
    }

    /**
     * Reaps the zombies seen at the previous scan and remembers the new ones.
     *
     * @return true when zombies are left for the next scan
     */
    boolean scan() {
        Set<Long> now = new HashSet<>();
        ProcessHandle.current().children().forEach(child -> {
            long pid = child.pid();
            if (owned.test(pid) || !isZombie(pid)) {
                return;
            }
            if (!zombies.contains(pid)) {
                now.add(pid);
                return;
            }
            try {
                if (posix.reap(pid)) {
                    LOG.debug("reaped an orphaned process", "pid", pid);
                }
            } catch (Exception e) {
                LOG.warn("cannot reap an orphaned process", "pid", pid, "error", e.getClass().getSimpleName());
            }
        });
        zombies = now;
        return !now.isEmpty();
    }

    static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // pid (comm) STATE ...: comm may hold spaces and parentheses, so read after the last ')'.
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
