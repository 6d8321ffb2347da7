package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.AppSsmClient;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.SdkSidecar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.SsmException;
import software.amazon.awssdk.services.ssm.model.UnsupportedOperationException;

/**
 * Hostile callers of the SDK endpoint ({@code SIDECAR_SDK_ENDPOINT=verify}) on a whole sidecar whose clock the test
 * moves: other credentials, a captured request replayed more than 5 minutes later, a signature for another region,
 * a signed {@code PutParameter}, and requests addressed to a foreign {@code Host} or relayed by a proxy. Each gets
 * AWS's error shape ({@code __type}, {@code message}, {@code x-amzn-RequestId}) and none carries the value.
 */
@ExtendWith(LeakWatch.class)
class HostileSdkEndpointTest {
    private static final String NAME = "/hostile/sdk/db";

    @TempDir
    Path tmp;
    private final ManualClock clock = new ManualClock(Instant.now());
    private final List<SsmClient> clients = new ArrayList<>();
    private LocalSsm ssm;
    private SdkSidecar sidecar;
    private String value;

    @BeforeEach
    void start() throws Exception {
        value = LeakWatch.secret("sdk-db");
        ssm = LocalSsm.start();
        ssm.put(NAME, value, "SecureString");
        sidecar = SdkSidecar.start(ssm, tmp.resolve("out"), "verify", clock, Map.of("DB", "ssm://" + NAME));
    }

    @AfterEach
    void stop() {
        clients.forEach(SsmClient::close);
        sidecar.close();
        ssm.close();
        LeakWatch.search("/metrics", sidecar.metrics.scrape());
    }

    private SsmClient client(software.amazon.awssdk.auth.credentials.AwsCredentials credentials, String region,
                             ExecutionInterceptor... interceptors) {
        SsmClient c = AppSsmClient.create(sidecar.endpoint(), credentials, region, interceptors);
        clients.add(c);
        return c;
    }

    private String read(SsmClient c) {
        return c.getParameter(b -> b.name(NAME).withDecryption(true)).parameter().value();
    }

    private static void assertAwsError(Throwable thrown, int status, String code) {
        assertThat(thrown).isInstanceOf(SsmException.class);
        SsmException e = (SsmException) thrown;
        LeakWatch.search("SDK error " + code, e.getMessage());
        assertThat(e.statusCode()).isEqualTo(status);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo(code);
        assertThat(e.requestId()).as("x-amzn-RequestId").isNotBlank();
    }

    private Http.Raw raw(String what, String request) throws IOException {
        Http.Raw r = Http.raw(sidecar.sidecar.port(), request);
        LeakWatch.search("answer to " + what, r.head() + "\n" + r.body());
        return r;
    }

    @Test
    void theTasksOwnCredentials_areServed() {
        assertThat(read(client(AppSsmClient.shared(), AppSsmClient.REGION))).isEqualTo(value);
    }

    @Test
    void otherCredentials_are403AccessDenied() {
        Throwable thrown = catchAll(() -> read(client(AppSsmClient.other(), AppSsmClient.REGION)));
        assertAwsError(thrown, 403, "AccessDeniedException");
        assertThat(LeakWatch.logText()).contains("sdk endpoint refused a request")
                .contains("access key id AKIDSOMEONEELSE is not the sidecar's");
    }

    @Test
    void aSignatureForAnotherRegion_is403InvalidSignature() {
        assertAwsError(catchAll(() -> read(client(AppSsmClient.shared(), "eu-west-1"))), 403,
                "InvalidSignatureException");
    }

