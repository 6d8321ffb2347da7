package io.ssmsidecar.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(5));

    @Test
    void cap_doublesFromBase_untilCeiling() {
        assertThat(backoff.cap(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.cap(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.cap(5)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.cap(9)).isEqualTo(Duration.ofMinutes(5));
        assertThat(backoff.cap(1000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void delay_isJitteredWithinCap_andSpreadsOut() {
        SplittableRandom random = new SplittableRandom(42);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long ms = backoff.delay(6, random).toMillis();
            assertThat(ms).isBetween(6_400L, 64_000L);
            min = Math.min(min, ms);
            max = Math.max(max, ms);
        }
        assertThat(max - min).as("full jitter spreads a fleet").isGreaterThan(40_000L);
    }

    @Test
    void jitter_staysWithinFraction() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            assertThat(Backoff.jitter(Duration.ofMinutes(5), 0.1, random).toMillis()).isBetween(270_000L, 330_000L);
        }
    }
}
