package io.ssmsidecar.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

enum NoopMetrics implements Metrics {
    INSTANCE;

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
    public void fileWrite(boolean success) {
    }

    @Override
    public void httpRequest(String route, int status, Duration duration) {
    }

    @Override
    public void notification(String channel, boolean success) {
    }
}
