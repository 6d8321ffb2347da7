package io.ssmsidecar.http;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition another thread brings about, with a deadline instead of a sleep. */
final class Await {
    private Await() {
    }

    static void until(BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            Thread.onSpinWait();
        }
    }

    static void waiting(ApiServer server, int n) {
        until(() -> server.waitingRequests() == n, () -> server.waitingRequests() + " long-polls waiting, expected " + n);
    }
}