    @Test
    void aCapturedRequest_replayedMoreThanFiveMinutesLater_isRefused_thoughItWasServedWhenFresh() throws Exception {
        AtomicReference<String> captured = new AtomicReference<>();
        SsmClient task = client(AppSsmClient.shared(), AppSsmClient.REGION, new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                captured.set(rawOf(context));
            }
        });
        assertThat(read(task)).isEqualTo(value);

        // Served: its answer carries the value, so it is not registered for the leak search.
        Http.Raw fresh = Http.raw(sidecar.sidecar.port(), captured.get());
        assertThat(fresh.status()).isEqualTo(200);
        assertThat(fresh.body()).contains(value);

        clock.advance(Duration.ofMinutes(5).plusSeconds(30));
        Http.Raw replayed = raw("the captured request, 5.5 minutes later", captured.get());
        assertThat(replayed.status()).isEqualTo(403);
        assertThat(replayed.body()).contains("\"__type\":\"InvalidSignatureException\"")
                .contains("Signature expired").doesNotContain(value);
        assertThat(replayed.head()).containsIgnoringCase("x-amzn-RequestId: ");
    }

    @Test
    void aSignedPutParameter_isRefusedAsReadOnly_andNeverReachesSsm() {
        SsmClient task = client(AppSsmClient.shared(), AppSsmClient.REGION);
        Throwable thrown = catchAll(() -> task.putParameter(b -> b.name(NAME).value("overwritten").overwrite(true)));
        assertThat(thrown).isInstanceOf(UnsupportedOperationException.class);
        assertAwsError(thrown, 400, "UnsupportedOperationException");
        assertThat(thrown.getMessage()).contains("AmazonSSM.PutParameter").contains("read-only");
        assertThat(ssm.calls("PutParameter")).isEmpty();
        assertThat(read(task)).isEqualTo(value);
    }

    @Test
    void aForeignHost_aForwardedRequest_andAnUnsignedOne_areRefused_withAwsErrors() throws Exception {
        AtomicReference<String> captured = new AtomicReference<>();
        read(client(AppSsmClient.shared(), AppSsmClient.REGION, new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                captured.set(rawOf(context));
            }
        }));
        String signed = captured.get();
        String foreignHost = signed.replaceFirst("(?im)^Host: [^\r]*", "Host: attacker.example");
        Http.Raw host = raw("foreign Host", foreignHost);
        // Refused before routing, as on every route (http.Edge), in the {"__type","message"} shape SDKs parse.
        assertThat(host.status()).isEqualTo(400);
        assertThat(host.body()).contains("\"__type\":\"ForeignHost\"").contains("SIDECAR_ALLOWED_HOSTS")
                .doesNotContain(value);

        for (String header : List.of("X-Forwarded-For: 10.0.0.9", "Forwarded: for=10.0.0.9", "Via: 1.1 proxy")) {
            Http.Raw relayed = raw(header, signed.replaceFirst("\r\n", "\r\n" + header + "\r\n"));
            assertThat(relayed.status()).as(header).isIn(400, 403);
            assertThat(relayed.body()).as(header).contains("\"__type\"").doesNotContain(value);
        }
        Http.Raw unsigned = raw("no Authorization", signed.replaceFirst("(?im)^Authorization: [^\r]*\r\n", ""));
        assertThat(unsigned.status()).isEqualTo(403);
        assertThat(unsigned.body()).contains("MissingAuthenticationTokenException").doesNotContain(value);
        Http.Raw tampered = raw("body changed after signing", signed.replace(NAME, NAME.replace("db", "xx")));
        assertThat(tampered.status()).isEqualTo(403);
        assertThat(tampered.body()).contains("InvalidSignatureException");
    }

    /** The request as the SDK put it on the wire (signed), with {@code Connection: close} added (not signed). */
    private static String rawOf(Context.BeforeTransmission context) {
        var request = context.httpRequest();
        StringBuilder b = new StringBuilder(request.method().name()).append(' ').append(request.encodedPath().isEmpty()
                ? "/" : request.encodedPath()).append(" HTTP/1.1\r\n");
        request.forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Connection") && !name.equalsIgnoreCase("Expect")) {
                values.forEach(v -> b.append(name).append(": ").append(v).append("\r\n"));
            }
        });
        if (request.firstMatchingHeader("Host").isEmpty()) {
            b.append("Host: ").append(request.host()).append(':').append(request.port()).append("\r\n");
        }
        b.append("Connection: close\r\n\r\n");
        context.requestBody().ifPresent(body -> {
            try (InputStream in = body.contentStreamProvider().newStream()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                b.append(out.toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return b.toString();
    }

    private static Throwable catchAll(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }
}
