package io.ssmsidecar.reliability;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline instead of a sleep. Between checks it parks for a few milliseconds: the
 * conditions here cost an HTTP request or a directory listing, and spinning on them would starve the process under
 * test on a 2-core machine. The condition, never the time, ends the wait.
 */
final class Await {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    private Await() {
    }

    /** Polls {@code condition} until it holds; fails naming {@code what} when {@code timeout} passes first. */
    static void until(Duration timeout, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + "s waiting for " + what);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
