package io.ssmsidecar.json;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Issue 18, "every input has a bound": a secret value read for a {@code #key} or {@code {{ KEY#field }}} is parsed
 * with Jackson's nesting limit (1,000 levels), so a value of 100,000 nested arrays or objects is "not JSON", never a
 * StackOverflowError.
 */
class JsonNestingBoundTest {

    @Test
    void deeplyNestedValues_areNotJson_withoutOverflowingTheStack() {
        String arrays = "[".repeat(100_000) + "]".repeat(100_000);
        String objects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);

        for (String value : new String[] {arrays, objects}) {
            assertThatThrownBy(() -> JsonField.read(value, "a"))
                    .isInstanceOfSatisfying(JsonField.Missing.class,
                            m -> org.assertj.core.api.Assertions.assertThat(m.problem())
                                    .isEqualTo(JsonField.Problem.NOT_JSON));
        }
    }

    @Test
    void nestingWithinTheLimit_isRead() throws Exception {
        String value = "{\"a\":" + "[".repeat(900) + "1" + "]".repeat(900) + "}";

        org.assertj.core.api.Assertions.assertThat(JsonField.read(value, "a")).startsWith("[[[");
    }
}
