package io.ssmsidecar.output;

import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Removes what the {@link AtomicSetWriter} no longer needs: leftovers of a crashed write, old versions. */
final class LeftoverCleaner {
    private static final Log LOG = Log.get(LeftoverCleaner.class);

    private LeftoverCleaner() {
    }

    /**
     * At start-up, removes what a crashed earlier write may have left in {@code dir}: the {@code ..data_tmp} link,
     * temp files, versions that {@code ..data} does not point to, and top-level links into {@code ..data} whose
     * file is gone. The live set and every other file stay.
     *
     * @throws OutputException when {@code ..data} cannot be read (nothing was removed)
     */
    static void removeLeftovers(Path dir) throws OutputException {
        String live = null;
        Path data = dir.resolve(AtomicSetWriter.DATA);
        try {
            if (Files.isSymbolicLink(data)) {
                live = Files.readSymbolicLink(data).toString();
            }
        } catch (IOException e) {
            throw new OutputException("cannot read " + data + ": " + IoReasons.reason(e), e);
        }
        String current = live;
        int[] removed = {0};
        FileOps.forEachEntry(dir, p -> {
            String n = p.getFileName().toString();
            boolean leftover = n.equals(AtomicSetWriter.DATA_TMP) || n.startsWith(AtomicSetWriter.TMP_PREFIX)
                    || (isVersion(n) && !n.equals(current))
                    || (AtomicSetWriter.pointsIntoData(p) && !Files.exists(p));
            if (leftover) {
                FileOps.deleteTree(p);
                removed[0]++;
            }
        });
        if (removed[0] > 0) {
            LOG.info("removed leftovers of an interrupted write", "dir", dir, "entries", removed[0]);
        }
    }

    /** After a swap, removes every version directory in {@code dir} but {@code live}; failures are logged. */
    static void removeOldVersions(Path dir, String live) {
        FileOps.forEachEntry(dir, p -> {
            String n = p.getFileName().toString();
            if (isVersion(n) && !n.equals(live)) {
                FileOps.deleteTree(p);
            }
        });
    }

    private static boolean isVersion(String name) {
        return AtomicSetWriter.VERSION_DIR.matcher(name).matches();
    }
}
