package io.ssmsidecar.output;

import io.ssmsidecar.metrics.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Metrics that count file writes and ignore everything else. */
final class CountingMetrics implements Metrics {
    final AtomicInteger writesOk = new AtomicInteger();
    final AtomicInteger writesFailed = new AtomicInteger();

    @Override
    public void fileWrite(boolean success) {
        (success ? writesOk : writesFailed).incrementAndGet();
    }

    @Override
    public void ssmCall(String operation, String outcome, Duration latency) {
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
    public void httpRequest(String route, int status, Duration duration) {
    }

    @Override
    public void notification(String channel, boolean success) {
    }
}
