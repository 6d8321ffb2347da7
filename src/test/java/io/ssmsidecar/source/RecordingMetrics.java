package io.ssmsidecar.source;

import io.ssmsidecar.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/** Keeps every {@link Metrics#ssmCall} as "operation outcome"; the rest is ignored. */
final class RecordingMetrics implements Metrics {
    final List<String> ssmCalls = new CopyOnWriteArrayList<>();

    @Override
    public void ssmCall(String operation, String outcome, Duration latency) {
        if (latency.isNegative()) {
            throw new AssertionError("negative latency " + latency);
        }
        ssmCalls.add(operation + " " + outcome);
    }

    @Override
    public void secretsLoaded(int count) {
    }

    @Override
    public void refreshCompleted(boolean success, Instant at) {
    }

    @Override
    public void oldestValueAge(Supplier<Duration> age) {
    }

    @Override
    public void fileWrite(boolean success) {
    }

    @Override
    public void httpRequest(String route, int status, Duration duration) {
    }

    @Override
    public void notification(String channel, boolean success) {
    }
}
