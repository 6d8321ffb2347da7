package io.ssmsidecar.store;

import static io.ssmsidecar.store.ResolverTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 2: nothing a cycle throws stops the refresh loop. A source and a writer (the engine's listener) that
 * throw, once and repeatedly, an unchecked exception or an {@link OutOfMemoryError}: the next cycle still comes, the
 * failure is logged once by its class and counted as a failed refresh, and readiness recovers with the first cycle
 * (or manual refresh) that succeeds. Virtual time, real SDK against the local endpoint, no sleeps.
 */
class RefreshLoopSurvivesTest {
    private static final Duration INTERVAL = Duration.ofMinutes(5);
    /** Put in every thrown message: it must never reach the log. */
    private static final String LEAK = "db-v1-in-a-message";

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final AtomicInteger sourceThrows = new AtomicInteger();
    private final AtomicInteger writerThrows = new AtomicInteger();
    private Supplier<Throwable> thrown = () -> new IllegalStateException(LEAK);
    private final AtomicInteger successes = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger written = new AtomicInteger();
    /** Throws that escaped the engine's task into the scheduler. */
    private final AtomicInteger escaped = new AtomicInteger();
    private LocalWire wire;
    private SnapshotStore store;
    private RefreshEngine engine;
    private CapturedLog log;

    @BeforeEach
    void start() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO);
        wire = LocalWire.start(clock);
        store = new SnapshotStore(clock);
        wire.ssm.put("/app/db", "db-v1", "SecureString");
    }

    @AfterEach
    void stop() {
        assertThat(escaped.get()).as("throws that escaped the engine into its scheduler").isZero();
        if (engine != null) {
            engine.close();
        }
        wire.close();
        log.close();
    }

    /** The wire's source, throwing {@link #thrown} while {@link #sourceThrows} is above 0. */
    private final class ThrowingSource implements ParameterSource {
        @Override
        public FetchResult getParameters(List<String> names) throws SourceException {
            maybeThrow(sourceThrows);
            return wire.source.getParameters(names);
        }

        @Override
        public List<Parameter> getParametersByPath(String path) throws SourceException {
            maybeThrow(sourceThrows);
            return wire.source.getParametersByPath(path);
        }

        @Override
        public void close() {
        }
    }

    private void maybeThrow(AtomicInteger remaining) {
        if (remaining.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            Throwable t = thrown.get();
            if (t instanceof Error e) {
                throw e;
            }
            throw (RuntimeException) t;
        }
    }

    private void startEngine() {
        Metrics metrics = new Metrics() {
            @Override
            public void refreshCompleted(boolean success, Instant at) {
                (success ? successes : failures).incrementAndGet();
            }
        };
        engine = new RefreshEngine(List.of(ref("DB", "ssm:///app/db")), new Resolver(new ThrowingSource(), clock),
                store, likeTheSystemScheduler(), clock, new SplittableRandom(1), RefreshEngine.Options.of(INTERVAL, Optional.empty()),
                (snapshot, changed, complete) -> {
                    maybeThrow(writerThrows);
                    if (complete) {
                        written.incrementAndGet();
                    }
                    return true;
                }, metrics);
        engine.start();
        scheduler.runDue();
    }

    /**
     * The manual scheduler, swallowing what a task throws as the system scheduler does in production (a throw that
     * reached the test would hide what the engine does next: nothing, before this fix).
     */
    private Scheduler likeTheSystemScheduler() {
        return new Scheduler() {
            @Override
            public Task schedule(Runnable task, Duration delay) {
                return scheduler.schedule(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        escaped.incrementAndGet();
                    }
                }, delay);
            }

            @Override
            public long nanoTime() {
                return scheduler.nanoTime();
            }

            @Override
            public void close() {
                scheduler.close();
            }
        };
    }

    private String value() {
        return store.current().get("DB").map(s -> s.value().reveal()).orElse(null);
    }

    private long errorLines() {
        return log.text().lines().filter(l -> l.contains("refresh cycle failed") && l.contains("ERROR")).count();
    }

    private void assertLoggedByClassOnly(String className) {
        assertThat(log.text()).contains(className).doesNotContain(LEAK);
        assertThat(errorLines()).as(log.text()).isEqualTo(1);
    }

    @Test
    void sourceThrowingOnce_inSteadyState_theNextCycleStillComes_andCountsAFailure() {
        startEngine();
        assertThat(engine.readiness().ready()).isTrue();
        sourceThrows.set(1);

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2)); // the cycle that throws
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        scheduler.advance(INTERVAL.multipliedBy(2));

        assertThat(value()).as("a rotation after the throw arrives").isEqualTo("db-v2");
        assertThat(failures.get()).isEqualTo(1);
        assertThat(successes.get()).isGreaterThanOrEqualTo(2);
        assertThat(scheduler.nextDue()).as("a next cycle is scheduled").isNotNull();
        assertThat(engine.readiness().ready()).isTrue();
        assertLoggedByClassOnly("java.lang.IllegalStateException");
    }

    @Test
    void sourceThrowingOutOfMemory_repeatedly_isRetriedWithBackoff_andRecoversWhenItStops() {
        startEngine();
        thrown = () -> new OutOfMemoryError(LEAK);
        sourceThrows.set(6);

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));
        // Six failed cycles in a row, each retried with backoff (1 s doubling), well before the next interval.
        scheduler.advance(Duration.ofMinutes(2));
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        scheduler.advance(INTERVAL.multipliedBy(2));

        assertThat(sourceThrows.get()).isZero();
        assertThat(failures.get()).isEqualTo(6);
        assertThat(value()).isEqualTo("db-v2");
        assertThat(engine.readiness().ready()).isTrue();
        assertLoggedByClassOnly("java.lang.OutOfMemoryError");
    }

    @Test
    void sourceThrowingDuringTheFirstLoad_readinessRecovers_withTheNextCycle() {
        sourceThrows.set(1);
        startEngine();

        assertThat(value()).isNull();
        assertThat(engine.readiness().ready()).isFalse();
        assertThat(engine.readiness().reason()).as("not stuck in the first load").doesNotContain("initial load");
        assertThat(failures.get()).isEqualTo(1);
        assertThat(successes.get()).isZero();

        scheduler.advance(Duration.ofSeconds(2)); // the first retry is within the backoff's first step

        assertThat(value()).isEqualTo("db-v1");
        assertThat(written.get()).isEqualTo(1);
        assertThat(engine.readiness().ready()).isTrue();
        assertLoggedByClassOnly("java.lang.IllegalStateException");
    }

    @Test
    void sourceThrowingDuringTheFirstLoad_aManualRefresh_makesItReady() {
        sourceThrows.set(1);
        startEngine();
        assertThat(engine.readiness().ready()).isFalse();

        engine.requestRefresh();
        scheduler.runDue();

        assertThat(engine.readiness().ready()).isTrue();
        assertThat(written.get()).isEqualTo(1);
    }

    @Test
    void writerThrowingOutOfMemory_once_isAFailedRefresh_andTheNextCycleWritesTheChange() {
        startEngine();
        thrown = () -> new OutOfMemoryError(LEAK);
        writerThrows.set(1);
        wire.ssm.put("/app/db", "db-v2", "SecureString");
        int successesBefore = successes.get();

        scheduler.advance(INTERVAL.multipliedBy(3).dividedBy(2));

        assertThat(failures.get()).as("a cycle whose writer threw is not a success").isEqualTo(1);
        assertThat(written.get()).as("the change is written by the retry").isEqualTo(2);
        assertThat(successes.get()).isGreaterThan(successesBefore);
        assertThat(scheduler.nextDue()).isNotNull();
        assertThat(log.text()).contains("java.lang.OutOfMemoryError").doesNotContain(LEAK);
    }

    @Test
    void writerThrowing_repeatedlyFromTheFirstLoad_becomesReady_whenItStops() {
        writerThrows.set(5);
        startEngine();
        assertThat(engine.readiness().ready()).isFalse();

        scheduler.advance(Duration.ofMinutes(1));

        assertThat(writerThrows.get()).isZero();
        assertThat(written.get()).isEqualTo(1);
        assertThat(engine.readiness().ready()).isTrue();
        assertThat(log.text()).contains("java.lang.IllegalStateException").doesNotContain(LEAK);
    }
}
