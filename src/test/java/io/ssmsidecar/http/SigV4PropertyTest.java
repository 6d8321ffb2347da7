package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SigningCredentials;
import io.ssmsidecar.testing.Hostile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The SDK endpoint's {@code Authorization} check ({@link SigV4Check}) on any header (issue 18): every request the AWS SDK
 * for Java v2 signs with the sidecar's keys is accepted, whatever its header values and body; any other header is
 * refused with a 403 {@link ApiError} and nothing else, and neither the answer nor the log holds the secret key, the
 * session token or the presented signature; time is linear in the headers.
 */
class SigV4PropertyTest {
    static final String ACCESS_KEY_ID = "AKIDPROPERTYTEST";
    static final String SECRET_KEY = "s3cr3t-access-key-canary";
    static final String SESSION_TOKEN = "s3ss10n-token-canary";
    static final Instant NOW = Instant.parse("2026-03-01T10:15:30Z");

    /** One request the SDK signed, which the hostile headers replace parts of. */
    private static final Signed GET_PARAMETER = sign(Map.of(), "AmazonSSM.GetParameter",
            "{\"Name\":\"/a\"}".getBytes(StandardCharsets.UTF_8));

    private final SigV4Check check = new SigV4Check(new FixedCredentials(), Clock.fixed(NOW, ZoneOffset.UTC));

    /** The sidecar's keys; resolving them again gives the same ones. */
    static final class FixedCredentials implements SigningCredentials {
        @Override
        public String region() {
            return "us-east-1";
        }

        @Override
        public Keys current() {
            return new Keys(ACCESS_KEY_ID, SecretValue.of(SECRET_KEY), SESSION_TOKEN);
        }

        @Override
        public Keys resolveAgain() {
            return current();
        }
    }

    /** A request as {@link SdkEndpoint} hands it to the check: header values by lower-case name. */
    record Signed(Map<String, List<String>> headers, byte[] body) {
        SigV4Check.Request request() {
            return new SigV4Check.Request("POST", "/", null, headers::get, body);
        }

        Signed with(String name, String value) {
            Map<String, List<String>> h = new HashMap<>(headers);
            h.put(name, List.of(value));
            return new Signed(h, body);
        }

        String authorization() {
            return headers.get("authorization").get(0);
        }

        String signature() {
            String a = authorization();
            return a.substring(a.indexOf("Signature=") + "Signature=".length());
        }
    }

    @Property(tries = 200)
    void everyRequestTheSdkSigns_isAccepted(@ForAll @Size(max = 6) List<Tuple.@net.jqwik.api.From("headers") Tuple2<String, String>> headers,
                                            @ForAll("bodies") byte[] body, @ForAll("targets") String target) {
        Map<String, List<String>> extra = new HashMap<>();
        for (Tuple.Tuple2<String, String> h : headers) {
            extra.computeIfAbsent(h.get1(), k -> new ArrayList<>()).add(h.get2());
        }
        Signed signed = sign(extra, target, body);

        check.verify(signed.request(), SdkEndpoint.Operation.serviceOf(target));
    }

