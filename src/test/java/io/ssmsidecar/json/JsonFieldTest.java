package io.ssmsidecar.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

class JsonFieldTest {
    private static final String SECRET = "TOP-SECRET-7f3a";

    @Test
    void read_givesTextForStrings_andJsonTextForOtherValues() throws Exception {
        String json = "{\"user\":\"app\",\"port\":5432,\"opts\":{\"ssl\":true},\"none\":null}";

        assertThat(JsonField.read(json, "user")).isEqualTo("app");
        assertThat(JsonField.read(json, "port")).isEqualTo("5432");
        assertThat(JsonField.read(json, "opts")).isEqualTo("{\"ssl\":true}");
        assertThat(JsonField.read(json, "none")).isEqualTo("null");
    }

    @Test
    void failures_sayWhatIsWrong_andCarryNoPartOfTheValue() {
        JsonField.Missing notJson = catchThrowableOfType(JsonField.Missing.class,
                () -> JsonField.read("{\"pw\":\"" + SECRET + "\"", "pw"));
        JsonField.Missing notObject = catchThrowableOfType(JsonField.Missing.class,
                () -> JsonField.read("[\"" + SECRET + "\"]", "pw"));
        JsonField.Missing noField = catchThrowableOfType(JsonField.Missing.class,
                () -> JsonField.read("{\"" + SECRET + "\":1,\"b\":2}", "pw"));

        assertThat(notJson.problem()).isEqualTo(JsonField.Problem.NOT_JSON);
        assertThat(notObject.problem()).isEqualTo(JsonField.Problem.NOT_OBJECT);
        assertThat(noField.problem()).isEqualTo(JsonField.Problem.NO_FIELD);
        assertThat(noField.keys()).isEqualTo(2);
        for (JsonField.Missing m : new JsonField.Missing[] {notJson, notObject, noField}) {
            assertThat(m.getMessage()).doesNotContain(SECRET);
            assertThat(m.getCause()).isNull();
            assertThat(m.toString()).doesNotContain(SECRET);
        }
    }
}
