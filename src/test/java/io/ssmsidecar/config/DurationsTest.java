package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(textBlock = """
            0,        0
            500ms,    500
            10s,      10000
            5m,       300000
            1h,       3600000
            1h30m,    5400000
            1m30s,    90000
            30m1h,    5400000
            1s500ms,  1500
            999999999ms, 999999999
            """)
    void parse_readsUnits(String text, long millis) {
        assertThat(Durations.parse(text)).contains(Duration.ofMillis(millis));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "5", "-5s", "5 s", "5S", "1d", "1.5h", "PT5M", "h", "5mm", "1h30", "1234567890s",
            "s5", "5s ", "\u0665s"})
    void parse_refuses_anythingElse(String text) {
        assertThat(Durations.parse(text)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(longs = {0, 1, 999, 1000, 10_000, 90_000, 3_600_000, 5_400_000, 86_400_000, 2_592_000_000L, 3_723_004})
    void format_isReadBackByParse(long millis) {
        Duration d = Duration.ofMillis(millis);
        assertThat(Durations.parse(Durations.format(d))).contains(d);
    }
}
