package io.ssmsidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ssmsidecar.testing.Hostile;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The SDK endpoint's request documents ({@link RequestBody}) on any bytes (issue 18): members or a 400
 * {@code SerializationException} and nothing else, whose message quotes nothing of the body; what is accepted is one JSON
 * object, read as a strict reader reads it (the last of repeated members wins); members written by Jackson read back as
 * written; time is linear in the body, however deep it nests.
 */
class RequestBodyPropertyTest {
    static final String CANARY = "b0dy-canary";
    private static final ObjectMapper WRITER = new ObjectMapper();
    /** Strict about what follows the document; repeated members are left to the last one, as {@link RequestBody} does. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    @Property(tries = 1000)
    void anyBody_isOneJsonObjectsMembers_orASerializationException(@ForAll("hostileBodies") byte[] body) {
        Map<String, Object> members;
        try {
            members = RequestBody.parse(body);
        } catch (ApiError e) {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("SerializationException");
            assertThat(e.getMessage()).doesNotContain(CANARY);
            return;
        }
        if (body.length == 0) {
            assertThat(members).isEmpty();
            return;
        }
        JsonNode strict;
        try {
            strict = STRICT.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("accepted a body a strict JSON reader refuses (" + e.getClass().getSimpleName()
                    + "): " + new String(body, StandardCharsets.UTF_8), e);
        }
        assertThat(strict.isObject()).isTrue();
        strict.properties().forEach(f -> {
            JsonNode v = f.getValue();
            Object read = members.get(f.getKey());
            if (v.isNull()) {
                assertThat(read).as(f.getKey()).isNull();
            } else if (v.isTextual()) {
                assertThat(read).as(f.getKey()).isEqualTo(v.textValue());
            } else if (v.isBoolean()) {
                assertThat(read).as(f.getKey()).isEqualTo(v.booleanValue());
            } else if (v.isIntegralNumber() && v.canConvertToLong()) {
                assertThat(read).as(f.getKey()).isEqualTo(v.longValue());
            } else {
                assertThat(read).as(f.getKey()).isNotNull().isNotInstanceOf(String.class).isNotInstanceOf(Boolean.class);
            }
        });
        assertThat(members).hasSizeLessThanOrEqualTo(strict.size());
    }

    @Property(tries = 500)
    void membersWrittenByJackson_readBackAsWritten(@ForAll("members") Map<String, Object> members) throws Exception {
        assertThat(RequestBody.parse(WRITER.writeValueAsBytes(members))).isEqualTo(members);
    }

    @Property(tries = 5)
    void parseTime_isLinearInTheBody(@ForAll("shapes") String shape) {
        Hostile.assertLinear("body of " + shape, 64 * 1024, size -> body(shape, size), b -> {
            try {
                RequestBody.parse(b);
            } catch (ApiError e) {
                assertThat(e.status()).isEqualTo(400);
            }
        });
    }

    // ---- regressions found by the properties above ------------------------------------------------------------------

    /** A second document after the object was ignored: the sidecar read one request, a proxy might read another. */
    @Example
    void aSecondDocumentAfterTheObject_isASerializationException() {
        for (String body : List.of("{\"Name\":\"a\"}{\"Name\":\"b\"}", "{\"Name\":\"a\"} x", "{} []", "{}\n{}")) {
            assertThatThrownBy(() -> RequestBody.parse(body.getBytes(StandardCharsets.UTF_8))).as(body)
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("SerializationException"));
        }
        assertThat(RequestBody.parse("\n {\"Name\":\"a\"} \r\n".getBytes(StandardCharsets.UTF_8))).containsEntry("Name", "a");
    }

    /** A member given as a value, then as null, kept the value: the last of repeated members wins, null included. */
    @Example
    void aMemberRepeatedAsNull_isLeftOut() {
        assertThat(RequestBody.parse("{\"Name\":\"a\",\"Name\":null}".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    // ---- generators --------------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<String> shapes() {
        return Arbitraries.of("deep arrays", "deep objects", "many members", "repeated member", "long string",
                "long number", "many escapes");
    }

    private static byte[] body(String shape, int size) {
        String text = switch (shape) {
            case "deep arrays" -> "{\"Names\":" + "[".repeat(size / 2) + "]".repeat(size / 2) + "}";
            case "deep objects" -> "{\"A\":" + "{\"a\":".repeat(size / 5) + "1" + "}".repeat(size / 5) + "}";
            case "many members" -> "{" + "\"k\":1,".repeat(size / 6) + "\"Name\":\"x\"}";
            case "repeated member" -> "{" + "\"Name\":\"x\",".repeat(size / 11) + "\"Name\":\"y\"}";
            case "long string" -> "{\"Name\":\"" + "a".repeat(size) + "\"}";
            case "long number" -> "{\"MaxResults\":" + "9".repeat(size) + "}";
            default -> "{\"Name\":\"" + "\\u0041\\n".repeat(size / 8) + "\"}";
        };
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Provide
    Arbitrary<Map<String, Object>> members() {
        Arbitrary<String> name = Arbitraries.oneOf(Arbitraries.of("Name", "Names", "Path", "WithDecryption", "MaxResults",
                "Recursive", "NextToken", "SecretId", "VersionId", "VersionStage"), Arbitraries.strings().all().ofMaxLength(12)
                .map(t -> new String(t.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)));
        // Through UTF-8 and back: a lone surrogate, which no JSON text can carry, becomes '?'.
        Arbitrary<String> text = Arbitraries.oneOf(Hostile.anyString(30), Arbitraries.strings().all().ofMaxLength(30))
                .map(t -> new String(t.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        Arbitrary<Object> value = Arbitraries.oneOf(text.map(t -> t), Arbitraries.of(true, false).map(b -> b),
                Arbitraries.longs().map(l -> l), text.list().ofMaxSize(12).map(l -> l));
        return Arbitraries.maps(name, value).ofMaxSize(6).map(LinkedHashMap::new);
    }

    @Provide
    Arbitrary<byte[]> hostileBodies() {
        Arbitrary<String> valid = Combinators.combine(members(), Arbitraries.of("", " ", "\n\t ", "\r\n"))
                .as((m, space) -> {
                    try {
                        return space + WRITER.writeValueAsString(m) + space;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
        Arbitrary<String> operations = Arbitraries.of(
                "{\"Name\":\"/app/" + CANARY + "\",\"WithDecryption\":true}",
                "{\"Names\":[\"/a\",\"/a\",\"" + CANARY + "\",null,1,{},[]]}",
                "{\"Name\":\"a\",\"Name\":\"" + CANARY + "\"}",
                "{\"Name\":\"" + CANARY + "\",\"Name\":null}",
                "{\"Name\":\"a\"}{\"Name\":\"" + CANARY + "\"}",
                "{\"Name\":\"a\"} " + CANARY,
                "{\"Name\":\"a\",}",
                "{\"Name\":'" + CANARY + "'}",
                "{\"Name\":\"" + CANARY + "\u0000\"}",
                "{\"Name\":\"\\ud800" + CANARY + "\"}",
                "{\"MaxResults\":1e999999,\"Path\":\"/" + CANARY + "\"}",
                "{\"MaxResults\":99999999999999999999999}",
                "{\"MaxResults\":-0,\"Recursive\":\"true\"}",
                "{\"NextToken\":\"%zz" + CANARY + "\"}",
                "[\"" + CANARY + "\"]", "\"" + CANARY + "\"", "null", "{}", "{", "}", "",
                "{\"Names\":" + "[".repeat(100_000) + "}",
                "{\"A\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3000) + "}",
                "\ufeff{\"Name\":\"" + CANARY + "\"}",
                "/*c*/{\"Name\":\"" + CANARY + "\"}");
        Arbitrary<byte[]> text = Arbitraries.frequencyOf(
                        Tuple.of(4, Hostile.mutated(valid)),
                        Tuple.of(2, Hostile.mutated(operations)),
                        Tuple.of(2, operations),
                        Tuple.of(1, valid),
                        Tuple.of(1, Hostile.anyString(60)))
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> encodings = operations.map(s -> s.getBytes(StandardCharsets.UTF_16LE));
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(100);
        return Arbitraries.frequencyOf(Tuple.of(8, text), Tuple.of(1, encodings), Tuple.of(1, raw));
    }
}
