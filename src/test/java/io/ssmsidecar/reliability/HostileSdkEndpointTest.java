package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.AppSsmClient;
import io.ssmsidecar.testing.ManualClock;
import io.ssmsidecar.testing.SdkSidecar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.SsmException;
import software.amazon.awssdk.services.ssm.model.UnsupportedOperationException;

/**
 * Hostile callers of the SDK endpoint ({@code SIDECAR_SDK_ENDPOINT=verify}) on a whole sidecar whose clock the test
 * moves: other credentials, a captured request replayed more than 5 minutes later, a signature for another region,
 * a signed {@code PutParameter}, requests addressed to a foreign {@code Host} or relayed by a proxy, stalled bodies,
 * and signatures that leave out {@code X-Amz-Target}. Each gets
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

    // ---- issue 18, item 1: stalled request bodies ---------------------------------------------------------------

    /** {@code POST /} announcing {@code length} body bytes; an Authorization header that passes the head check only. */
    private String stalledHead(int length) {
        return "POST / HTTP/1.1\r\nHost: 127.0.0.1:" + sidecar.sidecar.port() + "\r\n"
                + "Authorization: AWS4-HMAC-SHA256 Credential=AKIDX/20240101/us-east-1/ssm/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=00\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n"
                + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: " + length + "\r\n\r\n";
    }

    @Test
    void stalledBodies_holdNoRequestThread_probesAndDeclaredReadsAnswer_andEachStalledOneGets408() throws Exception {
        // More stalled bodies than the API has request threads (16): each used to hold one for the 90 s idle timeout.
        int stalled = 24;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < stalled; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", sidecar.sidecar.port()), 5000);
                s.setSoTimeout(30_000);
                s.getOutputStream().write((stalledHead(10_000) + "{\"Name\":").getBytes(StandardCharsets.UTF_8));
                s.getOutputStream().flush();
                sockets.add(s);
            }
            Http.Raw healthz = raw("healthz while stalled", Http.request("GET", "/healthz"));
            Http.Raw readyz = raw("readyz while stalled", Http.request("GET", "/readyz"));
            String declared = read(client(AppSsmClient.shared(), AppSsmClient.REGION));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int healthcheck = Main.run(new String[] {"healthcheck"}, Map.of("SIDECAR_HTTP_PORT",
                    Integer.toString(sidecar.sidecar.port())), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(out, true, StandardCharsets.UTF_8));

            assertThat(healthz.status()).isEqualTo(200);
            assertThat(readyz.status()).isEqualTo(200);
            assertThat(declared).isEqualTo(value);
            assertThat(healthcheck).as(out.toString(StandardCharsets.UTF_8)).isZero();
            for (Socket s : sockets) {
                Http.Raw r = Http.read(s.getInputStream());
                assertThat(r.status()).as("a stalled body is cut at the body deadline").isEqualTo(408);
                assertThat(r.body()).contains("\"__type\":\"RequestTimeout\"");
                assertThat(r.head()).containsIgnoringCase("Connection: close");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        Figures.record("hostile-sdk-endpoint", "stalled POST / bodies (10,000 announced, 8 sent) answered 408", stalled);
    }

    @Test
    void aBodyOverTheCap_is413Unread_andABodySentAfterItsHead_isServed() throws Exception {
        Http.Raw tooLarge = raw("a 1 MiB Content-Length", stalledHead(1 << 20));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.body()).contains("RequestTooLarge").contains("16384");

        AtomicReference<String> captured = new AtomicReference<>();
        read(client(AppSsmClient.shared(), AppSsmClient.REGION, new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                captured.set(rawOf(context));
            }
        }));
        int split = captured.get().indexOf("\r\n\r\n") + 4;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", sidecar.sidecar.port()), 5000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(captured.get().substring(0, split).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            // The head is in; the body follows once another request was served (no thread waited on this one).
            assertThat(raw("probe between head and body", Http.request("GET", "/healthz")).status()).isEqualTo(200);
            s.getOutputStream().write(captured.get().substring(split).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            Http.Raw served = Http.read(s.getInputStream());
            assertThat(served.status()).isEqualTo(200);
            assertThat(served.body()).contains(value);
        }
    }

    // ---- issue 18, item 10: what the signature must cover -------------------------------------------------------

    /**
     * {@code GetParameter} for {@link #NAME} signed with the task's keys by the SDK's own SigV4 signer, with
     * {@code X-Amz-Target} and {@code Content-Type} signed or added after signing.
     */
    private String signedGetParameter(boolean signTargetAndType) {
        String body = "{\"Name\":\"" + NAME + "\",\"WithDecryption\":true}";
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(sidecar.endpoint().resolve("/"));
        if (signTargetAndType) {
            request.putHeader("X-Amz-Target", "AmazonSSM.GetParameter")
                    .putHeader("Content-Type", "application/x-amz-json-1.1");
        }
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsSessionCredentialsIdentity.create(AppSsmClient.ACCESS_KEY_ID,
                        AppSsmClient.SECRET_ACCESS_KEY, AppSsmClient.SESSION_TOKEN))
                .request(request.build())
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "ssm")
                .putProperty(AwsV4HttpSigner.REGION_NAME, AppSsmClient.REGION)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, clock));
        StringBuilder b = new StringBuilder("POST / HTTP/1.1\r\n");
        signed.request().forEachHeader((name, values) -> values.forEach(v -> b.append(name).append(": ").append(v)
                .append("\r\n")));
        if (signed.request().firstMatchingHeader("Host").isEmpty()) {
            b.append("Host: 127.0.0.1:").append(sidecar.sidecar.port()).append("\r\n");
        }
        if (!signTargetAndType) {
            b.append("X-Amz-Target: AmazonSSM.GetParameter\r\nContent-Type: application/x-amz-json-1.1\r\n");
        }
        return b.append("Content-Length: ").append(body.length()).append("\r\nConnection: close\r\n\r\n")
                .append(body).toString();
    }

    @Test
    void aSignatureThatLeavesOutXAmzTargetOrContentType_isRefused() throws Exception {
        Http.Raw complete = Http.raw(sidecar.sidecar.port(), signedGetParameter(true));
        String unsigned = signedGetParameter(false);
        Http.Raw partial = raw("X-Amz-Target and Content-Type not signed", unsigned);

        assertThat(complete.status()).as("the same request with both signed").isEqualTo(200);
        assertThat(complete.body()).contains(value);
        assertThat(partial.status()).isEqualTo(403);
        assertThat(partial.body()).contains("\"__type\":\"IncompleteSignatureException\"")
                .contains("x-amz-target").doesNotContain(value);
        assertThat(LeakWatch.logText()).contains("x-amz-target not signed");
        assertThat(unsigned).as("the forged request signs neither").containsPattern("SignedHeaders=host;")
                .doesNotContainPattern("SignedHeaders=[^,]*(x-amz-target|content-type)");
    }

    @Test
    void trustLoopback_servesLoopbackHostNamesOnly_evenWithSidecarAllowedHosts() throws Exception {
        try (SdkSidecar trusting = SdkSidecar.start(ssm, tmp.resolve("trusting"), "trust-loopback", clock,
                Map.of("DB", "ssm://" + NAME, "SIDECAR_ALLOWED_HOSTS", "app.internal"))) {
            String body = "{\"Name\":\"" + NAME + "\",\"WithDecryption\":true}";
            java.util.function.Function<String, String> post = host -> "POST / HTTP/1.1\r\nHost: " + host
                    + "\r\nX-Amz-Target: AmazonSSM.GetParameter\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
            int port = trusting.sidecar.port();
            Http.Raw listed = Http.raw(port, post.apply("app.internal:" + port));
            LeakWatch.search("trust-loopback with a listed Host", listed.head() + "\n" + listed.body());
            Http.Raw loopback = Http.raw(port, post.apply("127.0.0.1:" + port));
            Http.Raw listedProbe = Http.raw(port, Http.request("GET", "/ping").replace("Host: 127.0.0.1",
                    "Host: app.internal"));

            assertThat(listed.status()).as("no credential, so SIDECAR_ALLOWED_HOSTS does not apply").isEqualTo(400);
            assertThat(listed.body()).contains("\"__type\":\"ForeignHost\"").contains("trust-loopback")
                    .doesNotContain(value);
            assertThat(loopback.status()).isEqualTo(200);
            assertThat(loopback.body()).contains(value);
            assertThat(listedProbe.status()).as("the listed name still reaches the other routes").isEqualTo(200);
        }
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
