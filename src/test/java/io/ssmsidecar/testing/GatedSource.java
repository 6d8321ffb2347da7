package io.ssmsidecar.testing;

import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SourceException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real source behind a gate: while shut, each call waits (bounded) until the test opens it; the calls themselves are
 * real. Lets a test hold SSM calls in flight without timing.
 */
public final class GatedSource implements ParameterSource {
    private final ParameterSource real;
    private volatile CountDownLatch gate = new CountDownLatch(0);
    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicInteger waiting = new AtomicInteger();

    public GatedSource(ParameterSource real) {
        this.real = real;
    }

    public void shut() {
        gate = new CountDownLatch(1);
    }

    public void open() {
        gate.countDown();
    }

    public void awaitWaiting(int n) {
        Await.until(() -> waiting.get() >= n, () -> "only " + waiting.get() + " of " + n + " calls arrived");
    }

    @Override
    public FetchResult getParameters(List<String> names) throws SourceException {
        calls.incrementAndGet();
        waiting.incrementAndGet();
        try {
            if (!gate.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the gate was never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            waiting.decrementAndGet();
        }
        return real.getParameters(names);
    }

    @Override
    public List<Parameter> getParametersByPath(String path) throws SourceException {
        return real.getParametersByPath(path);
    }

    @Override
    public void close() {
        real.close();
    }
}
