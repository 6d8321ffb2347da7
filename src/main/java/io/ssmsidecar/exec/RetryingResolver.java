package io.ssmsidecar.exec;

import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.store.Backoff;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.Secret;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Resolves references once at start-up through the shared {@link Resolver}, retrying those that failed transiently
 * (throttling, 5xx, timeouts, I/O) with {@link Backoff} until they load or the start-up timeout runs out. Optional
 * references are never retried: an optional secret must not hold up the command.
 */
final class RetryingResolver {
    /** Start-up retries: quicker than the refresh engine's default, since the command waits. */
    static final Backoff BACKOFF = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(10));

    /** Waits between attempts; tests advance a manual clock instead. */
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Resolver resolver;
    private final Clock clock;
    private final Sleeper sleeper;
    private final RandomGenerator random;

    RetryingResolver(Resolver resolver, Clock clock, Sleeper sleeper, RandomGenerator random) {
        this.resolver = resolver;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
    }

    /**
     * @param stopAtPermanent give up retrying as soon as a required reference failed permanently (the command will not
     *                        start anyway); false keeps retrying the others until the timeout ({@code -no-fail})
     * @return every secret that loaded and the failures left at the end: permanent ones, optional ones, and the
     *         transient ones still failing when the time ran out
     */
    Resolution resolve(List<Reference> references, Duration timeout, boolean stopAtPermanent) {
        Instant deadline = clock.instant().plus(timeout);
        Map<String, Secret> secrets = new TreeMap<>();
        List<Failure> settled = new ArrayList<>();
        List<Reference> pending = references;
        int calls = 0;
        for (int attempt = 0; ; attempt++) {
            Resolution pass = resolver.resolve(pending);
            calls += pass.calls();
            for (Secret s : pass.secrets().values()) {
                // A retried reference produced nothing before, so a key already loaded came from another reference.
                Secret earlier = secrets.putIfAbsent(s.key(), s);
                if (earlier != null) {
                    settled.add(new Failure(s.key(), s.parameterName(), "KeyCollision", "parameters "
                            + earlier.parameterName() + " and " + s.parameterName() + " both map to key " + s.key(),
                            false, false));
                }
            }
            List<Failure> retry = pass.failures().stream().filter(f -> f.transientFailure() && !f.optional()).toList();
            pass.failures().stream().filter(f -> !retry.contains(f)).forEach(settled::add);
            Duration left = Duration.between(clock.instant(), deadline);
            boolean hopeless = stopAtPermanent && settled.stream().anyMatch(f -> !f.optional());
            if (retry.isEmpty() || hopeless || left.isNegative() || left.isZero()) {
                settled.addAll(retry);
                return new Resolution(secrets, settled, calls);
            }
            Set<String> again = retry.stream().map(Failure::key).collect(Collectors.toSet());
            pending = references.stream().filter(r -> again.contains(r.key())).toList();
            Duration wait = BACKOFF.delay(attempt, random);
            try {
                sleeper.sleep(wait.compareTo(left) < 0 ? wait : left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                settled.addAll(retry);
                return new Resolution(secrets, settled, calls);
            }
        }
    }
}
