package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SigningCredentials;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.testing.AppSsmClient;
import io.ssmsidecar.testing.ManualClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.SsmException;

/**
 * SigV4 verification against signatures made by the AWS SDK for Java v2 itself: credentials that rotate under the
 * sidecar (re-resolved once, and at most every 10 s however many bad requests arrive), a session token that differs,
 * and the 5-minute window on the sidecar's injected clock in both directions.
 */
class SigV4CheckTest {
    private static final String VALUE = "sigv4-value-7f3a";

    private final InMemoryBackend backend = new InMemoryBackend();
    private final ManualClock clock = new ManualClock(Instant.now());
    private final RotatingCredentials credentials = new RotatingCredentials();
    private final List<SsmClient> clients = new ArrayList<>();
    private final CapturedLog log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO);
    private ApiServer server;

    /** The sidecar's view of the task-role keys: {@code current} is the provider's cache, {@code latest} the truth. */
    static final class RotatingCredentials implements SigningCredentials {
        volatile Keys current = keys("AKIDOLD", "old-secret", "old-token");
        volatile Keys latest = current;
        final AtomicInteger resolvedAgain = new AtomicInteger();

        static Keys keys(String id, String secret, String token) {
            return new Keys(id, SecretValue.of(secret), token);
        }

        @Override
        public String region() {
            return "us-east-1";
        }

        @Override
        public Keys current() {
            return current;
        }

        @Override
        public Keys resolveAgain() {
            resolvedAgain.incrementAndGet();
            return latest;
        }
    }

    private void start() {
        backend.store.publish(Map.of("DB", InMemoryBackend.secret("DB", "/app/db", VALUE, 3)));
        server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 50, false), backend,
                PrometheusMetrics.create(), new ApiServer.SdkAccess(ApiServer.SdkMode.VERIFY,
                        Optional.of(credentials), clock)).start();
    }

    @AfterEach
    void stop() {
        clients.forEach(SsmClient::close);
        if (server != null) {
            server.close();
        }
        log.close();
        assertThat(log.text()).doesNotContain(VALUE).doesNotContain("new-secret").doesNotContain("old-secret")
                .doesNotContain("new-token").doesNotContain("Signature=");
    }

    private SsmClient app(String id, String secret, String token) {
        SsmClient c = AppSsmClient.create(URI.create("http://127.0.0.1:" + server.port()),
                token == null ? AwsBasicCredentials.create(id, secret) : AwsSessionCredentials.create(id, secret, token),
                "us-east-1");
        clients.add(c);
        return c;
    }

    private String read(SsmClient c) {
        return c.getParameter(b -> b.name("/app/db").withDecryption(true)).parameter().value();
    }

    @Test
    void keysRotatedUnderTheSidecar_areResolvedAgainOnce_thenServed() {
        start();
        credentials.latest = RotatingCredentials.keys("AKIDNEW", "new-secret", "new-token");
        SsmClient rotated = app("AKIDNEW", "new-secret", "new-token");

        assertThat(read(rotated)).isEqualTo(VALUE);
        assertThat(credentials.resolvedAgain).hasValue(1);
        assertThat(read(rotated)).as("the fresh keys are kept").isEqualTo(VALUE);
        assertThat(credentials.resolvedAgain).hasValue(1);
    }

    @Test
    void aFloodOfForeignSignatures_resolvesCredentialsAgain_atMostOncePer10Seconds() {
        start();
        SsmClient stranger = app("AKIDSTRANGER", "x", null);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> read(stranger)).isInstanceOfSatisfying(SsmException.class,
                    e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException"));
        }
        int afterFlood = credentials.resolvedAgain.get();
        assertThat(afterFlood).isEqualTo(1);
        clock.advance(SigV4Check.RESOLVE_AGAIN_EVERY.plusSeconds(1));
        assertThatThrownBy(() -> read(stranger)).isInstanceOf(SsmException.class);
        assertThat(credentials.resolvedAgain).hasValue(2);
    }

    @Test
    void theRightKeys_withAnotherSessionToken_orAnotherSecret_areRefused() {
        start();
        assertThat(read(app("AKIDOLD", "old-secret", "old-token"))).isEqualTo(VALUE);
        assertThatThrownBy(() -> read(app("AKIDOLD", "old-secret", "forged-token")))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("session token");
                });
        assertThatThrownBy(() -> read(app("AKIDOLD", "guessed-secret", "old-token")))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                });
        assertThat(log.text()).contains("reason=\"session token differs from the sidecar's\"")
                .contains("signature does not match");
    }

    @Test
    void aSidecarClockMoreThanFiveMinutesAway_refusesTheSignature_inBothDirections() {
        start();
        SsmClient task = app("AKIDOLD", "old-secret", "old-token");
        clock.advance(Duration.ofMinutes(4));
        assertThat(read(task)).as("4 minutes of skew are within SigV4's window").isEqualTo(VALUE);
        clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> read(task)).isInstanceOfSatisfying(SsmException.class, e -> {
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
            assertThat(e.awsErrorDetails().errorMessage()).startsWith("Signature expired: ");
        });
        clock.advance(Duration.ofMinutes(-12));
        assertThatThrownBy(() -> read(task)).isInstanceOfSatisfying(SsmException.class, e ->
                assertThat(e.awsErrorDetails().errorMessage()).startsWith("Signature not yet current: "));
    }
}
