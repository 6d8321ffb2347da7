package io.ssmsidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.testing.AppSsmClient;
import io.ssmsidecar.testing.SdkSidecar;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;
import software.amazon.awssdk.services.ssm.model.GetParametersResponse;
import software.amazon.awssdk.services.ssm.model.Parameter;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.ssm.model.SsmException;
import software.amazon.awssdk.services.ssm.model.UnsupportedOperationException;

/**
 * The SDK endpoint through the AWS SDK for Java v2, built as an app builds it with only the endpoint pointed at the
 * sidecar: declared names, paths and Secrets Manager references answered from the snapshot with no SSM call, the
 * service's shapes and errors, rotation after a refresh, and both caller modes.
 */
class SdkEndpointTest {
    private static final String MARK = "sdkval";

    @TempDir
    Path out;
    private LocalSsm ssm;
    private SdkSidecar sidecar;
    private SsmClient app;
    private CapturedLog log;
    private final List<SsmClient> clients = new ArrayList<>();

    @BeforeEach
    void seed() throws Exception {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        ssm = LocalSsm.start();
        ssm.put("/app/db/password", MARK + "-db-1", "SecureString");
        ssm.put("/app/plain", MARK + "-plain", "String");
        ssm.put("/extra/token", MARK + "-extra", "SecureString");
        ssm.put("/elsewhere/x", MARK + "-elsewhere", "SecureString");
        for (int i = 0; i < 23; i++) {
            ssm.put(String.format("/app/many/p%02d", i), MARK + "-many-" + i, "SecureString");
        }
        ssm.put("/app/many/deeper/q", MARK + "-deep", "SecureString");
        ssm.putSecret("db-creds", MARK + "-{\"user\":\"u\"}");
    }

