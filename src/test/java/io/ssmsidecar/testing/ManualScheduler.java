package io.ssmsidecar.testing;

import io.ssmsidecar.schedule.Scheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A scheduler on virtual time: tasks run on the test's thread when it calls {@link #advance(Duration)} or
 * {@link #runDue()}, in due order, with the {@link ManualClock} set to each task's due time. No test sleeps.
 */
public final class ManualScheduler implements Scheduler {
    private final ManualClock clock;
    private final PriorityQueue<Entry> queue = new PriorityQueue<>(
            Comparator.comparing((Entry e) -> e.due).thenComparingLong(e -> e.seq));
    private long seq;
    private boolean closed;

    private static final class Entry {
        final Instant due;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Entry(Instant due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }
    }

    public ManualScheduler(ManualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized Task schedule(Runnable task, Duration delay) {
        Entry e = new Entry(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task);
        if (!closed) {
            queue.add(e);
        }
        return () -> {
            synchronized (ManualScheduler.this) {
                e.cancelled = true;
                queue.remove(e);
            }
        };
    }

    /** Runs every task due now (including ones they schedule for now). Returns how many ran. */
    public int runDue() {
        return advanceTo(clock.instant());
    }

    /** Moves time forward by {@code d}, running each task at its due time. Returns how many ran. */
    public int advance(Duration d) {
        return advanceTo(clock.instant().plus(d));
    }

    /** Moves time to {@code target}, running each due task at its due time. */
    public int advanceTo(Instant target) {
        int ran = 0;
        while (true) {
            Entry next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due.isAfter(target)) {
                    break;
                }
                queue.poll();
            }
            if (next.due.isAfter(clock.instant())) {
                clock.set(next.due);
            }
            if (!next.cancelled) {
                next.task.run();
                ran++;
            }
        }
        if (target.isAfter(clock.instant())) {
            clock.set(target);
        }
        return ran;
    }

    /** The virtual time: the clock's instant in nanoseconds (tests step a separate wall clock, if they need one). */
    @Override
    public long nanoTime() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** When the next task is due, or null. */
    public synchronized Instant nextDue() {
        Entry e = queue.peek();
        return e == null ? null : e.due;
    }

    public synchronized List<Instant> pending() {
        List<Instant> out = new ArrayList<>();
        queue.forEach(e -> out.add(e.due));
        out.sort(null);
        return out;
    }

    @Override
    public synchronized void close() {
        closed = true;
        queue.clear();
    }
}
