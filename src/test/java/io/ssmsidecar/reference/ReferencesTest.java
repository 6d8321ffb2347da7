package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferencesTest {

    @Test
    void fromEnv_findsEveryReference_sortedByKey() throws ReferenceException {
        Map<String, String> env = Map.of(
                "PATH", "/usr/bin",
                "ZED", "ssm:///z",
                "API_KEY", "ssm://api.key?optional",
                "_", "ssm:///prod/app/*",
                "HOME", "/root",
                "SSM_LIKE", "ssm:/not/a/reference");

        List<Reference> refs = References.fromEnv(env);

        assertThat(refs).extracting(Reference::key).containsExactly("API_KEY", "ZED", "_");
        assertThat(refs.get(0).optional()).isTrue();
        assertThat(refs.get(2).kind()).isEqualTo(Reference.Kind.PATH);
    }

    @Test
    void fromEnv_reportsEveryBadVariable_inOneException() {
        Map<String, String> env = Map.of(
                "GOOD", "ssm:///ok",
                "B_SECOND", "ssm:///x?nope",
                "A_FIRST", "ssm://prod/db",
                "my key", "ssm:///x");

        assertThatThrownBy(() -> References.fromEnv(env))
                .isInstanceOf(ReferenceException.class)
                .hasMessage("""
                        3 bad references:
                          A_FIRST=ssm://prod/db: a name with '/' must start with '/': write ssm:///prod/db
                          B_SECOND=ssm:///x?nope: unknown option nope after '?'; allowed options: optional
                          "my key"=ssm:///x: the variable's name cannot be a key: it contains ' '; keys use letters,\
                         digits, '_', '.' and '-', start with a letter, digit or '_', and are at most 200 characters""");
    }

    @Test
    void fromEnv_withoutReferences_isEmpty() throws ReferenceException {
        assertThat(References.fromEnv(Map.of("HOME", "/root"))).isEmpty();
    }
}
