package io.ssmsidecar.testing;

import io.ssmsidecar.metrics.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Metrics that record what tests check: every {@link Metrics#ssmCall} as "operation outcome" (a negative latency
 * fails the test) and file writes by outcome. Everything else keeps the interface's no-op default.
 */
public final class RecordingMetrics implements Metrics {
    public final List<String> ssmCalls = new CopyOnWriteArrayList<>();
    public final AtomicInteger writesOk = new AtomicInteger();
    public final AtomicInteger writesFailed = new AtomicInteger();

    @Override
    public void ssmCall(String operation, String outcome, Duration latency) {
        if (latency.isNegative()) {
            throw new AssertionError("negative latency " + latency);
        }
        ssmCalls.add(operation + " " + outcome);
    }

    @Override
    public void fileWrite(boolean success) {
        (success ? writesOk : writesFailed).incrementAndGet();
    }
}
