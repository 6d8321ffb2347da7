package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryingResolverTest {
    private final ManualClock clock = new ManualClock();
    private final FakeSource source = new FakeSource();
    private final List<Duration> waits = new ArrayList<>();
    private final RetryingResolver resolver = new RetryingResolver(new Resolver(source, clock), clock,
            d -> {
                waits.add(d);
                clock.advance(d);
            }, new Random(7));

    private static Reference path(String key, String path, boolean optional) {
        return new Reference(key, Reference.Kind.PATH, path, null, null, optional, "ssm://" + path + "/*");
    }

    private static Reference ref(String key, String name, boolean optional) {
        return new Reference(key, Reference.Kind.PARAMETER, name, null, null, optional, "ssm://" + name);
    }

    @Test
    void resolve_retriesTransientFailures_untilTheyLoad() {
        source.put("/a", "1").put("/b", "2").transientFailuresLeft = 3;
        Resolution r = resolver.resolve(List.of(ref("A", "/a", false), ref("B", "/b", false)), Duration.ofSeconds(60), true);
        assertThat(r.failures()).isEmpty();
        assertThat(r.secrets()).containsOnlyKeys("A", "B");
        assertThat(r.calls()).isEqualTo(4);
        assertThat(waits).hasSize(3);
        for (int i = 0; i < waits.size(); i++) {
            assertThat(waits.get(i)).isPositive().isLessThanOrEqualTo(RetryingResolver.BACKOFF.cap(i));
        }
    }

    @Test
    void resolve_retriesOnlyTheReferencesThatFailed() {
        source.put("/a", "1").put("/b/x", "2");
        source.errors.put("/b/*", FakeSource.throttled());
        Resolution r = resolver.resolve(List.of(ref("A", "/a", false), path("B", "/b", false)),
                Duration.ofSeconds(1), true);
        assertThat(r.secrets()).containsOnlyKeys("A");
        assertThat(r.failures()).extracting(Failure::key).containsExactly("B");
        assertThat(r.failures().get(0).transientFailure()).isTrue();
        assertThat(r.calls()).isEqualTo(1 + 1 + waits.size());
    }

    @Test
    void resolve_givesUpWhenTheTimeoutRunsOut_withoutSleepingPastIt() {
        source.put("/a", "1").transientFailuresLeft = Integer.MAX_VALUE;
        Duration timeout = Duration.ofSeconds(20);
        Resolution r = resolver.resolve(List.of(ref("A", "/a", false)), timeout, true);
        assertThat(r.secrets()).isEmpty();
        assertThat(r.requiredFailures()).singleElement().satisfies(f -> {
            assertThat(f.transientFailure()).isTrue();
            assertThat(f.code()).isEqualTo("ThrottlingException");
        });
        assertThat(waits.stream().reduce(Duration.ZERO, Duration::plus)).isEqualTo(timeout);
        assertThat(waits.size()).isGreaterThan(3);
    }

    @Test
    void resolve_stopsAtTheFirstPermanentFailure_whenTheCommandWouldNotStartAnyway() {
        source.errors.put("/a/*", FakeSource.throttled());
        Resolution r = resolver.resolve(List.of(path("A", "/a", false), ref("MISSING", "/missing", false)),
                Duration.ofSeconds(60), true);
        assertThat(waits).isEmpty();
        assertThat(r.failures()).extracting(Failure::key).containsExactlyInAnyOrder("A", "MISSING");
    }

    @Test
    void resolve_keepsRetryingTheOthers_whenPermanentFailuresAreTolerated() {
        source.put("/a", "1").transientFailuresLeft = 2;
        Resolution r = resolver.resolve(List.of(ref("A", "/a", false), ref("MISSING", "/missing", false)),
                Duration.ofSeconds(60), false);
        assertThat(r.secrets()).containsOnlyKeys("A");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.key()).isEqualTo("MISSING");
            assertThat(f.code()).isEqualTo("ParameterNotFound");
        });
        assertThat(waits).hasSize(2);
    }

    @Test
    void resolve_neverRetriesOptionalReferences() {
        source.put("/a", "1");
        source.errors.put("/opt/*", FakeSource.throttled());
        Resolution r = resolver.resolve(List.of(ref("A", "/a", false), path("OPT", "/opt", true)),
                Duration.ofSeconds(60), true);
        assertThat(waits).isEmpty();
        assertThat(r.secrets()).containsOnlyKeys("A");
        assertThat(r.requiredFailures()).isEmpty();
        assertThat(r.failures()).extracting(Failure::key).containsExactly("OPT");
    }
}
