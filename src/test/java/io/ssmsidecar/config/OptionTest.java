package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each setting's default and range are declared once, on {@link Option}: what reads them agrees with it. */
class OptionTest {

    @Test
    void everyRangedDefault_liesInItsRange() {
        for (Option o : Option.values()) {
            if (o.range == null || !Character.isDigit(o.defaultText.charAt(0))) {
                continue;
            }
            long value = o.range.isDuration() ? o.durationDefault().toMillis() : o.intDefault();
            assertThat(value).as(o.env()).isBetween(o.range.min(), o.range.max());
        }
    }

    @Test
    void theDefaults_areWhatTheLoaderGivesWithNothingSet() throws ConfigException {
        assertThat(SettingsLoader.load(List.of(), Map.of())).isEqualTo(Settings.defaults(List.of()));
    }

    @Test
    void theDefaults_areTheDeclaredOnes() {
        Settings d = Settings.defaults(List.of());

        assertThat(d.http().maxConnections()).isEqualTo(800).isEqualTo(Option.MAX_CONNECTIONS.intDefault());
        assertThat(d.http().port()).isEqualTo(2773);
        assertThat(d.refresh().interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.refresh().startupTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.onDemand().notFoundTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.onDemand().calls()).isEqualTo(4);
        assertThat(d.output().fileMode()).isEqualTo(0440);
        assertThat(d.http().sdkEndpoint()).isEqualTo(Settings.SdkEndpoint.OFF);
    }

    /** The validator's bounds are the declared ones: one past each end is refused, naming the range. */
    @Test
    void theValidator_checksEachDeclaredRange() {
        for (Option o : Option.values()) {
            if (o.range == null || o.flag() == null) {
                continue;
            }
            String max = o.range.isDuration() ? Durations.format(o.range.durationMax())
                    : Long.toString(o.range.max());
            String above = o.range.isDuration() ? max + "1ms" : Long.toString(o.range.max() + 1);
            assertThatThrownBy(() -> SettingsLoader.load(List.of(o.flag(), above), Map.of()))
                    .as(o.env()).isInstanceOf(ConfigException.class)
                    .hasMessageContaining(o.flag() + " must be").hasMessageContaining(" and " + max + ", got " + above);
        }
    }

    @Test
    void theAllowedText_isWrittenFromTheRange() {
        assertThat(Option.MAX_CONNECTIONS.allowed).isEqualTo("1..10000");
        assertThat(Option.REFRESH_INTERVAL.allowed).isEqualTo("10s..24h");
        assertThat(Option.NOT_FOUND_TTL.allowed).isEqualTo("0..1h (0 turns it off)");
        assertThat(Option.MAX_STALENESS.allowed).isEqualTo("off, or from twice the refresh interval to 720h");
    }
}