    private void start(String mode) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("DB_PASSWORD", "ssm:///app/db/password");
        env.put("PLAIN", "ssm:///app/plain");
        env.put("MANY", "ssm:///app/many/*");
        env.put("CREDS", "ssm:///aws/reference/secretsmanager/db-creds");
        env.put("SIDECAR_ALLOW", "/extra/");
        sidecar = SdkSidecar.start(ssm, out, mode, Clock.systemUTC(), env);
        app = client(AppSsmClient.shared(), AppSsmClient.REGION);
    }

    private SsmClient client(software.amazon.awssdk.auth.credentials.AwsCredentials credentials, String region) {
        SsmClient c = AppSsmClient.create(sidecar.endpoint(), credentials, region);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stop() {
        clients.forEach(SsmClient::close);
        if (sidecar != null) {
            sidecar.close();
        }
        ssm.close();
        log.close();
        assertThat(log.text()).as("no value in any log line").doesNotContain(MARK);
        assertThat(log.text()).as("no secret key in any log line").doesNotContain(AppSsmClient.SECRET_ACCESS_KEY)
                .doesNotContain(AppSsmClient.SESSION_TOKEN);
        if (sidecar != null) {
            assertThat(sidecar.metrics.scrape()).doesNotContain(MARK);
        }
    }

    private long ssmCalls() {
        return ssm.counters().total();
    }

    @Test
    void getParameter_declared_isServedFromTheSnapshot_withTheServicesFields_andNoSsmCall() throws Exception {
        start("verify");
        long before = ssmCalls();
        GetParameterResponse r = app.getParameter(b -> b.name("/app/db/password").withDecryption(true));
        Parameter p = r.parameter();
        assertThat(p.value()).isEqualTo(MARK + "-db-1");
        assertThat(p.name()).isEqualTo("/app/db/password");
        assertThat(p.type()).isEqualTo(ParameterType.SECURE_STRING);
        assertThat(p.version()).isEqualTo(1L);
        assertThat(p.arn()).isEqualTo(ssm.arnOf("/app/db/password"));
        assertThat(p.dataType()).isEqualTo("text");
        assertThat(p.lastModifiedDate()).isNotNull();
        assertThat(r.responseMetadata().requestId()).as("x-amzn-RequestId").isNotEqualTo("UNKNOWN");
        for (int i = 0; i < 20; i++) {
            app.getParameter(b -> b.name("/app/db/password").withDecryption(true));
        }
        assertThat(ssmCalls() - before).as("SSM calls for 21 app reads of a declared name").isZero();
    }

    @Test
    void rotation_theNextCallAfterARefresh_seesTheNewVersion_andBetweenRefreshesNoCallReachesSsm() throws Exception {
        start("verify");
        assertThat(app.getParameter(b -> b.name("/app/db/password").withDecryption(true)).parameter().value())
                .isEqualTo(MARK + "-db-1");
        ssm.put("/app/db/password", MARK + "-db-2", "SecureString");
        long before = ssmCalls();
        for (int i = 0; i < 10; i++) {
            assertThat(app.getParameter(b -> b.name("/app/db/password").withDecryption(true)).parameter().value())
                    .as("until the sidecar refreshes, the app sees the snapshot").isEqualTo(MARK + "-db-1");
        }
        assertThat(ssmCalls() - before).isZero();

        sidecar.refresh();
        long afterRefresh = ssmCalls();
        Parameter p = app.getParameter(b -> b.name("/app/db/password").withDecryption(true)).parameter();
        assertThat(p.value()).isEqualTo(MARK + "-db-2");
        assertThat(p.version()).isEqualTo(2L);
        for (int i = 0; i < 10; i++) {
            app.getParameter(b -> b.name("/app/db/password").withDecryption(true));
        }
        assertThat(ssmCalls() - afterRefresh).as("app calls after the refresh").isZero();
    }

    @Test
    void getParameters_answersFoundAndInvalid_sortedByName_likeSsm() throws Exception {
        start("verify");
        GetParametersResponse r = app.getParameters(b -> b.names("/app/plain", "/app/db/password", "/extra/missing")
                .withDecryption(true));
        assertThat(r.parameters()).extracting(Parameter::name).containsExactly("/app/db/password", "/app/plain");
        assertThat(r.invalidParameters()).containsExactly("/extra/missing");
        assertThatThrownBy(() -> app.getParameters(b -> b.names(List.of()).withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> assertThat(e.awsErrorDetails().errorCode())
                        .isEqualTo("ValidationException"));
    }

    @Test
    void getParametersByPath_onADeclaredPath_pagesByTen_fromTheSnapshot() throws Exception {
        start("verify");
        long before = ssmCalls();
        List<Parameter> all = new ArrayList<>();
        int pages = 0;
        for (var page : app.getParametersByPathPaginator(b -> b.path("/app/many").recursive(false)
                .withDecryption(true).maxResults(10))) {
            assertThat(page.parameters().size()).isLessThanOrEqualTo(10);
            all.addAll(page.parameters());
            pages++;
        }
        assertThat(all).hasSize(23);
        assertThat(pages).isEqualTo(3);
        assertThat(all.get(0).value()).isEqualTo(MARK + "-many-0");
        List<Parameter> recursive = new ArrayList<>();
        app.getParametersByPathPaginator(b -> b.path("/app/many/").recursive(true).withDecryption(true))
                .forEach(page -> recursive.addAll(page.parameters()));
        assertThat(recursive).hasSize(24).extracting(Parameter::name).contains("/app/many/deeper/q");
        assertThat(ssmCalls() - before).isZero();
        assertThatThrownBy(() -> app.getParametersByPath(b -> b.path("/elsewhere").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("/elsewhere").contains("ssm:///elsewhere/*");
                });
        assertThatThrownBy(() -> app.getParametersByPath(b -> b.path("/app/many").maxResults(11)))
                .isInstanceOfSatisfying(SsmException.class, e -> assertThat(e.awsErrorDetails().errorCode())
                        .isEqualTo("ValidationException"));
    }

    @Test
    void secretsManagerReference_isServedFromTheSnapshot_withItsSourceResult() throws Exception {
        start("verify");
        long before = ssmCalls();
        Parameter p = app.getParameter(b -> b.name("/aws/reference/secretsmanager/db-creds").withDecryption(true))
                .parameter();
        assertThat(p.value()).isEqualTo(MARK + "-{\"user\":\"u\"}");
        assertThat(p.sourceResult()).contains("db-creds").doesNotContain(MARK);
        assertThat(ssmCalls() - before).isZero();
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/aws/reference/secretsmanager/db-creds")))
                .isInstanceOfSatisfying(SsmException.class, e -> assertThat(e.awsErrorDetails().errorMessage())
                        .isEqualTo("WithDecryption flag must be True for retrieving a Secret Value from Secrets Manager"));
    }

    @Test
    void undeclaredNames_goThroughSidecarAllow_orAreRefusedNamingTheSetting() throws Exception {
        start("verify");
        long before = ssmCalls();
        assertThat(app.getParameter(b -> b.name("/extra/token").withDecryption(true)).parameter().value())
                .isEqualTo(MARK + "-extra");
        assertThat(ssmCalls() - before).as("one on-demand fetch").isEqualTo(1);
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/extra/missing").withDecryption(true)))
                .isInstanceOf(ParameterNotFoundException.class);
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/elsewhere/x").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("/elsewhere/x").contains("SIDECAR_ALLOW");
                });
    }

    @Test
    void onDemandFailures_areAnsweredAsTheServiceWould_soSdksRetryThem() throws Exception {
        start("verify");
        ssm.faults().failNext(100, "ThrottlingException");
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/extra/token").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ThrottlingException");
                    assertThat(e.isThrottlingException()).isTrue();
                });
        ssm.faults().clear().refuseConnections();
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/extra/token").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(500);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InternalServerError");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("could not get an answer from SSM");
                });
        ssm.faults().acceptConnections();
        assertThat(app.getParameter(b -> b.name("/app/db/password").withDecryption(true)).parameter().value())
                .as("declared names never needed SSM").isEqualTo(MARK + "-db-1");
    }

    @Test
    void withDecryptionFalse_servesAString_butRefusesASecureString_sayingWhy() throws Exception {
        start("verify");
        assertThat(app.getParameter(b -> b.name("/app/plain")).parameter().value()).isEqualTo(MARK + "-plain");
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/app/db/password").withDecryption(false)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationException");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("WithDecryption=true")
                            .doesNotContain(MARK);
                });
    }

    @Test
    void writes_andOtherOperations_areRefusedByName_asReadOnly() throws Exception {
        start("verify");
        assertThatThrownBy(() -> app.putParameter(b -> b.name("/app/db/password").value("x").overwrite(true)))
                .isInstanceOfSatisfying(UnsupportedOperationException.class, e -> assertThat(e.getMessage())
                        .contains("AmazonSSM.PutParameter").contains("read-only"));
        assertThatThrownBy(() -> app.describeParameters(b -> { }))
                .isInstanceOfSatisfying(UnsupportedOperationException.class, e -> assertThat(e.getMessage())
                        .contains("AmazonSSM.DescribeParameters"));
        assertThat(ssm.calls("PutParameter")).isEmpty();
    }

    @Test
    void verify_refusesOtherCredentials_andAnotherRegion_with403() throws Exception {
        start("verify");
        assertThatThrownBy(() -> client(AppSsmClient.other(), AppSsmClient.REGION)
                .getParameter(b -> b.name("/app/db/password").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDeniedException");
                });
        assertThatThrownBy(() -> client(AppSsmClient.shared(), "eu-west-1")
                .getParameter(b -> b.name("/app/db/password").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
                    assertThat(e.awsErrorDetails().errorMessage()).contains("eu-west-1");
                });
        assertThat(log.text()).contains("sdk endpoint refused a request").contains("AKIDSOMEONEELSE")
                .contains("signed for region eu-west-1");
    }

    @Test
    void trustLoopback_servesAnyLoopbackCaller_withoutASignatureCheck() throws Exception {
        start("trust-loopback");
        assertThat(client(AppSsmClient.other(), "eu-west-1").getParameter(b -> b.name("/app/db/password")
                .withDecryption(true)).parameter().value()).isEqualTo(MARK + "-db-1");
    }

    @Test
    void theHostHeader_mustNameLoopback_asAnIpLiteralOrLocalhost() throws Exception {
        start("trust-loopback");
        int port = sidecar.sidecar.port();
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port, "LOCALHOST")) {
            assertThat(rawStatus(host)).as(host).isEqualTo(200);
        }
        for (String host : List.of("attacker.example", "169.254.169.254", "cafe", "[fe80::1]:" + port)) {
            assertThat(rawStatus(host)).as(host + ": refused before routing, as on every route").isEqualTo(400);
        }
        assertThat(rawStatus("")).as("an empty Host, refused by Jetty itself").isEqualTo(400);
    }

    /** The status of a GetParameter sent on a raw socket with {@code host} as the Host header. */
    private int rawStatus(String host) throws Exception {
        String body = "{\"Name\":\"/app/plain\"}";
        String request = "POST / HTTP/1.1\r\nHost: " + host + "\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n"
                + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body;
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", sidecar.sidecar.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            return Integer.parseInt(answer.split(" ", 3)[1]);
        }
    }

    @Test
    void off_answersEveryCall_withHowToTurnItOn() throws Exception {
        start("off");
        assertThatThrownBy(() -> app.getParameter(b -> b.name("/app/db/password").withDecryption(true)))
                .isInstanceOfSatisfying(SsmException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorMessage()).contains("SIDECAR_SDK_ENDPOINT=verify");
                });
    }

    @Test
    void theNativeApi_stillDemandsItsToken_andThe_sdkRoute_doesNotAcceptItInstead() throws Exception {
        start("verify");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(sidecar.endpoint() + "/")).header("X-Aws-Parameters-Secrets-Token", SdkSidecar.TOKEN)
                .header("X-Amz-Target", "AmazonSSM.GetParameter").header("Content-Type", "application/x-amz-json-1.1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"Name\":\"/app/db/password\",\"WithDecryption\":true}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("MissingAuthenticationTokenException").doesNotContain(MARK);
        java.util.UUID id = java.util.UUID.fromString(r.headers().firstValue("x-amzn-RequestId").orElseThrow());
        assertThat(id.version()).as("a version-4 UUID, as AWS sends").isEqualTo(4);
        assertThat(id.variant()).isEqualTo(2);
    }
}
