package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeysTest {

    @ParameterizedTest
    @ValueSource(strings = {"DB_PASSWORD", "_", "a", "9", "a.b", "a-b", "a..b", "x.", "_.hidden", "A1_b-c.d"})
    void validate_accepts_fileSafeKeys(String key) throws ReferenceException {
        assertThat(Keys.validate(key)).isEqualTo(key);
        assertThat(Keys.isValid(key)).isTrue();
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            ``        | it is empty
            .         | '.' and '..' are not file names
            ..        | '.' and '..' are not file names
            .token    | it starts with '.', which is reserved
            ..data    | it starts with '.', which is reserved
            a/b       | it contains '/', a path separator
            ../x      | it starts with '.'
            a\\b      | it contains '\\', a path separator
            -rf       | it starts with '-'
            a b       | it contains ' '
            a:b       | it contains ':'
            a%2Fb     | it contains '%'
            é         | it contains '\\u00e9'
            """)
    void validate_rejects_unsafeKeys(String key, String reason) {
        assertThatThrownBy(() -> Keys.validate(key))
                .isInstanceOf(ReferenceException.class)
                .hasMessageStartingWith("key ")
                .hasMessageContaining(" is not allowed: " + reason)
                .hasMessageEndingWith("keys use letters, digits, '_', '.' and '-', start with a letter, digit or '_',"
                        + " and are at most 200 characters");
        assertThat(Keys.isValid(key)).isFalse();
    }

    @Test
    void validate_rejectsNul_andLongKeys() {
        assertThat(Keys.problem("a\u0000b")).contains("it contains a NUL character");
        assertThat(Keys.problem("k".repeat(200))).isEmpty();
        assertThat(Keys.problem("k".repeat(201))).contains("it is 201 characters long");
    }
}
