package io.ssmsidecar.output;

import io.ssmsidecar.metrics.Metrics;
import java.util.concurrent.atomic.AtomicInteger;

/** Metrics that count file writes and ignore everything else. */
final class CountingMetrics implements Metrics {
    final AtomicInteger writesOk = new AtomicInteger();
    final AtomicInteger writesFailed = new AtomicInteger();

    @Override
    public void fileWrite(boolean success) {
        (success ? writesOk : writesFailed).incrementAndGet();
    }
}
