package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The role, region and endpoint settings, two of them families of variables (one per account, one per region):
 * each member is checked, and a bad one is named with what is allowed.
 */
class RoutingSettingsTest {
    private static final String ROLE = "arn:aws:iam::210987654321:role/secrets-reader";

    @Test
    void rolesRegionsAndEndpoints_load() throws ConfigException {
        Settings s = SettingsLoader.load(List.of("--role-session-name", "api@prod"), Map.of(
                "SIDECAR_ROLE_ARN", "arn:aws:iam::123456789012:role/sidecar",
                "SIDECAR_ROLE_ARN_210987654321", ROLE,
                "SIDECAR_ROLE_EXTERNAL_ID", "ext-7Q2w",
                "SIDECAR_FAILOVER_REGIONS", "us-west-2,eu-central-1",
                "SIDECAR_ENDPOINT_URL_US_WEST_2", "http://127.0.0.1:4566"));

        assertThat(s.aws().roleArn()).contains("arn:aws:iam::123456789012:role/sidecar");
        assertThat(s.aws().accountRoles()).isEqualTo(Map.of("210987654321", ROLE));
        assertThat(s.aws().externalId()).contains("ext-7Q2w");
        assertThat(s.aws().sessionName()).isEqualTo("api@prod");
        assertThat(s.aws().failoverRegions()).containsExactly("us-west-2", "eu-central-1");
        assertThat(s.aws().regionEndpoints()).isEqualTo(Map.of("us-west-2", URI.create("http://127.0.0.1:4566")));
    }

    @Test
    void nothingSet_isTheTasksOwnCredentials_inOneRegion() throws ConfigException {
        Settings.Aws aws = SettingsLoader.load(List.of(), Map.of()).aws();

        assertThat(aws.roleArn()).isEmpty();
        assertThat(aws.accountRoles()).isEmpty();
        assertThat(aws.sessionName()).isEqualTo("ssm-sidecar");
        assertThat(aws.failoverRegions()).isEmpty();
    }

    @Test
    void badMembersOfAFamily_areEachNamed_withWhatIsAllowed() {
        assertThatThrownBy(() -> SettingsLoader.load(List.of(), Map.of(
                "SIDECAR_ROLE_ARN_21098765", ROLE,
                "SIDECAR_ROLE_ARN_123456789012", "arn:aws:iam::123456789012:user/bob",
                "SIDECAR_ENDPOINT_URL_us_west_2", "http://127.0.0.1:1",
                "SIDECAR_ENDPOINT_URL_EU_WEST_1", "ftp://127.0.0.1:1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_ROLE_ARN_21098765 must name a 12-digit account id, such as "
                        + "SIDECAR_ROLE_ARN_123456789012")
                .hasMessageContaining("SIDECAR_ROLE_ARN_123456789012 must be an IAM role ARN such as "
                        + "arn:aws:iam::123456789012:role/secrets-reader, got arn:aws:iam::123456789012:user/bob")
                .hasMessageContaining("SIDECAR_ENDPOINT_URL_us_west_2 must name a region upper-cased with _")
                .hasMessageContaining("SIDECAR_ENDPOINT_URL_EU_WEST_1 must be an http:// or https:// URL");
    }

    @Test
    void badValues_areNamed_withWhatIsAllowed() {
        assertThatThrownBy(() -> SettingsLoader.load(List.of(), Map.of(
                "SIDECAR_ROLE_ARN", "secrets-reader",
                "SIDECAR_ROLE_SESSION_NAME", "a b",
                "SIDECAR_ROLE_EXTERNAL_ID", "x",
                "SIDECAR_FAILOVER_REGIONS", "us-west-2,Oregon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_ROLE_ARN must be an IAM role ARN such as"
                        + " arn:aws:iam::123456789012:role/secrets-reader, got secrets-reader")
                .hasMessageContaining("SIDECAR_ROLE_SESSION_NAME must be 2 to 64 letters, digits and _ + = , . @ -"
                        + " (STS's pattern), got \"a b\"")
                .hasMessageContaining("SIDECAR_ROLE_EXTERNAL_ID must be 2 to 1224 letters")
                .message().doesNotContain("is set but no role is");
        assertThatThrownBy(() -> SettingsLoader.load(List.of(), Map.of("SIDECAR_FAILOVER_REGIONS", "us-west-2,Oregon")))
                .hasMessageContaining("SIDECAR_FAILOVER_REGIONS must be a list of AWS region names such as"
                        + " us-west-2,eu-central-1, got Oregon");
    }

    @Test
    void anExternalIdWithoutARole_isRefused() {
        assertThatThrownBy(() -> SettingsLoader.load(List.of(), Map.of("SIDECAR_ROLE_EXTERNAL_ID", "ext-7Q2w")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_ROLE_EXTERNAL_ID is set but no role is");
    }

    @Test
    void aBadAccountRole_exitsWithTheConfigCode() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"init"}, Map.of("SIDECAR_ROLE_ARN_12", ROLE, "DB", "ssm:///db"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SIDECAR_ROLE_ARN_12 must name a 12-digit account id");
    }

    @Test
    void aFamilyMember_isNotAFlag() {
        assertThat(Option.ROLE_ARN_ACCOUNT.flag()).isNull();
        assertThat(Option.ROLE_ARN_ACCOUNT.env()).isEqualTo("SIDECAR_ROLE_ARN_<ACCOUNT>");
        assertThat(Optional.ofNullable(Option.ENDPOINT_URL_REGION.configKey)).isEmpty();
    }
}
