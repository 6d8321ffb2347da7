package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    private static final List<String> KNOWN = List.of("outputDir", "refreshInterval", "httpPort", "httpAddress");

    @Test
    void closest_matchesAcrossSpellings_withinTwoEdits() {
        assertThat(Suggestions.closest("output_dir", KNOWN)).contains("outputDir");
        assertThat(Suggestions.closest("SIDECAR_REFRESH_INTERVL", KNOWN)).contains("refreshInterval");
        assertThat(Suggestions.closest("--http-prot", KNOWN)).contains("httpPort");
        assertThat(Suggestions.closest("httpAdress", KNOWN)).contains("httpAddress");
    }

    @Test
    void closest_suggestsNothing_whenNothingIsNear() {
        assertThat(Suggestions.closest("verbose", KNOWN)).isEmpty();
        assertThat(Suggestions.closest("outputDirectory", KNOWN)).isEmpty();
        assertThat(Suggestions.hint("zzz", KNOWN)).isEmpty();
    }

    @Test
    void distance_isLevenshtein() {
        assertThat(Suggestions.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestions.distance("", "abc")).isEqualTo(3);
        assertThat(Suggestions.distance("abc", "abc")).isZero();
    }
}
