package io.ssmsidecar.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which role and region an id goes to. */
class RoutingTest {
    private static final String B_ROLE = "arn:aws:iam::210987654321:role/reader";
    private static final String EVERY = "arn:aws:iam::123456789012:role/sidecar";
    private final Routing routing = new Routing(Optional.of(EVERY), Map.of("210987654321", B_ROLE), Optional.empty(),
            "ssm-sidecar", List.of("us-west-2"), Map.of());

    @Test
    void anArnsAccount_picksItsRole_forSecretsAndParametersAlike_elseTheRoleForEveryCall() {
        assertThat(routing.roleFor("arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/db-AbC123"))
                .contains(B_ROLE);
        assertThat(routing.roleFor("arn:aws:ssm:eu-west-1:210987654321:parameter/shared/token:3")).contains(B_ROLE);
        assertThat(routing.roleFor("arn:aws:ssm:eu-west-1:111122223333:parameter/x")).contains(EVERY);
        assertThat(routing.roleFor("/prod/db:3")).contains(EVERY);
        assertThat(routing.roleFor("shared/db:AWSPREVIOUS")).contains(EVERY);
        assertThat(Routing.none().roleFor("arn:aws:ssm:eu-west-1:210987654321:parameter/x")).isEmpty();
        assertThat(routing.roles()).containsExactly(EVERY, B_ROLE);
    }

    @Test
    void aFailoverRegion_rewritesAnArnsRegionOnly() {
        assertThat(Routing.inRegion("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/x-AbC123", "us-west-2"))
                .isEqualTo("arn:aws:secretsmanager:us-west-2:123456789012:secret:prod/x-AbC123");
        assertThat(Routing.inRegion("arn:aws:ssm:us-east-1:123456789012:parameter/a:b:3", "us-west-2"))
                .isEqualTo("arn:aws:ssm:us-west-2:123456789012:parameter/a:b:3");
        assertThat(Routing.inRegion("/prod/db", "us-west-2")).isEqualTo("/prod/db");
        assertThat(Routing.arnField("name:with:colons", 3)).isNull();
    }
}
