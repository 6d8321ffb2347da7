package io.ssmsidecar.store;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.schedule.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * Loads a set of references once, for the one-shot commands ({@code init}, {@code get}, {@code exec}): references
 * that fail transiently are retried with {@link Backoff} until {@code timeout}; permanent failures end the load at
 * once (retrying cannot help). What loaded is kept across attempts, so a retry asks only for what is missing.
 */
public final class StartupLoader {
    private static final Log LOG = Log.get(StartupLoader.class);

    /** How the loader waits between attempts; tests pass one that advances a manual clock. */
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /**
     * @param secrets  what loaded, by key
     * @param failures what did not (required and optional), empty when everything loaded
     * @param calls    SSM calls over all attempts
     * @param attempts resolution passes made
     * @param timedOut true when transient failures remained at the deadline
     */
    public record Result(Map<String, Secret> secrets, List<Failure> failures, int calls, int attempts, boolean timedOut) {
        public List<Failure> requiredFailures() {
            return failures.stream().filter(f -> !f.optional()).toList();
        }

        public boolean ok() {
            return requiredFailures().isEmpty();
        }
    }

    private final Resolver resolver;
    private final Clock clock;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final Sleeper sleeper;

    public StartupLoader(Resolver resolver, Clock clock, Backoff backoff, RandomGenerator random, Sleeper sleeper) {
        this.resolver = resolver;
        this.clock = clock;
        this.backoff = backoff;
        this.random = random;
        this.sleeper = sleeper;
    }

    /** The production loader: real clock, real sleeps, default backoff. */
    public static StartupLoader standard(Resolver resolver, Clock clock) {
        return new StartupLoader(resolver, clock, Backoff.DEFAULT, new java.util.SplittableRandom(), d -> Thread.sleep(d.toMillis()));
    }

    public Result load(List<Reference> references, Duration timeout) {
        Instant deadline = clock.instant().plus(timeout);
        Map<String, Secret> secrets = new TreeMap<>();
        List<Reference> pending = references;
        int calls = 0;
        int attempt = 0;
        while (true) {
            Resolution r = resolver.resolve(pending);
            attempt++;
            calls += r.calls();
            secrets.putAll(r.secrets());
            boolean permanentRequired = r.failures().stream().anyMatch(f -> !f.isTransient() && !f.optional());
            if (r.failures().isEmpty() || permanentRequired) {
                return new Result(secrets, r.failures(), calls, attempt, false);
            }
            List<Reference> retry = new ArrayList<>();
            for (Reference ref : pending) {
                if (r.failures().stream().anyMatch(f -> f.isTransient() && f.concerns(ref))) {
                    retry.add(ref);
                }
            }
            if (retry.isEmpty()) {
                // Only optional references failed permanently: they are skipped.
                return new Result(secrets, r.failures(), calls, attempt, false);
            }
            Duration delay = backoff.delay(attempt - 1, random);
            Instant now = clock.instant();
            if (now.plus(delay).isAfter(deadline)) {
                Duration left = Duration.between(now, deadline);
                if (left.isNegative() || left.isZero()) {
                    return new Result(secrets, r.failures(), calls, attempt, true);
                }
                delay = left;
            }
            Failure first = r.failures().get(0);
            LOG.warn("SSM not answering; retrying", "attempt", attempt, "failed", retry.size(), "code", first.code(),
                    "reason", first.reason(), "retry_in_ms", delay.toMillis());
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(secrets, r.failures(), calls, attempt, true);
            }
            pending = retry;
        }
    }
}
