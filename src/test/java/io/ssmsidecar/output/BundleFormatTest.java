package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.source.SecretValue;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BundleFormatTest {

    private static Map<String, SecretValue> values(String... keyValues) {
        Map<String, SecretValue> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], SecretValue.of(keyValues[i + 1]));
        }
        return m;
    }

    private static String render(BundleFormat format, String... keyValues) throws OutputException {
        return new String(format.render(values(keyValues)), StandardCharsets.UTF_8);
    }

    @Test
    void env_singleQuotesEveryValue_andEscapesSingleQuotes() throws Exception {
        assertThat(render(BundleFormat.ENV, "A", "it's", "B", "$x `y`", "C", ""))
                .isEqualTo("export A='it'\\''s'\nexport B='$x `y`'\nexport C=''\n");
    }

    @Test
    void env_rejectsNul_namingTheKeyNotTheValue() {
        assertThatThrownBy(() -> render(BundleFormat.ENV, "TOKEN", "hunter2\0x"))
                .isInstanceOf(OutputException.class)
                .hasMessageContaining("'TOKEN'").hasMessageContaining("NUL")
                .hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1ST", "WITH-DASH", "with.dot", "SP ACE", "ÜBER"})
    void envAndDotenv_rejectKeysThatAreNotVariableNames_withoutRenaming(String key) {
        for (BundleFormat f : new BundleFormat[] {BundleFormat.ENV, BundleFormat.DOTENV}) {
            assertThatThrownBy(() -> render(f, key, "v"))
                    .isInstanceOf(OutputException.class)
                    .hasMessageContaining("'" + key + "'")
                    .hasMessageContaining("[A-Za-z_][A-Za-z0-9_]*");
        }
    }

    @Test
    void propertiesAndJson_acceptAnyKey() throws Exception {
        assertThat(render(BundleFormat.PROPERTIES, "with.dot-and space", "v")).isEqualTo("with.dot-and\\ space=v\n");
        assertThat(render(BundleFormat.JSON, "1ST", "v")).contains("\"1ST\" : \"v\"");
    }

    @Test
    void dotenv_prefersSingleQuotes_thenDoubleForCarriageReturnsOrApostrophes_thenBackticks() throws Exception {
        assertThat(render(BundleFormat.DOTENV, "A", "plain $HOME \"q\"")).isEqualTo("A='plain $HOME \"q\"'\n");
        assertThat(render(BundleFormat.DOTENV, "A", "multi\nline")).isEqualTo("A='multi\nline'\n");
        assertThat(render(BundleFormat.DOTENV, "A", "it's\r\n")).isEqualTo("A=\"it's\\r\\n\"\n");
        assertThat(render(BundleFormat.DOTENV, "A", "it's \"x\"")).isEqualTo("A=`it's \"x\"`\n");
    }

    @Test
    void dotenv_valueEndingInBackslash_isFollowedByAGuardComment() throws Exception {
        assertThat(render(BundleFormat.DOTENV, "A", "x\\", "B", "y"))
                .isEqualTo("A='x\\'\n#' (the value above ends with a backslash)\nB='y'\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\rb'\"`", "'`\"", "'`\\n\"", "'`x\\r"})
    void dotenv_rejectsValuesNoQuotingReadsBackExactly_namingTheKey(String value) {
        assertThatThrownBy(() -> render(BundleFormat.DOTENV, "API_KEY", value))
                .isInstanceOf(OutputException.class)
                .hasMessageContaining("'API_KEY'")
                .hasMessageContaining("cannot be written to a dotenv file")
                .hasMessageNotContaining(value);
    }

    @Test
    void properties_escapesSeparatorsCommentsLeadingSpaceControlAndNonAscii() throws Exception {
        assertThat(render(BundleFormat.PROPERTIES, "K", " a=b:c#d!e\\f\tg\nh\ri\fj é😀 "))
                .isEqualTo("K=\\ a\\=b\\:c\\#d\\!e\\\\f\\tg\\nh\\ri\\fj \\u00E9\\uD83D\\uDE00 \n");
    }

    @Test
    void json_isOneObjectInKeyOrder() throws Exception {
        assertThat(render(BundleFormat.JSON, "B", "x\"y", "A", "é"))
                .isEqualTo("{\n  \"B\" : \"x\\\"y\",\n  \"A\" : \"é\"\n}\n");
    }

    @Test
    void of_findsKindsCaseInsensitively_andRejectsUnknownKindsListingTheAllowedOnes() throws Exception {
        assertThat(BundleFormat.of("DotEnv")).isEqualTo(BundleFormat.DOTENV);
        assertThatThrownBy(() -> BundleFormat.of("yaml"))
                .isInstanceOf(OutputException.class)
                .hasMessage("unknown bundle kind 'yaml': use one of env, dotenv, properties, json");
    }
}