    @Property(tries = 1000)
    void anyOtherAuthorization_isA403_withoutKeyTokenOrSignature(@ForAll("hostileAuthorizations") String authorization,
                                                                  @ForAll("hostileDates") String amzDate) {
        Signed signed = GET_PARAMETER;
        try (CapturedLog log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG)) {
            try {
                check.verify(signed.with("authorization", authorization).with("x-amz-date", amzDate).request(), "ssm");
            } catch (ApiError e) {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.code()).isIn("IncompleteSignatureException", "InvalidSignatureException",
                        "AccessDeniedException", "MissingAuthenticationTokenException");
                assertThat(e.getMessage()).doesNotContain(SECRET_KEY).doesNotContain(SESSION_TOKEN)
                        .doesNotContain(signed.signature());
            }
            assertThat(log.text()).doesNotContain(SECRET_KEY).doesNotContain(SESSION_TOKEN)
                    .doesNotContain(signed.signature());
        }
    }

    @Property(tries = 5)
    void checkTime_isLinearInTheHeaders(@ForAll("headerNames") String name) {
        Signed signed = GET_PARAMETER;
        String good = signed.authorization();
        Hostile.assertLinear("SignedHeaders naming " + name + " again and again", 512,
                size -> signed.with(name, "v".repeat(size / 2))
                        .with("authorization", good.replace("SignedHeaders=", "SignedHeaders=" + (name + ";").repeat(size / 4)))
                        .request(),
                request -> {
                    try {
                        check.verify(request, "ssm");
                    } catch (ApiError e) {
                        assertThat(e.status()).isEqualTo(403);
                    }
                });
    }

    // ---- regressions found by the properties above ------------------------------------------------------------------

    /** A tab in a signed header's value was kept, where the SDKs sign one space: a valid request was refused. */
    @Example
    void aSignedHeaderWithTabs_isAccepted() {
        check.verify(sign(Map.of("a", List.of("!\t!"), "b", List.of("\t x \t\t y\t")), "AmazonSSM.GetParameter",
                new byte[0]).request(), "ssm");
    }

    /**
     * {@code SignedHeaders=a;a;a;...} put header a's value in the canonical request once per repetition: 8 KiB of
     * headers took a second of CPU and 16 MB before the signature was even compared, for any caller without keys.
     */
    @Example
    void signedHeadersNamingAHeaderTwice_areRefused_beforeAnyHashing() {
        String repeated = GET_PARAMETER.authorization().replace("SignedHeaders=", "SignedHeaders=a;a;");
        Signed signed = GET_PARAMETER.with("a", "v".repeat(4000)).with("authorization", repeated);

        assertThatThrownBy(() -> check.verify(signed.request(), "ssm"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("IncompleteSignatureException");
                })
                .hasMessage("SignedHeaders must name each header once");
    }

    // ---- signing and generators --------------------------------------------------------------------------------------

    static Signed sign(Map<String, List<String>> extraHeaders, String target, byte[] body) {
        SdkHttpRequest.Builder http = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://127.0.0.1:2773/"))
                .putHeader("Content-Type", SdkEndpoint.CONTENT_TYPE)
                .putHeader("X-Amz-Target", target);
        extraHeaders.forEach(http::putHeader);
        String service = SdkEndpoint.Operation.serviceOf(target);
        SdkHttpRequest request = AwsV4HttpSigner.create().sign(r -> r
                        .identity(AwsSessionCredentialsIdentity.create(ACCESS_KEY_ID, SECRET_KEY, SESSION_TOKEN))
                        .request(http.build())
                        .payload(ContentStreamProvider.fromByteArray(body))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC)))
                .request();
        Map<String, List<String>> headers = new HashMap<>();
        request.forEachHeader((name, values) -> headers.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                k -> new ArrayList<>()).addAll(values));
        return new Signed(headers, body);
    }

    @Provide
    Arbitrary<String> headerNames() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars("-_0123456789").ofMinLength(1).ofMaxLength(20)
                .filter(n -> !List.of("host", "authorization", "x-amz-date", "x-amz-security-token", "content-type",
                        "x-amz-target", "content-length", "x-amz-content-sha256").contains(n) && !n.startsWith("x-amz-"));
    }

    /** Header values as they arrive on the wire: visible ASCII, spaces and tabs anywhere, runs of them, none at all. */
    @Provide
    Arbitrary<Tuple.Tuple2<String, String>> headers() {
        Arbitrary<String> value = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().withCharRange(' ', '~').withChars('\t').ofMaxLength(40)),
                Tuple.of(1, Arbitraries.of("", " ", "\t", "  a  b  ", "a\t\tb", " \t a \t ", "a, b", "\"q  q\"", "%zz%00",
                        "a;b=c", "x".repeat(2000))));
        return Combinators.combine(headerNames(), value).as(Tuple::of);
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Hostile.anyString(100).map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.of("AmazonSSM.GetParameter", "AmazonSSM.GetParameters", "secretsmanager.GetSecretValue",
                "AmazonSSM.PutParameter", "", "x");
    }

    @Provide
    Arbitrary<String> hostileAuthorizations() {
        Arbitrary<String> valid = Arbitraries.just(GET_PARAMETER.authorization());
        Arbitrary<String> shaped = Combinators.combine(
                        Arbitraries.of("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256", "aws4-hmac-sha256 ", "AWS4-HMAC-SHA1 ", ""),
                        Arbitraries.of("Credential=", "credential=", "Credential ="),
                        Arbitraries.of(ACCESS_KEY_ID, "", "OTHERKEY", ACCESS_KEY_ID + "/x"),
                        Arbitraries.of("/20260301", "/2026030", "/20260301/", "", "/\u0661\u0662345678"),
                        Arbitraries.of("/us-east-1", "/eu-west-1", "/", "/us-east-1/x"),
                        Arbitraries.of("/ssm/aws4_request", "/secretsmanager/aws4_request", "/ssm/aws4_request/", "/ssm"),
                        Arbitraries.of(", SignedHeaders=host;x-amz-date", ", SignedHeaders=", ", SignedHeaders=;;",
                                ", SignedHeaders=HOST;X-AMZ-DATE", ", SignedHeaders=host;host;host", ""),
                        Arbitraries.of(", Signature=" + "0".repeat(64), ", Signature=", ", Signature=zz", ""))
                .as((alg, cred, id, date, region, service, signedHeaders, signature) ->
                        alg + cred + id + date + region + service + signedHeaders + signature);
        return Arbitraries.frequencyOf(
                Tuple.of(4, Hostile.mutated(valid)),
                Tuple.of(3, shaped),
                Tuple.of(1, Hostile.mutated(shaped)),
                Tuple.of(1, Hostile.anyString(80)),
                Tuple.of(1, valid.map(v -> v + ", Credential=" + ACCESS_KEY_ID + "/20260301/eu-west-1/ssm/aws4_request")),
                Tuple.of(1, valid.map(v -> v.replace(", ", ",\r\n "))),
                Tuple.of(1, Combinators.combine(Hostile.fragment(), Arbitraries.integers().between(1, 3000))
                        .as((piece, n) -> "AWS4-HMAC-SHA256 " + piece.repeat(n))));
    }

    @Provide
    Arbitrary<String> hostileDates() {
        Arbitrary<String> valid = Arbitraries.just("20260301T101530Z");
        return Arbitraries.frequencyOf(
                Tuple.of(3, valid),
                Tuple.of(3, Hostile.mutated(valid)),
                Tuple.of(1, Arbitraries.of("20260301T101530", "2026-03-01T10:15:30Z", "20260301T251530Z",
                        "20260230T101530Z", "99999999T999999Z", "20260301T101530Z\0", "", "\u0662\u0660260301T101530Z")));
    }
}
