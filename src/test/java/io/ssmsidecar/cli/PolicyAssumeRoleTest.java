package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code policy} grants {@code sts:AssumeRole} on each configured role, and only when roles are configured. */
class PolicyAssumeRoleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SHARED = "arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/db-AbC123";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private JsonNode policy(Map<String, String> env) throws Exception {
        int code = Main.run(new String[] {"policy", "--kms-key-arn",
                        "arn:aws:kms:eu-west-1:210987654321:key/1234abcd-12ab-34cd-56ef-1234567890ab"}, env,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return JSON.readTree(out.toString(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> assumeStatements(JsonNode document) {
        List<JsonNode> found = new ArrayList<>();
        document.get("Statement").forEach(s -> {
            if (s.get("Action").asText().equals("sts:AssumeRole")) {
                found.add(s);
            }
        });
        return found;
    }

    @Test
    void eachConfiguredRole_isAssumable_once() throws Exception {
        JsonNode document = policy(Map.of("DB", "sm://" + SHARED + "#password",
                "SIDECAR_ROLE_ARN", "arn:aws:iam::123456789012:role/sidecar",
                "SIDECAR_ROLE_ARN_210987654321", "arn:aws:iam::210987654321:role/secrets-reader",
                "SIDECAR_ROLE_ARN_111122223333", "arn:aws:iam::123456789012:role/sidecar"));

        assertThat(assumeStatements(document)).singleElement().satisfies(s -> {
            assertThat(s.get("Sid").asText()).isEqualTo("AssumeConfiguredRoles");
            assertThat(s.get("Effect").asText()).isEqualTo("Allow");
            assertThat(JSON.convertValue(s.get("Resource"), List.class)).containsExactly(
                    "arn:aws:iam::123456789012:role/sidecar", "arn:aws:iam::210987654321:role/secrets-reader");
        });
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("need their grants in that role's policy too");
    }

    @Test
    void withoutRoles_thereIsNoAssumeRoleStatement() throws Exception {
        JsonNode document = policy(Map.of("DB", "sm://" + SHARED + "#password"));

        assertThat(assumeStatements(document)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).doesNotContain("role");
    }
}
