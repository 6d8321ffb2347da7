package io.ssmsidecar.store;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.schedule.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * Keeps the declared secrets loaded and fresh. All work runs on the {@link Scheduler}'s one thread, so cycles never
 * overlap and no lock is held across an SSM call; readers use the {@link SnapshotStore} and never block.
 *
 * <ul>
 *   <li>Start: loads everything at once; references that fail are retried with {@link Backoff} (full jitter).</li>
 *   <li>Steady state: a full cycle every {@code interval} jittered by ±10%; the first one after start lands
 *       uniformly within [0.5, 1.5] × interval, so a fleet started together spreads over a whole interval.</li>
 *   <li>Change detection by version tag: an unchanged secret makes no listener call and no log above debug.</li>
 *   <li>Failures keep the last good value: transient ones are retried with backoff, permanent ones mark the
 *       value stale and are retried on the normal cycle (and with the backoff ceiling).</li>
 *   <li>Throttling (SSM's quota is shared by the whole account) stretches the interval and spreads the retries
 *       ({@link AdaptiveInterval}); clean cycles bring the interval back to the configured one.</li>
 *   <li>{@link #requestRefresh()} (HTTP, SIGHUP) coalesces: triggers that arrive while a refresh is queued or
 *       running cause exactly one more full cycle.</li>
 * </ul>
 */
public final class RefreshEngine implements AutoCloseable {
    private static final Log LOG = Log.get(RefreshEngine.class);
    /** The key of the throttled retry delay among a pass's delays (the others are keyed by attempt, from 0). */
    private static final int THROTTLED = -1;

    /**
     * Where the engine reports, on its own thread: the one way data leaves it (it never asks its listener anything).
     */
    public interface ChangeListener {
        /**
         * Told after the first load and after every pass that changed at least one secret (again after a failed apply,
         * with the keys changed since the last accepted one).
         *
         * @param allRequiredLoaded every required secret has a value (stale or not): before that the snapshot is
         *                          partial and must not be delivered
         * @return false if applying failed (it is retried soon); true otherwise. Returning true with
         *         {@code allRequiredLoaded} counts as delivered for {@link RefreshEngine#readiness()}.
         */
        boolean onChange(Snapshot snapshot, Set<String> changedKeys, boolean allRequiredLoaded);
    }

    /**
     * @param interval      time between full refresh cycles
     * @param maxStaleness  readiness fails when a required secret has not refreshed for longer (empty = off)
     * @param backoff       retry schedule for failing references
     * @param jitter        fraction of the interval each cycle is jittered by
     * @param throttling    how far SSM throttling may stretch the interval and delay a retry
     */
    public record Options(Duration interval, Optional<Duration> maxStaleness, Backoff backoff, double jitter,
                          Throttling throttling) {
        /**
         * Each cycle waits the interval ±10%: sidecars started together (a deployment's replicas, a node's pods)
         * drift apart within a few cycles instead of calling SSM in step for ever.
         */
        public static final double INTERVAL_JITTER = 0.1;

        /** {@code interval} with {@link #INTERVAL_JITTER}, {@link Backoff#DEFAULT} for failures and the default throttling bounds. */
        public static Options of(Duration interval, Optional<Duration> maxStaleness) {
            return new Options(interval, maxStaleness, Backoff.DEFAULT, INTERVAL_JITTER, Throttling.DEFAULT);
        }

        public Options withThrottling(Throttling throttling) {
            return new Options(interval, maxStaleness, backoff, jitter, throttling);
        }
    }

    /**
     * The bounds of the throttling controller.
     *
     * @param maxStretch the effective interval stays at most this many times the configured one (at least 1)
     * @param backoffCap the longest wait before retrying a throttled call
     */
    public record Throttling(double maxStretch, Duration backoffCap) {
        public static final Throttling DEFAULT = new Throttling(2.5, Duration.ofMinutes(15));
    }

    private final List<Reference> references;
    private final Resolver resolver;
    private final SnapshotStore store;
    private final Scheduler scheduler;
    private final Clock clock;
    private final RandomGenerator random;
    private final Options options;
    private final ChangeListener listener;
    private final Metrics metrics;
    private final AdaptiveInterval adaptive;

    // Engine-thread state (only touched on the scheduler thread, published through volatile fields).
    private final Map<String, State> states = new LinkedHashMap<>();
    private final Map<String, Set<String>> keysOfReference = new HashMap<>();
    /** When the next full cycle is due, on the scheduler's monotonic time ({@link Scheduler#nanoTime()}). */
    private long nextFullAt;
    private Scheduler.Task pendingTick;
    private boolean applyPending;
    /** Keys changed since the listener last accepted a change: a failed apply must not lose them. */
    private final Set<String> unapplied = new TreeSet<>();
    private volatile boolean initialLoadDone;
    /** The listener has accepted a snapshot with every required secret loaded (see {@link #readiness()}). */
    private volatile boolean delivered;
    private volatile Map<String, KeyStatus> statusView = Map.of();
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    private final List<Runnable> cycleHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** When the pending throttled retry is due (scheduler time), or null: what readiness says while throttled. */
    private volatile Long throttledRetryAt;
    /** When the first full cycle falls due, set by the pass that completed a throttled load (scheduler time). */
    private Long firstCycle;
    private volatile boolean closed;
    /** Engine tasks in a row that threw (see {@link #guarded}); 0 once one returns normally. */
    private int thrownInARow;
    private Class<?> lastThrown;

    private static final class State {
        boolean loaded;
        Instant lastSuccess;
        String errorCode;
        String error;
        int failures;
        /** When to retry, on the scheduler's monotonic time; null when not failing. */
        Long retryAt;
    }

    public RefreshEngine(List<Reference> references, Resolver resolver, SnapshotStore store, Scheduler scheduler,
                         Clock clock, RandomGenerator random, Options options, ChangeListener listener, Metrics metrics) {
        this.references = List.copyOf(references);
        this.resolver = resolver;
        this.store = store;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.options = options;
        this.listener = listener;
        this.metrics = metrics;
        this.adaptive = new AdaptiveInterval(options.interval(), options.throttling().maxStretch(),
                options.throttling().backoffCap());
        for (Reference r : references) {
            states.put(r.key(), new State());
        }
        publishStatus();
        metrics.oldestValueAge(this::oldestAge);
        metrics.refreshInterval(adaptive::interval);
        metrics.throttleBackoff(adaptive::backoff);
    }

    /** Queues the initial load on the scheduler thread. */
    public void start() {
        pendingTick = scheduler.schedule(() -> guarded("initial load", this::initialLoad), Duration.ZERO);
    }

    /**
     * Starts from the values already in the store, loaded before the engine existed (exec's supervisor loads and
     * publishes them at start-up): each reference with a value there counts as loaded, so a failure in a later cycle
     * keeps its last good value like any refresh's, and the first full cycle comes after {@code firstCycle}.
     */
    public void startLoaded(Duration firstCycle) {
        pendingTick = scheduler.schedule(() -> guarded("initial load", () -> {
            Resolution loaded = new Resolution(store.current().secrets(), List.of(), 0);
            Instant now = clock.instant();
            for (Reference ref : references) {
                Set<String> keys = keysFor(ref, loaded);
                if (!keys.isEmpty()) {
                    keysOfReference.put(ref.key(), keys);
                    State state = states.get(ref.key());
                    state.loaded = true;
                    state.lastSuccess = now;
                }
            }
            initialLoadDone = true;
            publishStatus();
            delivered = Readiness.allRequiredLoaded(references, statusView);
            nextFullAt = scheduler.nanoTime() + firstCycle.toNanos();
            scheduleNext();
        }), Duration.ZERO);
    }

    /** Runs {@code hook} on the engine thread after every full cycle (e.g. refreshing on-demand entries). */
    public void addCycleHook(Runnable hook) {
        cycleHooks.add(hook);
    }

    /**
     * Why the outputs cannot carry a key's value (a binary secret and an env bundle), or null when they can. Once the
     * initial load is done, such a value is a failed key: the previous good value stays, the rest of the set is
     * written, status and readiness report it. Before that the first write finds it, and {@code run} and
     * {@code init} exit 2 with the same reason.
     */
    public interface ValueCheck {
        String cannotCarry(String key, io.ssmsidecar.source.SecretValue value);
    }

    private volatile ValueCheck valueCheck;

    /** Sets the check of every fetched value against the outputs (see {@link ValueCheck}); call before {@link #start}. */
    public void checkValues(ValueCheck check) {
        this.valueCheck = check;
    }

    /** {@code r} with the values the outputs cannot carry moved from its secrets to its failures. */
    private Resolution refuseUncarried(List<Reference> refs, Resolution r) {
        ValueCheck check = valueCheck;
        if (check == null || !initialLoadDone) {
            return r;
        }
        Map<String, Secret> secrets = new TreeMap<>(r.secrets());
        List<Failure> failures = new ArrayList<>(r.failures());
        for (Reference ref : refs) {
            for (String key : keysFor(ref, r)) {
                Secret s = secrets.get(key);
                String reason = s == null ? null : check.cannotCarry(key, s.value());
                if (reason != null) {
                    secrets.remove(key);
                    failures.add(new Failure(ref.key(), ref.isPrefix() ? ref.prefixLabel() : s.parameterName(),
                            "ValueNotDeliverable", reason + "; the previous value is kept", false, ref.optional()));
                }
            }
        }
        return failures.size() == r.failures().size() ? r : new Resolution(secrets, failures, r.calls());
    }

    /** Asks for a full refresh now. Concurrent requests coalesce into one cycle. */
    public void requestRefresh() {
        if (closed || !refreshQueued.compareAndSet(false, true)) {
            return;
        }
        scheduler.schedule(() -> {
            refreshQueued.set(false);
            guarded("requested refresh", () -> fullCycle("requested"));
        }, Duration.ZERO);
    }

    /**
     * Whether every required secret is loaded, fresh enough ({@code maxStaleness}) and delivered to the listener,
     * and if not why. Never blocks; safe from any thread.
     */
    public Readiness readiness() {
        Long retryAt = throttledRetryAt;
        Duration throttledFor = retryAt == null ? null : Duration.ofNanos(Math.max(0, retryAt - scheduler.nanoTime()));
        return Readiness.of(references, statusView, initialLoadDone, delivered, options.maxStaleness(), clock.instant(),
                throttledFor);
    }

    /** Status of every declared reference, by key. */
    public Map<String, KeyStatus> status() {
        return statusView;
    }


    @Override
    public void close() {
        closed = true;
        Scheduler.Task t = pendingTick;
        if (t != null) {
            t.cancel();
        }
    }

    // ---- engine thread ----

    /**
     * Runs one engine task so that nothing it throws stops the loop: a task that throws would otherwise never schedule
     * the next one, and the sidecar would serve stale values for good. Any {@link Throwable} is caught, an
     * {@link OutOfMemoryError} from rendering a template included (the heap is free again once the task unwinds).
     * The failure is logged with its class only (a message may quote a value), counted as a failed refresh, and the
     * whole cycle is retried with backoff.
     */
    private void guarded(String task, Runnable body) {
        try {
            body.run();
        } catch (Throwable t) { // NOPMD: the loop must outlive anything a source, writer or hook throws
            threw(task, t);
        }
    }

    private void threw(String task, Throwable t) {
        thrownInARow++;
        // Readiness then reports what is missing instead of "initial load in progress" for good.
        initialLoadDone = true;
        Duration retry = options.backoff().delay(thrownInARow - 1, random);
        if (!t.getClass().equals(lastThrown)) {
            LOG.error("refresh cycle failed; retrying", "task", task, "error", t.getClass().getName(),
                    "retry_in_ms", retry.toMillis());
        } else {
            LOG.debug("refresh cycle failed again", "task", task, "error", t.getClass().getName(),
                    "in_a_row", thrownInARow);
        }
        lastThrown = t.getClass();
        try {
            metrics.refreshCompleted(false, clock.instant());
            publishStatus();
        } catch (RuntimeException e) {
            // Still schedule the retry below.
        }
        long retryAt = scheduler.nanoTime() + retry.toNanos();
        if (retryAt - nextFullAt < 0 || task.equals("initial load")) {
            nextFullAt = retryAt;
        }
        scheduleNext();
    }

    private void initialLoad() {
        long t0 = System.nanoTime();
        applyPending = true; // the first load is applied even when it declares nothing (an on-demand-only sidecar)
        Resolution r = resolveAndApply(references, true);
        initialLoadDone = true;
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (r.requiredFailures().isEmpty()) {
            LOG.info("secrets loaded", "count", store.current().size(), "calls", r.calls(), "ms", ms);
        } else {
            LOG.warn("initial load incomplete; retrying with backoff", "loaded", store.current().size(),
                    "failed", r.requiredFailures().size(), "calls", r.calls(), "ms", ms);
        }
        nextFullAt = scheduler.nanoTime() + firstInterval().toNanos();
        notBeforeThrottledRetry();
        scheduleNext();
    }

    /**
     * A full cycle never overtakes a pending throttled retry: it would send the calls the backoff holds back (a loading
     * task whose retry window is longer than its interval would otherwise call at the interval regardless).
     */
    private void notBeforeThrottledRetry() {
        Long retryAt = throttledRetryAt;
        if (retryAt != null && nextFullAt - retryAt < 0) {
            nextFullAt = retryAt;
        }
    }

    private Duration firstInterval() {
        long ms = adaptive.interval().toMillis();
        return Duration.ofMillis(Math.max(1, ms / 2 + (long) (random.nextDouble() * ms)));
    }

    private void tick() {
        if (closed) {
            return;
        }
        // Monotonic time, not the wall clock: a clock stepped back by an hour must not hold refreshes back an hour.
        long now = scheduler.nanoTime();
        if (now - nextFullAt >= 0) {
            fullCycle("interval");
            return;
        }
        List<Reference> due = new ArrayList<>();
        for (Reference r : references) {
            State s = states.get(r.key());
            if (s.retryAt != null && now - s.retryAt >= 0) {
                due.add(r);
            }
        }
        if (!due.isEmpty()) {
            resolveAndApply(due, false);
            firstCycle = null;
        } else if (applyPending && apply(store.current(), Set.of()) && Readiness.allRequiredLoaded(references, statusView)
                && states.values().stream().allMatch(s -> s.errorCode == null)) {
            // The pass that failed only in its writer has now completed.
            metrics.refreshCompleted(true, clock.instant());
        }
        scheduleNext();
    }

    private void fullCycle(String why) {
        if (closed) {
            return;
        }
        LOG.debug("refresh cycle", "reason", why);
        Resolution r = resolveAndApply(references, true);
        for (Runnable hook : cycleHooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                LOG.error("refresh hook failed", "error", e.getClass().getName());
            }
        }
        nextFullAt = firstCycle != null ? firstCycle
                : scheduler.nanoTime() + adaptive.nextCycle(r.failures().stream().anyMatch(Failure::isThrottling),
                        options.jitter(), random).toNanos();
        firstCycle = null;
        notBeforeThrottledRetry();
        scheduleNext();
    }

    private void scheduleNext() {
        if (closed) {
            return;
        }
        long now = scheduler.nanoTime();
        long next = nextFullAt;
        for (State s : states.values()) {
            if (s.retryAt != null && s.retryAt - next < 0) {
                next = s.retryAt;
            }
        }
        if (applyPending) {
            long soon = now + options.backoff().base().toNanos();
            next = soon - next < 0 ? soon : next;
        }
        if (pendingTick != null) {
            pendingTick.cancel();
        }
        pendingTick = scheduler.schedule(() -> guarded("refresh", this::tick), Duration.ofNanos(Math.max(0, next - now)));
    }

    private Resolution resolveAndApply(List<Reference> refs, boolean full) {
        Instant now = clock.instant();
        boolean wasLoaded = states.values().stream().allMatch(st -> st.loaded);
        Resolution r = refuseUncarried(refs, resolver.resolve(refs));
        Snapshot current = store.current();
        Map<String, Secret> next = new TreeMap<>(current.secrets());
        Set<String> changed = new TreeSet<>();

        Map<String, List<Failure>> failuresByRef = new HashMap<>();
        for (Failure f : r.failures()) {
            for (Reference ref : refs) {
                if (f.concerns(ref)) {
                    failuresByRef.computeIfAbsent(ref.key(), k -> new ArrayList<>()).add(f);
                }
            }
        }
        // References that failed in one pass with the same attempt count share one jittered delay, so a batch
        // that failed together is retried together: one call, not one call per reference.
        Map<Integer, Duration> delays = new HashMap<>();
        // A throttled refresh retries before the oldest value it failed to refresh gets too old (AdaptiveInterval).
        Instant oldestThrottled = now;
        for (Reference ref : refs) {
            List<Failure> fs = failuresByRef.get(ref.key());
            Instant last = states.get(ref.key()).lastSuccess;
            if (fs != null && fs.get(0).isThrottling() && last != null && last.isBefore(oldestThrottled)) {
                oldestThrottled = last;
            }
        }
        Duration throttledAge = Duration.between(oldestThrottled, now);
        for (Reference ref : refs) {
            State state = states.get(ref.key());
            List<Failure> fs = failuresByRef.getOrDefault(ref.key(), List.of());
            Set<String> keys = keysFor(ref, r);
            if (fs.isEmpty()) {
                for (String key : keys) {
                    Secret fresh = r.secrets().get(key);
                    Secret old = next.get(key);
                    if (old == null || !old.versionTag().equals(fresh.versionTag()) || !old.value().equals(fresh.value())) {
                        changed.add(key);
                        next.put(key, fresh);
                    } else {
                        // The same value and version: kept, but with the fresh answer's metadata (the region that
                        // answered it changes on a failover and back).
                        next.put(key, old.withFetchedAt(fresh.fetchedAt(), fresh.parameter()));
                    }
                }
                if (ref.isPrefix()) {
                    // A parameter deleted below a path (a secret under a prefix) is a change: its key goes away.
                    for (String gone : keysOfReference.getOrDefault(ref.key(), Set.of())) {
                        if (!keys.contains(gone) && next.remove(gone) != null) {
                            changed.add(gone);
                        }
                    }
                }
                if (ref.isPrefix() || !keys.isEmpty()) {
                    keysOfReference.put(ref.key(), keys);
                }
                succeeded(ref, state, now);
            } else {
                failed(ref, state, fs.get(0), delays, wasLoaded, throttledAge);
            }
        }
        boolean throttled = r.failures().stream().anyMatch(Failure::isThrottling);
        // The initial load's throttling says nothing about the steady demand (a fleet started together spreads its
        // cycles over an interval): it backs off, but only cycles move the interval.
        adaptive.record(full && initialLoadDone, throttled);
        throttledRetryAt = throttled ? scheduler.nanoTime() + adaptive.backoff().toNanos() : null;
        if (initialLoadDone && !wasLoaded && states.values().stream().allMatch(st -> st.loaded)) {
            // The load completed after the first pass: the first cycle counts from now (stretched after a crowded
            // start). A full cycle's own scheduling comes after this and keeps it.
            firstCycle = adaptive.loaded(oldestAge(), random).map(d -> scheduler.nanoTime() + d.toNanos()).orElse(null);
            if (firstCycle != null) {
                nextFullAt = firstCycle;
            }
        } else {
            notBeforeThrottledRetry();
        }
        Snapshot published = store.publish(next, !changed.isEmpty());
        metrics.secretsLoaded(published.size());
        boolean allOk = failuresByRef.isEmpty();
        publishStatus();
        boolean applied = changed.isEmpty() && !applyPending || apply(published, changed);
        // Counted once the files are written too: a pass whose writer failed is a failed refresh.
        if (full) {
            metrics.refreshCompleted(allOk && applied, now);
        } else if (allOk && applied && states.values().stream().allMatch(s -> s.errorCode == null)) {
            // The retries brought the last failing reference back: the refresh has now completed successfully.
            metrics.refreshCompleted(true, now);
        }
        thrownInARow = 0;
        lastThrown = null;
        return r;
    }

    private Set<String> keysFor(Reference ref, Resolution r) {
        if (!ref.isPrefix()) {
            return r.secrets().containsKey(ref.key()) ? Set.of(ref.key()) : Set.of();
        }
        Set<String> keys = new HashSet<>();
        String prefix = ref.key().equals("_") ? "" : ref.key() + "_";
        for (Secret s : r.secrets().values()) {
            if (s.key().startsWith(prefix) && s.parameterName().startsWith(ref.name() + "/")) {
                keys.add(s.key());
            }
        }
        return keys;
    }

    /** Tells the listener; false when it failed (then retried soon). */
    private boolean apply(Snapshot snapshot, Set<String> changed) {
        unapplied.addAll(changed);
        Set<String> keys = Collections.unmodifiableSet(new TreeSet<>(unapplied));
        boolean complete = Readiness.allRequiredLoaded(references, statusView);
        boolean ok;
        try {
            ok = listener.onChange(snapshot, keys, complete);
        } catch (RuntimeException | Error e) { // NOPMD: an OutOfMemoryError from a template too; retried soon
            LOG.error("applying a change failed", "error", e.getClass().getName());
            ok = false;
        }
        if (ok) {
            if (!keys.isEmpty() && snapshot.change() > 1) {
                LOG.info("secrets changed", "keys", String.join(",", keys), "generation", snapshot.change());
            }
            unapplied.clear();
            if (complete) {
                delivered = true;
            }
        }
        applyPending = !ok;
        return ok;
    }

    private void succeeded(Reference ref, State state, Instant now) {
        if (state.errorCode != null) {
            LOG.info("secret recovered", "key", ref.key(), "after_failures", state.failures);
        }
        state.loaded = true;
        state.lastSuccess = now;
        state.errorCode = null;
        state.error = null;
        state.failures = 0;
        state.retryAt = null;
    }

    private void failed(Reference ref, State state, Failure f, Map<Integer, Duration> delays, boolean loaded,
                        Duration throttledAge) {
        boolean newState = !f.code().equals(state.errorCode);
        state.failures++;
        state.errorCode = f.code();
        state.error = f.reason();
        // Permanent errors are retried at the ceiling (e.g. a parameter created later), not hammered. Throttling is
        // the account's quota running out: every reference the pass failed waits one delay that grows per throttled pass.
        Duration delay = f.isThrottling() ? delays.computeIfAbsent(THROTTLED, k -> adaptive.retryDelay(loaded, throttledAge, random))
                : f.isTransient()
                ? delays.computeIfAbsent(state.failures - 1, attempt -> options.backoff().delay(attempt, random))
                : options.backoff().ceiling();
        state.retryAt = scheduler.nanoTime() + delay.toNanos();
        if (newState) {
            Log.Level level = f.isTransient() && state.loaded ? Log.Level.WARN : Log.Level.ERROR;
            LOG.log(level, state.loaded ? "refresh failed; serving last good value" : "secret not loaded",
                    "key", ref.key(), "parameter", f.parameterName(), "code", f.code(), "reason", f.reason(),
                    "transient", f.isTransient(), "retry_in_ms", delay.toMillis());
        } else {
            LOG.debug("retry failed", "key", ref.key(), "code", f.code(), "attempt", state.failures);
        }
    }

    private void publishStatus() {
        Map<String, KeyStatus> view = new LinkedHashMap<>();
        int stale = 0;
        for (Map.Entry<String, State> e : states.entrySet()) {
            State s = e.getValue();
            KeyStatus status = new KeyStatus(e.getKey(), s.loaded, s.loaded && s.errorCode != null, s.lastSuccess,
                    s.errorCode, s.error, s.failures);
            stale += status.stale() ? 1 : 0;
            view.put(e.getKey(), status);
        }
        statusView = Map.copyOf(view);
        metrics.secretsStale(stale);
    }

    /**
     * How long ago the oldest value the engine holds was fetched. From the engine's own state, not the published
     * status: within a pass that is published after this is read, and a partial load completed late then looked as old
     * as its first half and fetched everything again a millisecond later.
     */
    private Duration oldestAge() {
        Instant now = clock.instant();
        Instant oldest = null;
        for (State s : states.values()) {
            if (s.lastSuccess != null && (oldest == null || s.lastSuccess.isBefore(oldest))) {
                oldest = s.lastSuccess;
            }
        }
        return oldest == null ? Duration.ZERO : Duration.between(oldest, now);
    }
}
