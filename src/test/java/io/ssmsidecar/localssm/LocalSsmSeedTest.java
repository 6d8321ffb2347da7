package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.Parameter;

/** Seed files: the format in docs/local-ssm.md, applied in order, with errors that name the entry but never a value. */
class LocalSsmSeedTest {
    @TempDir
    Path dir;

    @Test
    void seed_addsVersionsForRepeatedNames_labels_andRotatesRepeatedSecrets() throws Exception {
        Path seed = write("""
                {
                  "parameters": [
                    {"name": "/demo/db/user", "value": "app"},
                    {"name": "/demo/db/password", "value": "pw1", "type": "SecureString", "description": "db"},
                    {"name": "/demo/db/password", "value": "pw2", "type": "SecureString", "labels": ["blue", "green"]},
                    {"name": "/demo/big", "value": "%s", "tier": "Advanced"}
                  ],
                  "secrets": [
                    {"id": "demo/db", "secretString": "s1"},
                    {"id": "demo/db", "secretString": "s2"}
                  ]
                }
                """.formatted("x".repeat(5000)));

        try (LocalSsm ssm = LocalSsm.start(LocalSsm.Options.defaults().withSeed(seed));
             SsmClient client = SdkClients.forLocal(ssm)) {
            Parameter blue = client.getParameter(r -> r.name("/demo/db/password:blue").withDecryption(true)).parameter();
            assertThat(blue.version()).isEqualTo(2);
            assertThat(blue.value()).isEqualTo("pw2");
            assertThat(client.getParameter(r -> r.name("/demo/db/user")).parameter().type().toString()).isEqualTo("String");
            assertThat(client.getParameter(r -> r.name("/aws/reference/secretsmanager/demo/db:AWSPREVIOUS")
                    .withDecryption(true)).parameter().value()).isEqualTo("s1");
            assertThat(client.getParameter(r -> r.name("/demo/big")).parameter().value()).hasSize(5000);
            assertThat(ssm.counters().total()).as("seeding is not an SSM call").isEqualTo(4);
        }
    }

    @Test
    void seed_withAnUnknownKey_namesTheFileEntryAndKey() throws Exception {
        Path seed = write("{\"parameters\": [{\"name\": \"/a\", \"value\": \"v\"}, {\"name\": \"/b\", \"vaule\": \"topsecret\"}]}");

        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(seed)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("seed file " + seed + ": parameters[1]: unknown key 'vaule' "
                        + "(allowed: name, value, type, labels, description, tier)")
                .message().doesNotContain("topsecret");
    }

    @Test
    void seed_withANameSsmRejects_namesTheEntryAndTheRule_butNotTheValue() throws Exception {
        Path seed = write("{\"parameters\": [{\"name\": \"/ssm/x\", \"value\": \"topsecret\"}]}");
        Path reserved = write("{\"parameters\": [{\"name\": \"/aws/x\", \"value\": \"topsecret\"}]}");

        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(seed)))
                .hasMessageStartingWith("seed file " + seed + ": parameters[0] (/ssm/x): ValidationException: Parameter name")
                .message().doesNotContain("topsecret");
        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(reserved)))
                .hasMessageStartingWith("seed file " + reserved + ": parameters[0] (/aws/x): AccessDeniedException: "
                        + "No access to reserved parameter name")
                .message().doesNotContain("topsecret");
    }

    @Test
    void seed_thatIsNotJsonOrHasWrongShapes_isRefusedWithTheReason() throws Exception {
        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(write("{\"parameters\": ["))))
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(write("{\"params\": []}"))))
                .hasMessageContaining("unknown key 'params'");
        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults().withSeed(write("{\"secrets\": {}}"))))
                .hasMessageContaining("\"secrets\" must be a list");
        assertThatThrownBy(() -> LocalSsm.start(LocalSsm.Options.defaults()
                .withSeed(write("{\"secrets\": [{\"id\": \"x\"}]}"))))
                .hasMessageContaining("secrets[0]: \"secretString\" is required");
    }

    private Path write(String content) throws Exception {
        Path file = Files.createTempFile(dir, "seed", ".json");
        Files.writeString(file, content);
        return file;
    }
}
