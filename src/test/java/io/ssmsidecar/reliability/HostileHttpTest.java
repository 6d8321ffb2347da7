package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssmsidecar.localssm.LocalSsm;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile requests against the running sidecar, sent byte for byte on raw sockets (no client normalisation): bad
 * tokens, forwarded requests, oversized heads, encoded separators and dots, unknown parameters, wrong methods and
 * slow clients. Each gets its documented status, and none reads a value without the token.
 */
@ExtendWith(LeakWatch.class)
class HostileHttpTest {
    private static final String KEY = "DB_PASSWORD";
    private static final String TOKEN = InProcessSidecar.TOKEN;

    @TempDir
    Path tmp;
    private LocalSsm ssm;
    private InProcessSidecar sidecar;
    private String value;
    private static final AtomicInteger answered = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        value = Values.make(KEY, 1, 64, new SplittableRandom(1));
        ssm.put("/hostile/db", value, "SecureString");
        ssm.put("/hostile/other", Values.make("OTHER", 1, 64, new SplittableRandom(2)), "SecureString");
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), Map.of(KEY, "ssm:///hostile/db"));
        sidecar.awaitReady();
    }

    @AfterEach
    void stop() {
        sidecar.close();
        ssm.close();
    }

    /** Sends {@code request}; the answer must not carry the value, and its body is searched for leaks. */
    private Http.Raw hostile(String what, String request) throws Exception {
        return hostile(what, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private Http.Raw hostile(String what, byte[] request) throws Exception {
        Http.Raw r = Http.raw(sidecar.http.port(), request);
        LeakWatch.search("answer to " + what, r.head() + "\n" + r.body());
        answered.incrementAndGet();
        return r;
    }

    static List<Object[]> badTokens() {
        String t = TOKEN;
        return List.of(
                new Object[] {"no token header", null, 401},
                new Object[] {"empty token", "", 403},
                new Object[] {"wrong token", "not-the-token", 403},
                new Object[] {"first half of the token", t.substring(0, t.length() / 2), 403},
                new Object[] {"token minus its last character", t.substring(0, t.length() - 1), 403},
                new Object[] {"token plus one character", t + "0", 403},
                new Object[] {"token with the last character changed", t.substring(0, t.length() - 1) + "X", 403},
                new Object[] {"token upper-cased", t.toUpperCase(), 403},
                new Object[] {"token with a leading space inside quotes", "\" " + t + "\"", 403},
                new Object[] {"token of the same length", "x".repeat(t.length()), 403});
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("badTokens")
    void aBadToken_isRefused_onEverySecretBearingRoute(String what, String token, int status) throws Exception {
        String header = token == null ? null : Http.TOKEN_HEADER + ": " + token;
        for (String target : List.of("/v1/secrets/" + KEY, "/v1/secrets",
                "/systemsmanager/parameters/get?name=/hostile/db&withDecryption=true",
                "/secretsmanager/get?secretId=x")) {
            Http.Raw r = header == null ? hostile(what, Http.request("GET", target))
                    : hostile(what, Http.request("GET", target, header));
            assertThat(r.status()).as("%s on %s", what, target).isEqualTo(status);
            assertThat(r.body()).contains(status == 401 ? "MissingToken" : "InvalidToken").doesNotContain(value);
        }
        Http.Raw refresh = hostile(what + " (POST /v1/refresh)", header == null ? Http.request("POST", "/v1/refresh",
                "Content-Length: 0") : Http.request("POST", "/v1/refresh", header, "Content-Length: 0"));
        assertThat(refresh.status()).isEqualTo(status);
    }

    @Test
    void theTokenPath_comparesWithMessageDigestIsEqual_soTimingDoesNotDependOnHowMuchMatches() throws Exception {
        // The timing argument is a code property, checked here on the code path itself: a correct prefix of any
        // length and a wrong first byte both take the same MessageDigest.isEqual branch to the same 403.
        String guard = java.nio.file.Files.readString(Path.of("src/main/java/io/ssmsidecar/http/Guard.java"));
        assertThat(guard).contains("MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))")
                .doesNotContain("token.equals(").doesNotContain("startsWith(");
        for (int n = 0; n < TOKEN.length(); n += 7) {
            Http.Raw r = hostile("token prefix " + n, Http.request("GET", "/v1/secrets/" + KEY,
                    Http.TOKEN_HEADER + ": " + TOKEN.substring(0, n) + "#"));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.body()).isEqualTo(hostile("wrong first byte", Http.request("GET", "/v1/secrets/" + KEY,
                    Http.TOKEN_HEADER + ": #")).body());
        }
    }

    @Test
    void tokenGivenTwice_orInTheQuery_neverServesTheValueUnlessOnlyTheRightTokenIsPresent() throws Exception {
        Http.Raw inQuery = hostile("token in the query", Http.request("GET", "/v1/secrets/" + KEY + "?token=" + TOKEN));
        Http.Raw wrongThenRight = hostile("wrong then right token", Http.request("GET", "/v1/secrets/" + KEY,
                Http.TOKEN_HEADER + ": wrong", Http.TOKEN_HEADER + ": " + TOKEN));
        Http.Raw rightAlone = Http.raw(sidecar.http.port(), Http.request("GET", "/v1/secrets/" + KEY,
                Http.TOKEN_HEADER + ": " + TOKEN));

        assertThat(inQuery.status()).isEqualTo(400);
        assertThat(wrongThenRight.status()).isEqualTo(403);
        assertThat(rightAlone.status()).isEqualTo(200);
        assertThat(rightAlone.body()).isEqualTo(value);
    }

    @Test
    void forwardedRequests_areRefusedWith400_evenWithTheRightToken() throws Exception {
        for (String h : List.of("X-Forwarded-For: 10.0.0.1", "x-forwarded-for: 127.0.0.1", "X-FORWARDED-FOR: ",
                "X-Forwarded-For: 169.254.169.254, 10.0.0.1")) {
            for (String target : List.of("/v1/secrets/" + KEY,
                    "/systemsmanager/parameters/get?name=/hostile/db&withDecryption=true")) {
                Http.Raw r = hostile(h, Http.request("GET", target, Http.TOKEN_HEADER + ": " + TOKEN, h));
                assertThat(r.status()).as("%s on %s", h, target).isEqualTo(400);
                assertThat(r.body()).contains("ForwardedRequest").doesNotContain(value);
            }
        }
    }

    @Test
    void oversizedHeadersAndUrls_areRefused_andTheServerKeepsServing() throws Exception {
        Http.Raw bigHeader = hostile("16 KiB header", Http.request("GET", "/v1/secrets/" + KEY,
                Http.TOKEN_HEADER + ": " + TOKEN, "X-Filler: " + "a".repeat(16 * 1024)));
        Http.Raw manyHeaders = hostile("2,000 headers", Http.request("GET", "/v1/secrets/" + KEY,
                manyHeaders(2000)));
        Http.Raw bigUrl = hostile("20 KiB URL", Http.request("GET", "/v1/secrets/" + "K".repeat(20 * 1024),
                Http.TOKEN_HEADER + ": " + TOKEN));
        Http.Raw bigQuery = hostile("20 KiB query", Http.request("GET", "/systemsmanager/parameters/get?name="
                + "a".repeat(20 * 1024), Http.TOKEN_HEADER + ": " + TOKEN));
        Http.Raw bigBody = hostile("1 MiB body", Http.request("POST", "/v1/refresh", Http.TOKEN_HEADER + ": " + TOKEN,
                "Content-Length: " + (1 << 20)) + "x".repeat(1 << 20));

        assertThat(bigHeader.status()).isEqualTo(431);
        assertThat(manyHeaders.status()).isEqualTo(431);
        assertThat(bigUrl.status()).isEqualTo(414);
        assertThat(bigQuery.status()).isEqualTo(414);
        assertThat(bigBody.status()).as("a refresh with a body it does not read").isIn(202, 413);
        assertThat(sidecar.http.get("/v1/secrets/" + KEY).body()).isEqualTo(value);
    }

    private static String manyHeaders(int n) {
        StringBuilder b = new StringBuilder(Http.TOKEN_HEADER + ": " + TOKEN);
        for (int i = 0; i < n; i++) {
            b.append("\r\nX-H").append(i).append(": v");
        }
        return b.toString();
    }

    @Test
    void encodedSeparatorsDotsAndNulInKeys_neverReachAnotherValue() throws Exception {
        Map<String, Integer> paths = new LinkedHashMap<>();
        for (String p : List.of("/v1/secrets/..%2F..%2Fetc%2Fpasswd", "/v1/secrets/%2e%2e", "/v1/secrets/%2E%2E%2F" + KEY,
                "/v1/secrets/" + KEY + "%2F..%2FOTHER", "/v1/secrets/..%2fout%2f" + KEY, "/v1/secrets/%2e%2e/" + KEY,
                "/v1/secrets/../" + KEY, "/v1/secrets/./" + KEY, "/v1/secrets/" + KEY + "%00", "/v1/secrets/%00",
                "/v1/secrets/" + KEY + "%5C..%5COTHER", "/v1/secrets/%252e%252e%252f" + KEY, "/v1/secrets//" + KEY,
                "/v1/secrets/.token", "/v1/secrets/..data", "/v1/secrets/%2Fetc%2Fpasswd", "/v1/secrets/;/" + KEY,
                "/v1/secrets/" + KEY + ";jsessionid=1", "/v1//secrets/" + KEY, "/v1/secrets/" + KEY + "/..")) {
            Http.Raw r = hostile(p, Http.request("GET", p, Http.TOKEN_HEADER + ": " + TOKEN));
            paths.put(p, r.status());
            assertThat(r.body()).as(p).doesNotContain(LeakWatch.CANARY);
        }
        assertThat(paths.values()).as("%s", paths).allSatisfy(s -> assertThat(s).isIn(400, 404));
        Figures.record("hostile-http", "encoded path answers", paths.toString());
    }

    @Test
    void unknownOrRepeatedQueryParameters_are400() throws Exception {
        for (String target : List.of("/v1/secrets/" + KEY + "?x=1", "/v1/secrets/" + KEY + "?wait=1s&wait=2s",
                "/v1/secrets?debug=true", "/systemsmanager/parameters/get?name=/hostile/db&withDecryption=true&x=1",
                "/systemsmanager/parameters/get?name=/hostile/db&name=/hostile/other&withDecryption=true",
                "/ping?x=1", "/metrics?name[]=x", "/v1/secrets/" + KEY + "?wait=99999999999s")) {
            Http.Raw r = hostile(target, Http.request("GET", target, Http.TOKEN_HEADER + ": " + TOKEN));
            assertThat(r.status()).as(target).isEqualTo(400);
            assertThat(r.body()).doesNotContain(value);
        }
    }

    @Test
    void wrongMethods_are405_andNeverServeAValue() throws Exception {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")) {
            for (String target : List.of("/v1/secrets/" + KEY, "/v1/secrets", "/ping", "/metrics")) {
                Http.Raw r = hostile(method + " " + target, Http.request(method, target, Http.TOKEN_HEADER + ": " + TOKEN,
                        "Content-Length: 0"));
                assertThat(r.status()).as("%s %s", method, target).isIn(400, 405);
                assertThat(r.body()).doesNotContain(value);
            }
        }
        Http.Raw getRefresh = hostile("GET /v1/refresh", Http.request("GET", "/v1/refresh", Http.TOKEN_HEADER + ": " + TOKEN));
        assertThat(getRefresh.status()).isEqualTo(405);
        for (String target : List.of("/v1/secrets/" + KEY, "/v1/secrets/NOPE", "/v1/secrets",
                "/systemsmanager/parameters/get?name=/hostile/db&withDecryption=true", "/ping")) {
            for (String header : List.of("X-Unused: 1", Http.TOKEN_HEADER + ": " + TOKEN, "X-Forwarded-For: 10.0.0.1")) {
                Http.Raw head = hostile("HEAD " + target, Http.request("HEAD", target, header));
                boolean proxied = header.startsWith("X-Forwarded-For");
                assertThat(head.status()).as("HEAD %s with %s", target, header).isEqualTo(proxied ? 400 : 405);
                assertThat(head.head()).contains(proxied ? "400" : "Allow: GET");
            }
        }
    }

    @Test
    void slowClients_doNotBlockOthers_andGetTheirStatusWhenTheRequestIsComplete() throws Exception {
        int slow = 5;
        Load.Result baseline = Load.run(sidecar.http, 4, 150, i -> "/v1/secrets/" + KEY,
                r -> r.body().equals(value) ? null : "bad");
        ScheduledExecutorService tricklers = Executors.newScheduledThreadPool(1);
        List<CompletableFuture<Http.Raw>> answers = new ArrayList<>();
        List<ScheduledFuture<?>> tasks = new ArrayList<>();
        try {
            for (int i = 0; i < slow; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", sidecar.http.port()), 5000);
                s.setSoTimeout(60_000);
                byte[] request = Http.request("GET", "/v1/secrets/" + KEY).getBytes(StandardCharsets.ISO_8859_1);
                AtomicInteger sent = new AtomicInteger();
                CompletableFuture<Http.Raw> answer = new CompletableFuture<>();
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                tasks.add(tricklers.scheduleAtFixedRate(() -> {
                    try {
                        int n = sent.getAndIncrement();
                        if (n < request.length) {
                            out.write(request[n]);
                            out.flush();
                        } else if (n == request.length) {
                            answer.completeAsync(() -> {
                                try (s) {
                                    return Http.read(in);
                                } catch (Exception e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                        }
                    } catch (Exception e) {
                        answer.completeExceptionally(e);
                    }
                }, 0, 100, TimeUnit.MILLISECONDS));
                answers.add(answer);
            }
            Load.Result during = Load.run(sidecar.http, 4, 150, i -> "/v1/secrets/" + KEY,
                    r -> r.body().equals(value) ? null : "bad");
            boolean slowStillSending = answers.stream().noneMatch(CompletableFuture::isDone);

            assertThat(during.problems()).isEmpty();
            assertThat(slowStillSending).as("the load ran while the slow clients were still sending").isTrue();
            assertThat(during.p99()).as("p99 with slow clients vs without (%.2f ms)", baseline.p99())
                    .isLessThanOrEqualTo(Math.max(10 * baseline.p99(), baseline.p99() + 250));
            for (CompletableFuture<Http.Raw> a : answers) {
                Http.Raw r = a.get(60, TimeUnit.SECONDS);
                LeakWatch.search("slow client answer", r.body());
                assertThat(r.status()).as("a slow client without the token").isEqualTo(401);
            }
            Figures.record("hostile-http", "slow clients (1 byte / 100 ms)", slow);
            Figures.record("hostile-http", "p99 other clients without / with slow clients (ms)",
                    String.format("%.2f / %.2f", baseline.p99(), during.p99()));
        } finally {
            tasks.forEach(t -> t.cancel(true));
            tricklers.shutdownNow();
        }
    }

    @AfterEach
    void recordCount() {
        Figures.record("hostile-http", "hostile requests answered (none served a value without the token)",
                answered.get());
    }

    @Test
    void aStalledClient_isCutByTheIdleTimeout() throws Exception {
        assumeTrue(Figures.longRun(), "waits out the 90 s idle timeout: -Dreliability.long=true");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", sidecar.http.port()), 5000);
            s.setSoTimeout(150_000);
            s.getOutputStream().write("GET /v1/secrets/".getBytes(StandardCharsets.ISO_8859_1));
            long t0 = System.nanoTime();
            int read = s.getInputStream().read();
            long seconds = (System.nanoTime() - t0) / 1_000_000_000;
            assertThat(read).as("the server closed the connection").isEqualTo(-1);
            Figures.record("hostile-http", "stalled client cut after (s)", seconds);
        }
    }
}
