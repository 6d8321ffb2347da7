package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.testing.Hostile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@code POST /} on a real listener (issue 18): any operation with any JSON body is answered with a status below 500 in
 * the service's error shape; a value that is neither declared nor allowed is never in an answer, a declared value only
 * in a 200, and neither is ever in the log. The generator must reach both: at least one answer is 200, many are 400.
 */
class SdkEndpointPropertyTest {
    static final String DECLARED = "decl4red-value-canary";
    static final String HIDDEN = "h1dden-value-canary";

    private static InMemoryBackend backend;
    private static ApiServer server;
    private static HttpClient client;
    private static CapturedLog log;

    @BeforeContainer
    static void start() {
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        backend = new InMemoryBackend();
        backend.declare(InMemoryBackend.secret("DB", "/app/db", DECLARED, 3));
        backend.ssm.put("/hidden/x", InMemoryBackend.parameter("/hidden/x", HIDDEN, 1));
        backend.ssm.put("/aws/reference/secretsmanager/s", InMemoryBackend.parameter("/aws/reference/secretsmanager/s",
                HIDDEN, 1));
        server = ApiServer.create(new ApiServer.Options("127.0.0.1", 0, ApiClient.TOKEN, 50, false), backend,
                PrometheusMetrics.create(), new ApiServer.SdkAccess(ApiServer.SdkMode.TRUST_LOOPBACK, Optional.empty(),
                        Clock.systemUTC())).start();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterContainer
    static void stop() {
        server.close();
        log.close();
        assertThat(log.text()).doesNotContain(DECLARED).doesNotContain(HIDDEN);
    }

    @Property(tries = 200)
    void anyOperationAndBody_isAnsweredBelow500_withNoValueItMayNotShow(@ForAll("targets") String target,
                                                                         @ForAll("bodies") String body) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/"))
                .timeout(Duration.ofSeconds(30))
                .header("X-Amz-Target", target)
                .header("Content-Type", SdkEndpoint.CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));

        Statistics.label("status").collect(answer.statusCode());
        Statistics.label("status").coverage(c -> {
            c.check(200).count(n -> n >= 1);
            c.check(400).percentage(p -> p > 20);
        });
        assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 499);
        assertThat(answer.body()).doesNotContain(HIDDEN);
        if (answer.statusCode() != 200) {
            assertThat(answer.body()).contains("\"__type\"").doesNotContain(DECLARED);
        }
        assertThat(log.text()).doesNotContain(DECLARED).doesNotContain(HIDDEN);
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(SdkEndpoint.Operation.values()).map(o -> o.target)),
                Tuple.of(1, Arbitraries.of("AmazonSSM.PutParameter", "secretsmanager.ListSecrets", "", "AmazonSSM.",
                        "amazonssm.getparameter", "AmazonSSM.GetParameter.x")));
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> name = Arbitraries.of("/app/db", "/app/db:3", "/app/db:1", "/hidden/x", "/hidden/x:1", "/app",
                "/aws/reference/secretsmanager/s", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db",
                "arn:aws:ssm:us-east-1:999999999999:parameter/hidden/x", "/app/db/", "app/db", "", "/");
        Arbitrary<String> names = Hostile.mutated(name).map(SdkEndpointPropertyTest::json);
        Arbitrary<String> bool = Arbitraries.of("true", "false", "null", "\"true\"", "1");
        Arbitrary<String> document = Combinators.combine(names, names.list().ofMaxSize(12), bool,
                        Arbitraries.of("1", "10", "11", "0", "-1", "null", "1e3", "99999999999"),
                        Hostile.anyString(20).map(SdkEndpointPropertyTest::json), Arbitraries.integers().between(0, 4))
                .as((n, list, decrypt, max, token, shape) -> switch (shape) {
                    case 0 -> "{\"Name\":" + n + ",\"WithDecryption\":" + decrypt + "}";
                    case 1 -> "{\"Names\":[" + String.join(",", list) + "],\"WithDecryption\":" + decrypt + "}";
                    case 2 -> "{\"Path\":" + n + ",\"Recursive\":" + decrypt + ",\"MaxResults\":" + max
                            + ",\"NextToken\":" + token + ",\"WithDecryption\":" + decrypt + "}";
                    case 3 -> "{\"SecretId\":" + n + ",\"VersionStage\":" + token + "}";
                    default -> "{\"Name\":" + n + ",\"Name\":" + n + ",\"WithDecryption\":true}";
                });
        // Served as 200 by GetParameter and GetParameters, so the coverage check below never misses a 200 by chance.
        Arbitrary<String> served = Arbitraries.just(
                "{\"Name\":\"/app/db\",\"Names\":[\"/app/db\"],\"WithDecryption\":true,\"SecretId\":\"x\"}");
        return Arbitraries.frequencyOf(
                Tuple.of(1, served),
                Tuple.of(6, document),
                Tuple.of(3, Hostile.mutated(document)),
                Tuple.of(1, Arbitraries.of("", "{", "null", "[]", "{\"Names\":" + "[".repeat(5000) + "}",
                        "{\"Name\":\"/app/db\",\"WithDecryption\":true} {\"Name\":\"/hidden/x\"}")));
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
