package io.ssmsidecar.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition another thread or process brings about, polling with a deadline (never a fixed sleep). */
public final class Await {
    private Await() {
    }

    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout.toSeconds() + "s: " + failure.get());
            }
            LockSupport.parkNanos(2_000_000);
        }
    }

    public static void until(BooleanSupplier condition, Supplier<String> failure) {
        until(Duration.ofSeconds(30), condition, failure);
    }
}
