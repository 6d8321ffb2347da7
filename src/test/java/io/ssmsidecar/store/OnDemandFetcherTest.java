package io.ssmsidecar.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.SourceException;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.GatedSource;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.ManualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The on-demand fetcher against the real SDK and the local SSM endpoint, with a gate in front of the source so a test
 * decides when a call may proceed (the calls themselves are real), a manual clock for the not-found memory and a
 * manual scheduler for the bounded wait.
 */
class OnDemandFetcherTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(1);

    private final ManualClock clock = new ManualClock();
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final PrometheusMetrics metrics = PrometheusMetrics.create();
    private LocalWire wire;
    private GatedSource gated;
    private OnDemandFetcher fetcher;

    @BeforeEach
    void start() {
        wire = LocalWire.start(clock);
        gated = new GatedSource(wire.source);
    }

    @AfterEach
    void stop() {
        gated.open();
        if (fetcher != null) {
            fetcher.close();
        }
        wire.close();
    }

    private OnDemandFetcher fetcher(int calls, int queue) {
        fetcher = new OnDemandFetcher(gated, new OnDemandFetcher.Options(calls, queue, WAIT, TTL), clock, scheduler,
                metrics);
        return fetcher;
    }

    private long ssmCalls() {
        return wire.ssm.counters().calls("GetParameters");
    }

    @Test
    void concurrentFetchesOfOneName_shareOneCall() throws Exception {
        wire.ssm.put("/od/shared", "value-1", "SecureString");
        fetcher(4, 32);
        gated.shut();

        List<CompletableFuture<Parameter>> fetches = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fetches.add(fetcher.fetch("/od/shared"));
        }
        gated.awaitWaiting(1);
        assertThat(fetcher.inFlight()).isEqualTo(1);
        gated.open();

        for (CompletableFuture<Parameter> f : fetches) {
            assertThat(f.get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("value-1");
        }
        assertThat(gated.calls.get()).isEqualTo(1);
        assertThat(ssmCalls()).isEqualTo(1);
    }

    @Test
    void bypassFetchesOfOneName_throughTheCache_shareOneCall_andRefreshTheCachedValue() throws Exception {
        wire.ssm.put("/od/cached", "v1", "SecureString");
        OnDemandCache cache = new OnDemandCache(wire.source, fetcher(4, 32), List.of("/od/"), 10);
        assertThat(cache.get("/od/cached", false).get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("v1");
        wire.ssm.put("/od/cached", "v2", "SecureString");
        gated.shut();

        List<CompletableFuture<Parameter>> refreshNow = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            refreshNow.add(cache.get("/od/cached", true));
        }
        gated.awaitWaiting(1);
        gated.open();

        for (CompletableFuture<Parameter> f : refreshNow) {
            assertThat(f.get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("v2");
        }
        assertThat(gated.calls.get()).isEqualTo(2);
        assertThat(cache.get("/od/cached", false).get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("v2");
        assertThat(gated.calls.get()).as("a cache hit calls nothing").isEqualTo(2);
    }

    @Test
    void anAllowedName_coversArnsOfTheTasksOwnAccountOnly() throws Exception {
        wire.ssm.put("/shared/x", "own-account-value", "SecureString");
        OnDemandCache cache = new OnDemandCache(wire.source, fetcher(4, 32), List.of("/shared/"), 10);
        String own = "arn:aws:ssm:" + wire.ssm.region() + ":" + wire.ssm.accountId() + ":parameter/shared/x";
        String foreign = "arn:aws:ssm:us-east-1:999999999999:parameter/shared/x";

        boolean ownBeforeKnown = cache.allowed(own);
        Throwable foreignRefused = catchThrowable(() -> cache.get(foreign, false).get(10, TimeUnit.SECONDS));
        long callsAfterRefusal = ssmCalls();
        Parameter byName = cache.get("/shared/x", false).get(10, TimeUnit.SECONDS);

        assertThat(ownBeforeKnown).as("own account not known yet: no ARN matches a name").isFalse();
        assertThat(foreignRefused).hasCauseInstanceOf(NotAllowedException.class);
        assertThat(callsAfterRefusal).as("refused without an SSM call").isZero();
        assertThat(byName.value().reveal()).isEqualTo("own-account-value");
        assertThat(cache.allowed(own)).as("own account learned from the name's ARN").isTrue();
        assertThat(cache.allowed(foreign)).isFalse();
        assertThat(cache.allowed("arn:aws:ssm:us-east-1:999999999999:parameter/shared/x:3")).isFalse();
        assertThat(cache.allowed("arn:aws:ssm:us-east-1:" + wire.ssm.accountId() + ":parameter/other/x")).isFalse();
    }

    @Test
    void notFound_isRemembered_untilTheTtlEnds() throws Exception {
        fetcher(4, 32);

        SourceException first = notFound(fetcher.fetch("/od/missing"));
        SourceException remembered = notFound(fetcher.fetch("/od/missing"));
        clock.advance(TTL.minusSeconds(1));
        SourceException stillRemembered = notFound(fetcher.fetch("/od/missing"));
        long callsWhileRemembered = ssmCalls();
        wire.ssm.put("/od/missing", "created", "SecureString");
        clock.advance(Duration.ofSeconds(1));
        Parameter afterTtl = fetcher.fetch("/od/missing").get(10, TimeUnit.SECONDS);

        assertThat(List.of(first, remembered, stillRemembered)).allSatisfy(e -> {
            assertThat(e.errorCode()).isEqualTo("ParameterNotFound");
            assertThat(e.statusCode()).isEqualTo(400);
            assertThat(e.getMessage()).contains("/od/missing");
        });
        assertThat(callsWhileRemembered).isEqualTo(1);
        assertThat(afterTtl.value().reveal()).isEqualTo("created");
        assertThat(ssmCalls()).isEqualTo(2);
    }

    @Test
    void aZeroTtl_remembersNothing() throws Exception {
        fetcher = new OnDemandFetcher(gated, new OnDemandFetcher.Options(4, 32, WAIT, Duration.ZERO), clock,
                scheduler, metrics);

        notFound(fetcher.fetch("/od/missing"));
        notFound(fetcher.fetch("/od/missing"));

        assertThat(ssmCalls()).isEqualTo(2);
    }

    @Test
    void whenEverySlotStaysBusy_aFetchWaitsTheBoundedTime_thenFailsWithCapacityFull_withoutCallingSsm()
            throws Exception {
        for (String n : List.of("a", "b", "c")) {
            wire.ssm.put("/od/" + n, "value-" + n, "SecureString");
        }
        fetcher(1, 1);
        gated.shut();

        CompletableFuture<Parameter> running = fetcher.fetch("/od/a");
        gated.awaitWaiting(1);
        CompletableFuture<Parameter> waiting = fetcher.fetch("/od/b");
        CompletableFuture<Parameter> queueFull = fetcher.fetch("/od/c");
        boolean waitingDoneBeforeTheWaitEnded = waiting.isDone();
        boolean queueFullDoneBeforeTheWaitEnded = queueFull.isDone();
        scheduler.advance(WAIT);
        CapacityFullException timedOut = capacityFull(waiting);
        CapacityFullException refused = capacityFull(queueFull);
        gated.open();

        assertThat(waitingDoneBeforeTheWaitEnded).isFalse();
        assertThat(queueFullDoneBeforeTheWaitEnded).as("refused only after the wait, so a client cannot spin").isFalse();
        assertThat(timedOut.errorCode()).isEqualTo("ThrottlingException");
        assertThat(timedOut.statusCode()).isEqualTo(429);
        assertThat(timedOut.isTransient()).isTrue();
        assertThat(timedOut.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(timedOut.getMessage()).contains("SIDECAR_ON_DEMAND_CALLS");
        assertThat(refused.errorCode()).isEqualTo("ThrottlingException");
        assertThat(running.get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("value-a");
        assertThat(gated.calls.get()).as("only the call that had a slot reached SSM").isEqualTo(1);
        assertThat(metrics.scrape()).contains(PrometheusMetrics.ON_DEMAND_REJECTED + " 2.0");
    }

    @Test
    void aRejectedName_canBeFetchedOnceASlotIsFree() throws Exception {
        wire.ssm.put("/od/a", "value-a", "SecureString");
        wire.ssm.put("/od/b", "value-b", "SecureString");
        fetcher(1, 1);
        gated.shut();
        CompletableFuture<Parameter> running = fetcher.fetch("/od/a");
        gated.awaitWaiting(1);
        capacityFullAfterWait(fetcher.fetch("/od/b"));
        gated.open();
        running.get(10, TimeUnit.SECONDS);

        assertThat(fetcher.fetch("/od/b").get(10, TimeUnit.SECONDS).value().reveal()).isEqualTo("value-b");
    }

    @Test
    void inFlight_isExposedAsAGauge_whileACallRuns() throws Exception {
        wire.ssm.put("/od/a", "value-a", "SecureString");
        fetcher(2, 4);
        gated.shut();
        CompletableFuture<Parameter> running = fetcher.fetch("/od/a");
        gated.awaitWaiting(1);

        String during = metrics.scrape();
        gated.open();
        running.get(10, TimeUnit.SECONDS);
        Await.until(() -> fetcher.inFlight() == 0, () -> "call still counted in flight");

        assertThat(during).contains(PrometheusMetrics.ON_DEMAND_IN_FLIGHT + " 1.0");
        assertThat(metrics.scrape()).contains(PrometheusMetrics.ON_DEMAND_IN_FLIGHT + " 0.0")
                .doesNotContain("value-a").doesNotContain("/od/a");
    }

    private void capacityFullAfterWait(CompletableFuture<Parameter> f) {
        scheduler.advance(WAIT);
        capacityFull(f);
    }

    private static SourceException notFound(CompletableFuture<Parameter> f) {
        Throwable failure = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
        Throwable e = failure == null ? null : failure.getCause();
        assertThat(e).isInstanceOf(SourceException.class);
        return (SourceException) e;
    }

    private static CapacityFullException capacityFull(CompletableFuture<Parameter> f) {
        Throwable e = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
        Throwable cause = e == null ? null : e.getCause();
        assertThat(cause).isInstanceOf(CapacityFullException.class);
        return (CapacityFullException) cause;
    }
}
