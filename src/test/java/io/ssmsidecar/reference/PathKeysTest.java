package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PathKeysTest {

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(delimiter = '|', textBlock = """
            _     | /prod/app  | /prod/app/db/pass-word   | DB_PASS_WORD
            APP   | /prod/app  | /prod/app/db/pass-word   | APP_DB_PASS_WORD
            APP   | /prod/app/ | /prod/app/db/pass-word   | APP_DB_PASS_WORD
            _     | /prod      | /prod/a.b-c/d_e          | A_B_C_D_E
            x     | /p         | /p/lower                 | x_LOWER
            _     | /p         | /p/9lives                | 9LIVES
            _     | /p         | /p/..                    | __
            _     | /p         | /p/.env                  | _ENV
            """)
    void keyFor_followsTheKeyRule(String variable, String prefix, String name, String key) throws ReferenceException {
        assertThat(PathKeys.keyFor(variable, prefix, name)).isEqualTo(key);
    }

    @Test
    void keyFor_rejectsParameter_outsideThePrefix() {
        assertThatThrownBy(() -> PathKeys.keyFor("APP", "/prod/app", "/prod/application/x"))
                .isInstanceOf(ReferenceException.class)
                .hasMessage("APP: parameter /prod/application/x is not below the path /prod/app");
        assertThatThrownBy(() -> PathKeys.keyFor("APP", "/prod/app", "/prod/app/"))
                .hasMessageContaining("is not below the path");
    }

    @Test
    void keyFor_rejectsKeys_thatBreakTheKeyRule() {
        assertThatThrownBy(() -> PathKeys.keyFor("APP", "/p", "/p/" + "x".repeat(200)))
                .isInstanceOf(ReferenceException.class)
                .hasMessageContaining("maps to key")
                .hasMessageContaining("which is not allowed: it is 204 characters long");
        assertThatThrownBy(() -> PathKeys.keyFor("_", "/p", "/p/a b"))
                .hasMessageContaining("which is not allowed: it contains ' '");
    }

    @Test
    void keysFor_mapsEveryParameter_sortedByKey() throws ReferenceException {
        Map<String, String> keys = PathKeys.keysFor("APP", "/prod/app",
                List.of("/prod/app/z", "/prod/app/db/user", "/prod/app/db/pass-word", "/prod/app/z"));

        assertThat(keys).containsExactly(
                Map.entry("APP_DB_PASS_WORD", "/prod/app/db/pass-word"),
                Map.entry("APP_DB_USER", "/prod/app/db/user"),
                Map.entry("APP_Z", "/prod/app/z"));
    }

    @Test
    void keysFor_reportsEveryCollision_namingAllParameters() {
        assertThatThrownBy(() -> PathKeys.keysFor("_", "/prod", List.of(
                "/prod/db-pass", "/prod/db.pass", "/prod/db/pass", "/prod/a-b", "/prod/a.b", "/prod/ok")))
                .isInstanceOf(ReferenceException.class)
                .satisfies(e -> assertThat(((ReferenceException) e).problems()).containsExactly(
                        "_: parameters /prod/a-b and /prod/a.b both map to key A_B;"
                                + " rename one of them or load them separately",
                        "_: parameters /prod/db-pass and /prod/db.pass and /prod/db/pass all map to key DB_PASS;"
                                + " rename one of them or load them separately"))
                .hasMessageStartingWith("2 bad references:");
    }

    @Test
    void keysFor_caseDifferences_collideToo() {
        assertThatThrownBy(() -> PathKeys.keysFor("_", "/p", List.of("/p/Key", "/p/key")))
                .hasMessageContaining("parameters /p/Key and /p/key both map to key KEY");
    }
}
