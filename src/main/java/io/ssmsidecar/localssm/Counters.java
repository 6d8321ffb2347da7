package io.ssmsidecar.localssm;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** How many SSM requests the endpoint received, per operation, and how many it answered with an error or throttled. */
public final class Counters {
    private final ConcurrentHashMap<String, LongAdder> byOperation = new ConcurrentHashMap<>();
    private final LongAdder failed = new LongAdder();
    private final LongAdder throttled = new LongAdder();

    Counters() {
    }

    void received(String operation) {
        byOperation.computeIfAbsent(operation, k -> new LongAdder()).increment();
    }

    void answered(String errorCode) {
        if (errorCode != null) {
            failed.increment();
            if (errorCode.equals("ThrottlingException")) {
                throttled.increment();
            }
        }
    }

    /** Requests received for {@code operation} (e.g. {@code GetParameters}), whatever the answer. */
    public long calls(String operation) {
        LongAdder n = byOperation.get(operation);
        return n == null ? 0 : n.sum();
    }

    /** Requests received for every operation together. */
    public long total() {
        return byOperation.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Requests answered with an error (throttling included). */
    public long failed() {
        return failed.sum();
    }

    /** Requests answered with {@code ThrottlingException}. */
    public long throttled() {
        return throttled.sum();
    }

    /** Calls per operation, sorted by operation name. */
    public Map<String, Long> byOperation() {
        Map<String, Long> copy = new TreeMap<>();
        byOperation.forEach((op, n) -> copy.put(op, n.sum()));
        return copy;
    }

    /** Sets every count back to zero. */
    public void reset() {
        byOperation.clear();
        failed.reset();
        throttled.reset();
    }

    @Override
    public String toString() {
        return "Counters" + byOperation() + " failed=" + failed() + " throttled=" + throttled();
    }
}
