package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.localssm.SdkClients;
import io.ssmsidecar.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The edge of both listeners as a hostile tenant or a web page sees it (issue 11, items 4, 5, 6 and 8), sent byte for
 * byte on raw sockets: method-override headers, proxy headers, foreign {@code Host} names (DNS rebinding), cross-site
 * writes to the local SSM endpoint, and JSON key names in error messages.
 */
@ExtendWith(LeakWatch.class)
class HostileEdgeTest {
    private static final String KEY = "DB_PASSWORD";
    private static final String TOKEN = InProcessSidecar.TOKEN;
    private static final String WITH_TOKEN = Http.TOKEN_HEADER + ": " + TOKEN;
    private static final List<String> PROBES = List.of("/ping", "/healthz", "/readyz", "/metrics");

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private String value;

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        value = Values.make(KEY, 1, 64, new SplittableRandom(11));
        ssm.put("/edge/db", value, "SecureString");
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), Map.of(KEY, "ssm:///edge/db"));
        sidecar.awaitReady();
    }

    @AfterEach
    void stop() {
        sidecar.close();
        ssm.close();
    }

    /** A request with exactly the head lines given (no Host unless one is given), {@code Connection: close}. */
    private static String request(String method, String target, String... headers) {
        StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("Content-Length: 0\r\nConnection: close\r\n\r\n").toString();
    }

    private Http.Raw send(String what, String request) throws Exception {
        return send(sidecar.http.port(), what, request);
    }

    private static Http.Raw send(int port, String what, String request) throws Exception {
        Http.Raw r = Http.raw(port, request);
        LeakWatch.search("answer to " + what, r.head() + "\n" + r.body());
        return r;
    }

    // ---- item 4: X-HTTP-Method-Override ------------------------------------------------------------------------

    @Test
    void methodOverrideToGet_hasNoEffect_putDeleteAndPostReadNoValue() throws Exception {
        Map<String, Integer> answers = new LinkedHashMap<>();
        for (String override : List.of("X-HTTP-Method-Override: GET", "x-http-method-override: get")) {
            for (String method : List.of("PUT", "DELETE", "POST")) {
                for (String target : List.of("/v1/secrets/" + KEY, "/v1/secrets",
                        "/systemsmanager/parameters/get?name=/edge/db&withDecryption=true", "/ping")) {
                    Http.Raw r = send(method + " " + target, request(method, target, "Host: 127.0.0.1", WITH_TOKEN,
                            override));
                    answers.put(method + " " + target, r.status());
                    assertThat(r.status()).as("%s %s with %s", method, target, override).isEqualTo(405);
                    assertThat(r.body()).doesNotContain(value).contains(method + " ");
                }
            }
        }
        List<String> logged = LeakWatch.logText().lines().filter(l -> l.contains("http request")).toList();
        assertThat(logged).as("the log records the method sent").hasSize(answers.size() * 2)
                .noneMatch(l -> l.contains("method=GET"));
        Figures.record("hostile-edge", "method-override requests answered 405 (none read a value)", logged.size());
    }

    @Test
    void methodOverrideToPost_onAGet_doesNotTriggerARefresh() throws Exception {
        long before = ssm.counters().total();
        Http.Raw r = send("GET /v1/refresh overridden to POST", request("GET", "/v1/refresh", "Host: 127.0.0.1",
                WITH_TOKEN, "X-HTTP-Method-Override: POST"));

        assertThat(r.status()).isEqualTo(405);
        assertThat(r.head()).contains("Allow: POST");
        assertThat(sidecar.scrape()).doesNotContain("route=\"/v1/refresh\",status=\"202\"");
        assertThat(ssm.counters().total()).as("SSM calls").isEqualTo(before);
    }

    // ---- item 5: proxies and Host ------------------------------------------------------------------------------

    @Test
    void forwardedAndVia_areRefusedLikeXForwardedFor_onEveryRoute() throws Exception {
        List<String> targets = new ArrayList<>(List.of("/v1/secrets/" + KEY, "/v1/secrets",
                "/systemsmanager/parameters/get?name=/edge/db&withDecryption=true", "/secretsmanager/get?secretId=x"));
        targets.addAll(PROBES);
        int refused = 0;
        for (String proxy : List.of("Forwarded: for=10.0.0.1", "forwarded: for=\"[2001:db8::1]\";proto=http",
                "Forwarded: for=127.0.0.1", "Via: 1.1 proxy.example", "via: 1.0 squid", "Forwarded: ", "Via: ",
                "X-Forwarded-For: 10.0.0.1")) {
            for (String target : targets) {
                Http.Raw r = send(proxy + " " + target, request("GET", target, "Host: 127.0.0.1:2773", WITH_TOKEN,
                        proxy));
                assertThat(r.status()).as("%s on %s", proxy, target).isEqualTo(400);
                assertThat(r.body()).contains("ForwardedRequest").doesNotContain(value);
                refused++;
            }
        }
        Http.Raw post = send("Via on POST /v1/refresh", request("POST", "/v1/refresh", "Host: localhost", WITH_TOKEN,
                "Via: 1.1 proxy"));
        assertThat(post.status()).isEqualTo(400);
        Figures.record("hostile-edge", "proxied requests refused with 400", refused + 1);
    }

    @Test
    void aForeignHost_isRefusedWith400_onEveryRoute_probesIncluded() throws Exception {
        List<String> targets = new ArrayList<>(List.of("/v1/secrets/" + KEY, "/v1/secrets",
                "/systemsmanager/parameters/get?name=/edge/db&withDecryption=true", "/secretsmanager/get?secretId=x",
                "/nothing/here"));
        targets.addAll(PROBES);
        int refused = 0;
        for (String host : List.of("evil.example", "evil.example:2773", "127.0.0.1.nip.io", "localhost.evil.example",
                "evil-localhost", "10.0.0.5", "10.0.0.5:2773", "[::2]", "[fe80::1]:2773", "0x7f.1", "2130706433",
                "sidecar.internal.evil.example", "secrets.example.", "", "127.0.0.1:2773, evil.example")) {
            for (String target : targets) {
                Http.Raw r = send("Host " + host + " " + target, request("GET", target, "Host: " + host, WITH_TOKEN));
                assertThat(r.status()).as("Host '%s' on %s", host, target).isEqualTo(400);
                assertThat(r.body()).doesNotContain(value).doesNotContain("healthy");
                refused++;
            }
        }
        Http.Raw refresh = send("foreign Host on POST /v1/refresh", request("POST", "/v1/refresh",
                "Host: evil.example", WITH_TOKEN));
        assertThat(refresh.status()).isEqualTo(400);
        assertThat(refresh.body()).contains("ForeignHost").contains("SIDECAR_ALLOWED_HOSTS");
        Figures.record("hostile-edge", "foreign-Host requests refused with 400", refused + 1);
    }

    // ---- issue 18, item 8: absolute-form targets, OPTIONS *, the other proxy headers -------------------------

    @Test
    void anAbsoluteFormTarget_isCheckedLikeHost_whenNoHostIsSent() throws Exception {
        Map<String, Integer> answers = new LinkedHashMap<>();
        for (String authority : List.of("evil.example", "evil.example:2773", "10.0.0.5", "[fe80::1]:80", "0x7f.1")) {
            for (String path : List.of("/v1/secrets/" + KEY, "/ping", "/systemsmanager/parameters/get?name=/edge/db")) {
                String target = "http://" + authority + path;
                Http.Raw r = send("GET " + target, "GET " + target + " HTTP/1.0\r\n" + WITH_TOKEN + "\r\n\r\n");
                answers.put(target, r.status());
                assertThat(r.status()).as("GET %s HTTP/1.0 without Host", target).isEqualTo(400);
                assertThat(r.body()).contains("ForeignHost").doesNotContain(value).doesNotContain("healthy");
            }
        }
        for (String authority : List.of("127.0.0.1", "localhost:2773", "[::1]")) {
            Http.Raw ok = Http.raw(sidecar.http.port(), "GET http://" + authority + "/v1/secrets/" + KEY
                    + " HTTP/1.0\r\n" + WITH_TOKEN + "\r\n\r\n");
            assertThat(ok.status()).as("a loopback authority, %s", authority).isEqualTo(200);
            assertThat(ok.body()).isEqualTo(value);
        }
        Figures.record("hostile-edge", "absolute-form requests with a foreign authority refused with 400",
                answers.size());
    }

    @Test
    void optionsStar_withAForeignHost_getsTheEdgeCheck() throws Exception {
        Http.Raw foreign = send("OPTIONS * foreign Host", request("OPTIONS", "*", "Host: evil.example"));
        Http.Raw proxied = send("OPTIONS * proxied", request("OPTIONS", "*", "Host: 127.0.0.1", "Via: 1.1 proxy"));
        Http.Raw loopback = send("OPTIONS * loopback", request("OPTIONS", "*", "Host: 127.0.0.1"));

        assertThat(foreign.status()).isEqualTo(400);
        assertThat(foreign.body()).contains("\"__type\":\"ForeignHost\"");
        assertThat(proxied.status()).isEqualTo(400);
        assertThat(proxied.body()).contains("\"__type\":\"ForwardedRequest\"");
        assertThat(loopback.status()).as("no edge refusal for this host").isNotEqualTo(400).isNotEqualTo(200);
    }

    @Test
    void xForwardedHostProtoAndRealIp_areRefusedLikeTheOtherProxyHeaders() throws Exception {
        List<String> targets = new ArrayList<>(List.of("/v1/secrets/" + KEY,
                "/systemsmanager/parameters/get?name=/edge/db&withDecryption=true"));
        targets.addAll(PROBES);
        int refused = 0;
        for (String proxy : List.of("X-Forwarded-Host: 127.0.0.1", "x-forwarded-host: evil.example",
                "X-Forwarded-Proto: https", "X-Real-IP: 10.0.0.1", "x-real-ip: 127.0.0.1", "X-Forwarded-Port: 443",
                "X-Forwarded-Server: proxy")) {
            for (String target : targets) {
                Http.Raw r = send(proxy + " " + target, request("GET", target, "Host: 127.0.0.1", WITH_TOKEN, proxy));
                assertThat(r.status()).as("%s on %s", proxy, target).isEqualTo(400);
                assertThat(r.body()).contains("ForwardedRequest").doesNotContain(value);
                refused++;
            }
        }
        Figures.record("hostile-edge", "X-Forwarded-Host/-Proto/-Port/-Server and X-Real-IP requests refused", refused);
    }

    @Test
    void loopbackHosts_areServed_withAnyPort() throws Exception {
        assertServed(sidecar.http.port(), "127.0.0.1", "127.0.0.1:2773", "127.0.0.1:1", "localhost", "LocalHost:80",
                "localhost.", "[::1]", "[::1]:2773", "127.1.2.3:9");
        Http.Raw http10 = send("HTTP/1.0 without Host", "GET /ping HTTP/1.0\r\n\r\n");
        Http.Raw http11 = send("HTTP/1.1 without Host", "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertThat(http10.status()).as("HTTP/1.0 has no Host to check; no browser sends it").isEqualTo(200);
        assertThat(http11.status()).as("HTTP/1.1 needs a Host").isEqualTo(400);
    }

    @Test
    void namesListedInSidecarAllowedHosts_areServed_othersStillRefused() throws Exception {
        try (InProcessSidecar listed = InProcessSidecar.start(ssm, tmp.resolve("listed"), Map.of(KEY, "ssm:///edge/db"),
                "--allowed-hosts", "sidecar.internal,Secrets.Example")) {
            listed.awaitReady();
            assertServed(listed.http.port(), "sidecar.internal", "sidecar.internal:2773", "SECRETS.example:443",
                    "localhost");
            for (String host : List.of("evil.example", "other.internal", "sidecar.internal.evil.example")) {
                Http.Raw r = send(listed.http.port(), host, request("GET", "/metrics", "Host: " + host));
                assertThat(r.status()).as("Host '%s'", host).isEqualTo(400);
            }
        }
    }

    private void assertServed(int port, String... hosts) throws Exception {
        for (String host : hosts) {
            Http.Raw ping = send(port, "Host " + host, request("GET", "/ping", "Host: " + host));
            Http.Raw secret = Http.raw(port, request("GET", "/v1/secrets/" + KEY, "Host: " + host, WITH_TOKEN));
            assertThat(ping.status()).as("Host '%s' on /ping", host).isEqualTo(200);
            assertThat(secret.status()).as("Host '%s'", host).isEqualTo(200);
            assertThat(secret.body()).isEqualTo(value);
        }
    }

    @Test
    void theHealthcheckCommand_passesThroughTheHostCheck() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"healthcheck", "--port", String.valueOf(sidecar.http.port())}, Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));

        assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    }

    // ---- item 6: JSON key names are part of the value ------------------------------------------------------

    @Test
    void aMissingJsonKey_saysHowManyKeysThereAre_neverTheirNames() throws Exception {
        String planted = LeakWatch.secret("json-key-name");
        ssm.put("/edge/json", "{\"" + planted + "\":\"x\",\"alice\":1,\"sk_live_" + planted + "\":true}",
                "SecureString");
        try (InProcessSidecar other = InProcessSidecar.start(ssm, tmp.resolve("json"),
                Map.of("PW", "ssm:///edge/json#password"))) {
            Await.until(Duration.ofSeconds(30), () -> LeakWatch.logText().contains("JsonKeyNotFound"),
                    () -> "no JsonKeyNotFound in the log");
            Http.Raw readyz = send(other.http.port(), "readyz", request("GET", "/readyz", "Host: 127.0.0.1"));
            Http.Raw list = send(other.http.port(), "list", request("GET", "/v1/secrets", "Host: 127.0.0.1",
                    WITH_TOKEN));
            String log = LeakWatch.logText();
            String line = log.lines().filter(l -> l.contains("JsonKeyNotFound")).findFirst().orElseThrow();

            assertThat(line).contains("'password'").contains("3 keys").doesNotContain("alice")
                    .doesNotContain("sk_live_");
            assertThat(log + readyz.body() + list.body()).doesNotContain(planted).doesNotContain("alice");
        }
    }

    // ---- item 8: the local SSM endpoint ----------------------------------------------------------------------

    @Test
    void localSsm_refusesACrossSiteFormPost_toItsControlApi_andTheValueStays() throws Exception {
        String body = "{\"name\":\"/edge/db\",\"value\":\"rewritten-by-a-web-page\",\"type\":\"SecureString\"}";
        Map<String, Integer> answers = new LinkedHashMap<>();
        for (String[] headers : List.of(
                new String[] {"Host: evil.example:4583", "Origin: http://evil.example", "Content-Type: text/plain"},
                new String[] {"Host: 127.0.0.1:" + ssm.port(), "Origin: http://evil.example",
                        "Content-Type: text/plain;charset=UTF-8"},
                new String[] {"Host: 127.0.0.1", "Content-Type: application/x-www-form-urlencoded"},
                new String[] {"Host: 127.0.0.1", "Content-Type: multipart/form-data; boundary=x"},
                new String[] {"Host: 127.0.0.1"},
                new String[] {"Host: evil.example", "Content-Type: application/json"},
                new String[] {"Host: 127.0.0.1.nip.io", "Content-Type: application/json"})) {
            List<String> head = new ArrayList<>(List.of(headers));
            head.add("Content-Length: " + body.length());
            Http.Raw r = send(ssm.port(), String.join(", ", headers), "POST /_localssm/parameters HTTP/1.1\r\n"
                    + String.join("\r\n", head) + "\r\nConnection: close\r\n\r\n" + body);
            answers.put(String.join(", ", headers), r.status());
            assertThat(r.status()).as("%s", List.of(headers)).isIn(400, 415);
        }
        Http.Raw reset = send(ssm.port(), "cross-site reset", "POST /_localssm/reset-counters HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        assertThat(reset.status()).isEqualTo(415);
        Http.Raw readForeign = send(ssm.port(), "foreign Host read", "GET /_localssm/calls HTTP/1.1\r\n"
                + "Host: evil.example\r\nConnection: close\r\n\r\n");
        assertThat(readForeign.status()).isEqualTo(400);
        try (SsmClient client = SdkClients.forLocal(ssm)) {
            assertThat(client.getParameter(b -> b.name("/edge/db").withDecryption(true)).parameter().value())
                    .isEqualTo(value);
        }
        Http.Raw json = send(ssm.port(), "same-host JSON", "POST /_localssm/parameters HTTP/1.1\r\nHost: localhost:"
                + ssm.port() + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
                + "{\"name\":\"/edge/new\",\"value\":\"v\"}".length() + "\r\nConnection: close\r\n\r\n"
                + "{\"name\":\"/edge/new\",\"value\":\"v\"}");
        assertThat(json.status()).as(json.body()).isEqualTo(200);
        Figures.record("hostile-edge", "local-ssm control writes refused (cross-site shapes)", answers.size() + 1);
    }

    @Test
    void localSsm_refusesSsmCallsWithAnotherContentTypeOrAForeignHost() throws Exception {
        String body = "{\"Name\":\"/edge/db\",\"Value\":\"rewritten\",\"Type\":\"SecureString\",\"Overwrite\":true}";
        long before = ssm.counters().total();
        for (String[] headers : List.of(
                new String[] {"Host: 127.0.0.1", "Content-Type: text/plain"},
                new String[] {"Host: 127.0.0.1", "Content-Type: application/json"},
                new String[] {"Host: 127.0.0.1"},
                new String[] {"Host: evil.example", "Content-Type: application/x-amz-json-1.1"})) {
            String request = "POST / HTTP/1.1\r\n" + String.join("\r\n", headers) + "\r\nX-Amz-Target: "
                    + "AmazonSSM.PutParameter\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIDWEB/20260101/us-east-1/"
                    + "ssm/aws4_request, SignedHeaders=host, Signature=00\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            Http.Raw r = send(ssm.port(), String.join(", ", headers), request);
            assertThat(r.status()).as("%s", List.of(headers)).isIn(400, 415);
        }
        assertThat(ssm.counters().total()).as("operations run").isEqualTo(before);
        try (SsmClient client = SdkClients.forLocal(ssm)) {
            assertThat(client.getParameter(b -> b.name("/edge/db").withDecryption(true)).parameter().value())
                    .isEqualTo(value);
        }
    }
}
