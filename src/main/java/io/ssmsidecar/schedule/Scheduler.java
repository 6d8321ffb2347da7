package io.ssmsidecar.schedule;

import java.time.Duration;

/**
 * Runs delayed tasks one at a time on one thread. Production uses {@link #system(String)}; tests use a manual
 * scheduler that runs due tasks when they advance a fake clock, so no test sleeps.
 *
 * <p>Who closes a scheduler: whoever created it, and only they. {@code Sidecar} creates the daemon's schedulers and
 * closes them in its own {@code close()}, after the components that use them; a one-shot command or a test closes
 * what it made. A component handed a scheduler ({@code RefreshEngine}, {@code ChangeNotifier},
 * {@code OnDemandFetcher}) never closes it: its {@code close()} cancels its own pending tasks, so one scheduler may
 * serve many components (as a test's fleet of engines shares one).
 */
public interface Scheduler extends AutoCloseable {

    /** A scheduled task that can be cancelled. */
    interface Task {
        void cancel();
    }

    /** Runs {@code task} after {@code delay} on the scheduler's thread. */
    Task schedule(Runnable task, Duration delay);

    /**
     * The monotonic time, in nanoseconds from an arbitrary origin, that this scheduler measures delays on: what
     * schedules compare against, so a wall clock stepped back or forward moves no refresh. {@link System#nanoTime()}
     * by default; a test scheduler returns its virtual time.
     */
    default long nanoTime() {
        return System.nanoTime();
    }

    /** Stops the thread; pending tasks are dropped, a running one finishes. */
    @Override
    void close();

    /** One named daemon thread backed by a {@link java.util.concurrent.ScheduledThreadPoolExecutor}. */
    static Scheduler system(String threadName) {
        return new SystemScheduler(threadName);
    }
}
