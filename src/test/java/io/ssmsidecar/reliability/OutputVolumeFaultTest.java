package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.output.Tmpfs;
import io.ssmsidecar.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output volume (a real tmpfs, mounted by the test as root) turns read-only or fills up while the running sidecar
 * refreshes a rotated value: the files the app reads stay the old complete set, the failure shows in the metrics and
 * the log, HTTP already serves the new value, and the files catch up by themselves once the volume is usable again.
 */
@ExtendWith(LeakWatch.class)
class OutputVolumeFaultTest {
    private static final int KEYS = 4;

    @TempDir
    Path tmp;
    private Tmpfs volume;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private final SplittableRandom random = new SplittableRandom(4);

    @BeforeEach
    void start() throws Exception {
        volume = Tmpfs.mount(tmp.resolve("vol"), "size=1m");
        ssm = LocalSsm.start();
        rotate(1, 100);
        Map<String, String> refs = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            refs.put("K" + i, "ssm:///vol/k" + i);
        }
        sidecar = InProcessSidecar.start(ssm, volume.path(), refs, "--bundles", "env:app.env");
        sidecar.awaitReady();
    }

    @AfterEach
    void stop() throws Exception {
        if (sidecar != null) {
            sidecar.close();
        }
        ssm.close();
        if (volume != null) {
            volume.remount("rw");
            volume.unmount();
        }
    }

    private void rotate(long generation, int size) {
        for (int i = 0; i < KEYS; i++) {
            ssm.put("/vol/k" + i, Values.make("K" + i, generation, size, random), "SecureString");
        }
    }

    @Test
    void volumeTurnsReadOnlyDuringARefresh_oldFilesStay_errorIsReported_andFilesCatchUpWhenWritable() throws Exception {
        Snapshot before = snapshot();
        volume.remount("ro");
        rotate(2, 100);
        sidecar.sidecar.requestRefresh();
        Await.until(Duration.ofSeconds(30), () -> failedWrites() >= 1, () -> "a failed write in the metrics");
        // The metric counts the failure before the sidecar logs it: wait for the log line too.
        Await.until(Duration.ofSeconds(30), () -> LeakWatch.logText().contains("writing the output files failed"),
                () -> "the failed write in the log");
        Await.until(Duration.ofSeconds(30), () -> httpGeneration("K0") == 2, () -> "HTTP to serve the new value");

        assertThat(snapshot()).as("the files the app reads are the old set, unchanged").isEqualTo(before);
        assertThat(LeakWatch.logText()).contains("writing the output files failed; the previous files are intact")
                .contains("Read-only file system");
        long failuresWhileReadOnly = (long) failedWrites();

        volume.remount("rw");
        Await.until(Duration.ofSeconds(30), () -> fileGeneration("K0") == 2 && fileGeneration("K3") == 2,
                () -> "the files to catch up");
        assertThat(sidecar.file("app.env")).contains("|g=2|");
        record("output-read-only", failuresWhileReadOnly);
    }

    @Test
    void volumeFullDuringARefresh_oldFilesStay_errorIsReported_andFilesCatchUpWhenSpaceReturns() throws Exception {
        Snapshot before = snapshot();
        Path ballast = tmp.resolve("vol").resolve("ballast");
        long free = Files.getFileStore(volume.path()).getUsableSpace();
        Files.write(ballast, new byte[(int) Math.max(0, free - 16 * 1024)]);
        rotate(2, 3000);
        sidecar.sidecar.requestRefresh();
        Await.until(Duration.ofSeconds(30), () -> failedWrites() >= 1, () -> "a failed write in the metrics");
        // The metric counts the failure before the sidecar logs it: wait for the log line too.
        Await.until(Duration.ofSeconds(30), () -> LeakWatch.logText().contains("writing the output files failed"),
                () -> "the failed write in the log");

        assertThat(snapshot()).as("the files the app reads are the old set, unchanged").isEqualTo(before);
        assertThat(LeakWatch.logText()).contains("writing the output files failed; the previous files are intact")
                .contains("not enough space");
        long failuresWhileFull = (long) failedWrites();

        Files.delete(ballast);
        Await.until(Duration.ofSeconds(30), () -> fileGeneration("K0") == 2 && fileGeneration("K3") == 2,
                () -> "the files to catch up");
        record("output-full", failuresWhileFull);
    }

    private record Snapshot(String live, Map<String, String> files) { }

    private Snapshot snapshot() throws Exception {
        Map<String, String> files = new LinkedHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            files.put("K" + i, sidecar.file("K" + i));
        }
        files.put("app.env", sidecar.file("app.env"));
        return new Snapshot(sidecar.liveVersion(), files);
    }

    private double failedWrites() {
        return InProcessSidecar.counter(sidecar.metrics.scrape(), "ssm_sidecar_file_writes_total", "result=\"failure\"");
    }

    private long httpGeneration(String key) {
        try {
            return Values.parse("HTTP", sidecar.http.get("/v1/secrets/" + key).body()).generation();
        } catch (Exception e) {
            return -1;
        }
    }

    private long fileGeneration(String key) {
        try {
            return Values.parse("file", sidecar.file(key)).generation();
        } catch (Exception e) {
            return -1;
        }
    }

    private void record(String scenario, long failures) {
        // The write counter moves just after the swap the test saw.
        Await.until(Duration.ofSeconds(10), () -> InProcessSidecar.counter(sidecar.metrics.scrape(),
                "ssm_sidecar_file_writes_total", "result=\"success\"") >= 2, () -> "the successful write counted");
        String scrape = sidecar.scrape();
        Figures.record(scenario, "failed set writes while the volume was unusable (retried every ~1 s)", failures);
        Figures.record(scenario, "files changed while unusable", 0);
        Figures.record(scenario, "ssm_sidecar_file_writes_total at the end", "success "
                + (long) InProcessSidecar.counter(scrape, "ssm_sidecar_file_writes_total", "result=\"success\"")
                + ", failure " + (long) InProcessSidecar.counter(scrape, "ssm_sidecar_file_writes_total",
                "result=\"failure\""));
    }
}
