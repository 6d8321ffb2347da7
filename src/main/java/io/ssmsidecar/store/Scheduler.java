package io.ssmsidecar.store;

import java.time.Duration;

/**
 * Runs delayed tasks one at a time on one thread. Production uses {@link #system(String)}; tests use a manual
 * scheduler that runs due tasks when they advance a fake clock, so no test sleeps.
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task that can be cancelled. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} after {@code delay} on the scheduler's thread. */
    Task schedule(Runnable task, Duration delay);

    /** Stops the thread; pending tasks are dropped, a running one finishes. */
    @Override
    void close();

    /** One named daemon thread backed by a {@link java.util.concurrent.ScheduledThreadPoolExecutor}. */
    static Scheduler system(String threadName) {
        return new SystemScheduler(threadName);
    }
}
