package io.ssmsidecar.localssm;

import io.ssmsidecar.testing.LocalSsmExtension;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.AccessDeniedException;
import software.amazon.awssdk.services.ssm.model.InternalServerErrorException;
import software.amazon.awssdk.services.ssm.model.InvalidKeyIdException;
import software.amazon.awssdk.services.ssm.model.ThrottlingException;

/** Counters, the call log and every injected fault, through the real SDK. */
class LocalSsmFaultsTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.startAt(T0);
    private final LocalSsm ssm = local.ssm();
    private final SsmClient client = local.client();

    @BeforeEach
    void seed() {
        ssm.put("/app/a", "va");
        ssm.put("/app/secret/b", "vb");
    }

    @Test
    void counters_countEveryCallPerOperation_andReset() {
        client.getParameters(r -> r.names("/app/a"));
        client.getParameters(r -> r.names("/nope"));
        client.getParametersByPath(r -> r.path("/app"));
        assertThatThrownBy(() -> client.getParameter(r -> r.name("/nope"))).isInstanceOf(Exception.class);

        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(2);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(1);
        assertThat(ssm.counters().calls("GetParameter")).isEqualTo(1);
        assertThat(ssm.counters().total()).isEqualTo(4);
        assertThat(ssm.counters().failed()).isEqualTo(1);
        ssm.counters().reset();
        assertThat(ssm.counters().total()).isZero();
        assertThat(ssm.counters().byOperation()).isEmpty();
    }

    @Test
    void callLog_recordsTheClocksTime_theNamesAsSent_andTheSigningKey() {
        client.getParameters(r -> r.names("/app/a", "/app/secret/b:1"));
        local.clock().advance(Duration.ofSeconds(5));
        client.getParametersByPath(r -> r.path("/app"));

        List<Call> calls = ssm.calls();

        assertThat(calls).extracting(Call::operation).containsExactly("GetParameters", "GetParametersByPath");
        assertThat(calls).extracting(Call::at).containsExactly(T0, T0.plusSeconds(5));
        assertThat(calls.get(0).names()).containsExactly("/app/a", "/app/secret/b:1");
        assertThat(calls.get(1).names()).containsExactly("/app");
        assertThat(calls).extracting(Call::accessKeyId).containsOnly(SdkClients.ACCESS_KEY_ID);
        assertThat(calls).allMatch(Call::succeeded);
    }

    @Test
    void throttleAbove_answersRateExceededBeyondTheBucket_andRefillsAsTheClockMoves() {
        ssm.faults().throttleAbove(3);

        for (int i = 0; i < 3; i++) {
            client.getParameters(r -> r.names("/app/a"));
        }
        ThrottlingException e = catchThrowableOfType(ThrottlingException.class,
                () -> client.getParameters(r -> r.names("/app/a")));
        local.clock().advance(Duration.ofMillis(700));
        client.getParameters(r -> r.names("/app/a"));
        client.getParameters(r -> r.names("/app/a"));

        assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Rate exceeded");
        assertThat(e.isThrottlingException()).isTrue();
        assertThatThrownBy(() -> client.getParameters(r -> r.names("/app/a"))).isInstanceOf(ThrottlingException.class);
        assertThat(ssm.counters().throttled()).isEqualTo(2);
        assertThat(ssm.calls()).filteredOn(Call::throttled).hasSize(2);
    }

    @Test
    void errorRate_ofOne_failsEveryCall_withTheGivenCode_andZeroFailsNone() {
        ssm.faults().errorRate(1.0, "InternalServerError");

        for (int i = 0; i < 5; i++) {
            InternalServerErrorException e = catchThrowableOfType(InternalServerErrorException.class,
                    () -> client.getParameters(r -> r.names("/app/a")));
            assertThat(e.statusCode()).isEqualTo(500);
        }
        ssm.faults().errorRate(0, "InternalServerError");
        client.getParameters(r -> r.names("/app/a"));
        assertThat(ssm.counters().failed()).isEqualTo(5);
    }

    @Test
    void errorRate_inBetween_failsSomeCallsAndNotOthers() {
        ssm.faults().errorRate(0.5, "ServiceUnavailable");
        int failed = 0;
        for (int i = 0; i < 40; i++) {
            try {
                client.getParameters(r -> r.names("/app/a"));
            } catch (software.amazon.awssdk.services.ssm.model.SsmException e) {
                assertThat(e.statusCode()).isEqualTo(503);
                failed++;
            }
        }

        assertThat(failed).isBetween(1, 39);
    }

    @Test
    void failNext_failsExactlyThatManyCalls() {
        ssm.faults().failNext(2, "InternalServerError");

        assertThatThrownBy(() -> client.getParameter(r -> r.name("/app/a"))).isInstanceOf(InternalServerErrorException.class);
        assertThatThrownBy(() -> client.getParameters(r -> r.names("/app/a"))).isInstanceOf(InternalServerErrorException.class);
        assertThat(client.getParameter(r -> r.name("/app/a")).parameter().value()).isEqualTo("va");
        assertThat(ssm.faults().failNextRemaining()).isZero();
    }

    @Test
    void deny_failsEveryCallTouchingThePrefix_andNothingElse() {
        ssm.faults().deny("/app/secret");

        AccessDeniedException batch = catchThrowableOfType(AccessDeniedException.class,
                () -> client.getParameters(r -> r.names("/app/a", "/app/secret/b")));
        assertThat(batch.awsErrorDetails().errorMessage())
                .contains("not authorized to perform: ssm:GetParameters on resource: "
                        + "arn:aws:ssm:us-east-1:123456789012:parameter/app/secret/b");
        assertThat(client.getParameters(r -> r.names("/app/a")).parameters()).hasSize(1);
        assertThatThrownBy(() -> client.getParametersByPath(r -> r.path("/app").recursive(true)))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> client.getParameter(r -> r.name(ssm.arnOf("/app/secret/b"))))
                .isInstanceOf(AccessDeniedException.class);

        ssm.faults().deny("/app/secret", "InvalidKeyId");
        assertThatThrownBy(() -> client.getParameter(r -> r.name("/app/secret/b").withDecryption(true)))
                .isInstanceOf(InvalidKeyIdException.class);
        ssm.faults().allow("/app/secret");
        assertThat(client.getParametersByPath(r -> r.path("/app").recursive(true)).parameters()).hasSize(2);
    }

    @Test
    void refuseConnections_closesThePort_andAcceptConnections_reopensTheSamePort() throws Exception {
        int port = ssm.port();
        ssm.faults().refuseConnections();

        assertThat(ssm.faults().refusingConnections()).isTrue();
        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                .isInstanceOf(ConnectException.class);
        SdkClientException e = catchThrowableOfType(SdkClientException.class,
                () -> client.getParameter(r -> r.name("/app/a")));
        assertThat(e).hasRootCauseInstanceOf(ConnectException.class);

        ssm.faults().acceptConnections();
        assertThat(ssm.port()).isEqualTo(port);
        assertThat(client.getParameter(r -> r.name("/app/a")).parameter().value()).isEqualTo("va");
    }

    @Test
    void clear_removesEveryFault() throws IOException {
        ssm.faults().throttleAbove(1).errorRate(1, "InternalServerError").deny("/app").failNext(3, "InvalidKeyId")
                .latency(Duration.ofMillis(1)).pageSize(2).emptyPages(true).refuseConnections();

        ssm.faults().clear();

        assertThat(ssm.faults().throttlePerSecond()).isZero();
        assertThat(ssm.faults().errorRate()).isZero();
        assertThat(ssm.faults().denied()).isEmpty();
        assertThat(ssm.faults().failNextRemaining()).isZero();
        assertThat(ssm.faults().latency()).isZero();
        assertThat(ssm.faults().pageSize()).isEqualTo(10);
        assertThat(ssm.faults().emptyPages()).isFalse();
        assertThat(ssm.faults().refusingConnections()).isFalse();
        for (int i = 0; i < 3; i++) {
            assertThat(client.getParameter(r -> r.name("/app/a")).parameter().value()).isEqualTo("va");
        }
    }

    @Test
    void faults_rejectSettingsOutsideTheirRange_namingTheValue() {
        assertThatThrownBy(() -> ssm.faults().errorRate(1.5, "InternalServerError")).hasMessageContaining("1.5");
        assertThatThrownBy(() -> ssm.faults().pageSize(11)).hasMessageContaining("between 1 and 10, got 11");
        assertThatThrownBy(() -> ssm.faults().throttleAbove(-1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> ssm.faults().failNext(1, "not a code")).hasMessageContaining("'not a code'");
        assertThatThrownBy(() -> ssm.faults().latency(Duration.ofMillis(-1))).hasMessageContaining("PT-0.001S");
    }

    @Test
    void options_rejectValuesOutsideTheirRange_namingTheValue() {
        LocalSsm.Options d = LocalSsm.Options.defaults();
        assertThatThrownBy(() -> d.withPort(70000)).hasMessageContaining("70000");
        assertThatThrownBy(() -> new LocalSsm.Options(0, d.clock(), d.region(), "12", 10, d.seed(), 4, 1, false, 10))
                .hasMessageContaining("'12'");
        assertThatThrownBy(() -> new LocalSsm.Options(0, d.clock(), "mars", d.accountId(), 10, d.seed(), 4, 1, false, 10))
                .hasMessageContaining("'mars'");
        assertThatThrownBy(() -> d.withPageSize(0)).hasMessageContaining("got 0");
    }

    @Test
    void javaApi_rejectsWhatSsmRejects_withSsmsReason() {
        assertThatThrownBy(() -> ssm.put("/ssm/reserved", "v")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ValidationException: Parameter name");
        assertThatThrownBy(() -> ssm.put("/x", "v", "Bogus")).hasMessageContaining("'Bogus'");
        assertThatThrownBy(() -> ssm.label("/app/a", 9, "blue")).hasMessageStartingWith("ParameterVersionNotFound");
        assertThatThrownBy(() -> ssm.label("/app/a", 1, "9lives")).hasMessageContaining("[9lives]");
        assertThatThrownBy(() -> ssm.delete("/nope")).hasMessageStartingWith("ParameterNotFound");
        assertThatThrownBy(() -> ssm.putSecret("bad id!", "s")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ssm.putSecret("a:b", "s")).hasMessageContaining("'a:b'");
    }
}
