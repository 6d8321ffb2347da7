package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.testing.Hostile;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * {@link ReferenceParser} on any input (issue 18): it answers a {@link Reference} or a {@link ReferenceException} and
 * nothing else; what it accepts prints back to the same text and parses to the same reference; every reference the
 * syntax allows is accepted with its parts; a message names the variable, stays short, and never quotes a value that is
 * not a reference; time is linear in the input.
 */
class ReferenceParserPropertyTest {
    /** Long enough for every message the parser writes, whatever the input's size (they quote 120 characters at most). */
    static final int MAX_MESSAGE = 2_000;

    @Property(tries = 1000)
    void anyValue_isAReferenceThatPrintsBack_orAReferenceException(@ForAll("keys") String key,
                                                                     @ForAll("hostileValues") String value) throws ReferenceException {
        Reference r;
        try {
            r = ReferenceParser.parse(key, value);
        } catch (ReferenceException e) {
            assertThat(e.problems()).isNotEmpty();
            assertThat(e.getMessage()).startsWith(Printable.of(key)).hasSizeLessThan(MAX_MESSAGE);
            return;
        }
        assertThat(r.raw()).isEqualTo(value);
        assertThat(r.format()).isEqualTo(value);
        assertThat(ReferenceParser.parse(key, r.format())).isEqualTo(r);
    }

    @Property(tries = 500)
    void everyReferenceTheSyntaxAllows_isAccepted_withItsParts(@ForAll("keys") String key,
                                                                @ForAll("validParts") Parts parts) throws Exception {
        Reference r = ReferenceParser.parse(key, parts.text());

        assertThat(r.key()).isEqualTo(key);
        assertThat(r.kind()).isEqualTo(parts.kind());
        assertThat(r.name()).isEqualTo(parts.name());
        assertThat(r.selector()).isEqualTo(parts.selector());
        assertThat(r.jsonKey()).isEqualTo(parts.jsonKey());
        assertThat(r.optional()).isEqualTo(parts.optional());
        assertThat(r.format()).isEqualTo(parts.text());
    }

    @Property(tries = 300)
    void aValueThatIsNotAReference_isNeverQuoted(@ForAll("keys") String key, @ForAll("secretLike") String value) {
        assertThatThrownBy(() -> ReferenceParser.parse(key, value))
                .isInstanceOf(ReferenceException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(value));
    }

    /** One environment: malformed references next to secret values; the problems name every bad one and no value. */
    @Property(tries = 200)
    void fromEnv_listsEveryBadReference_andNoOtherVariablesValue(@ForAll @Size(max = 6) List<@From("hostileValues") String> references,
                                                                 @ForAll("secretLike") String secret) {
        Map<String, String> env = new HashMap<>();
        for (int i = 0; i < references.size(); i++) {
            env.put("REF_" + i, references.get(i));
        }
        env.put("SECRET", secret);
        env.put("PLAIN_" + secret.length(), "not-a-ref-" + secret);
        long bad = env.entrySet().stream().filter(e -> Reference.isReference(e.getValue())).filter(e -> {
            try {
                ReferenceParser.parse(e.getKey(), e.getValue());
                return false;
            } catch (ReferenceException ex) {
                return true;
            }
        }).count();
        try {
            List<Reference> parsed = References.fromEnv(env);
            assertThat(bad).isZero();
            assertThat(parsed).extracting(Reference::key).doesNotContain("SECRET").allMatch(k -> k.startsWith("REF_"));
        } catch (ReferenceException e) {
            assertThat((long) e.problems().size()).isEqualTo(bad);
            assertThat(e.getMessage()).doesNotContain(secret);
        }
    }

    @Property(tries = 5)
    void parseTime_isLinearInTheValue(@ForAll("hostileValues") String piece) {
        Hostile.assertLinear("parse of " + Printable.of(piece) + " repeated", 64 * 1024,
                size -> Reference.SCHEME + Hostile.repeatTo(piece.substring(Math.min(piece.length(), 6)), size),
                value -> {
                    try {
                        ReferenceParser.parse("K", value);
                    } catch (ReferenceException e) {
                        assertThat(e.getMessage()).hasSizeLessThan(MAX_MESSAGE);
                    }
                });
    }

    // ---- regressions found by the properties above ------------------------------------------------------------------

    /** Every unknown option was listed: a 100,009-character reference gave a 150,209-character message. */
    @Example
    void manyUnknownOptions_giveAShortMessage_namingAFewAndTheCount() {
        assertThatThrownBy(() -> ReferenceParser.parse("A", "ssm:///a?" + "x&".repeat(50_000)))
                .isInstanceOf(ReferenceException.class)
                .hasMessageContaining("unknown options x, x, x, x, x and 49996 more after '?'")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(MAX_MESSAGE));
    }

    // ---- generators --------------------------------------------------------------------------------------------------

    /** A reference's parts and its text, as the syntax allows it. */
    record Parts(Reference.Kind kind, String name, String selector, String jsonKey, boolean optional) {
        String text() {
            return new Reference("K", kind, name, selector, jsonKey, optional, "").format();
        }
    }

    @Provide
    Arbitrary<String> keys() {
        Arbitrary<Character> first = Arbitraries.chars().alpha().numeric().with('_');
        Arbitrary<String> rest = Arbitraries.strings().alpha().numeric().withChars("_.-").ofMaxLength(Keys.MAX_LENGTH - 1);
        return Combinators.combine(first, rest).as((f, r) -> f + r);
    }

    @Provide
    Arbitrary<String> hostileValues() {
        Arbitrary<String> valid = validParts().map(Parts::text);
        return Arbitraries.frequencyOf(
                Tuple.of(5, Hostile.mutated(valid)),
                Tuple.of(2, Hostile.anyString(60).map(s -> Reference.SCHEME + s)),
                Tuple.of(1, valid),
                Tuple.of(1, Combinators.combine(Hostile.fragment(), Arbitraries.integers().between(1, 2000))
                        .as((piece, n) -> Reference.SCHEME + "/" + piece.repeat(n))),
                Tuple.of(1, Arbitraries.of(
                        "ssm:///a?" + "x&".repeat(50_000),
                        "ssm:///a?" + "optional&".repeat(1000),
                        "ssm://" + "/a".repeat(5000),
                        "ssm://" + "/a".repeat(16),
                        "ssm:///a#" + "k".repeat(1025),
                        "ssm:///a:" + "9".repeat(19),
                        "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/" + "a".repeat(3000),
                        "ssm:///aws/reference/secretsmanager/" + "s".repeat(513),
                        "ssm://" + "\0".repeat(10_000))));
    }

    @Provide
    Arbitrary<String> secretLike() {
        return Arbitraries.oneOf(
                Hostile.anyString(40).filter(s -> !s.startsWith(Reference.SCHEME)).map(s -> "S3CR3T" + s),
                Arbitraries.of("sm:/x", "SM://x", "SSM://x", "ssm:/x", " ssm://x", "\u017fsm://x").map(s -> s + "-S3CR3T"));
    }

    @Provide
    Arbitrary<Parts> validParts() {
        return Arbitraries.oneOf(parameter(), path(), secretsManager(), arn());
    }

    private static Arbitrary<String> level() {
        return Arbitraries.strings().alpha().numeric().withChars("_.-").ofMinLength(1).ofMaxLength(12);
    }

    private static Arbitrary<String> name() {
        Arbitrary<String> hierarchical = level().list().ofMinSize(1).ofMaxSize(ReferenceParser.MAX_LEVELS)
                .map(levels -> "/" + String.join("/", levels));
        return Arbitraries.oneOf(hierarchical, level()).filter(n -> !n.startsWith("/aws/reference/secretsmanager"));
    }

    private static Arbitrary<String> version() {
        return Arbitraries.longs().between(1, 999_999_999_999_999_999L).map(String::valueOf);
    }

    private static Arbitrary<String> label() {
        Arbitrary<Character> first = Arbitraries.chars().alpha().with('_', '.', '-');
        return Combinators.combine(first, Arbitraries.strings().alpha().numeric().withChars("_.-").ofMaxLength(99))
                .as((f, r) -> f + r)
                .filter(l -> !l.toLowerCase().startsWith("aws") && !l.toLowerCase().startsWith("ssm"));
    }

    private static Arbitrary<String> jsonKey() {
        return Arbitraries.strings().all().ofMinLength(1).ofMaxLength(40)
                .map(s -> s.chars().map(c -> c < 0x20 || c == 0x7f ? 'x' : c)
                        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString())
                .filter(k -> !k.endsWith("?" + ReferenceParser.OPTIONAL));
    }

    private static Arbitrary<Parts> parameter() {
        return Combinators.combine(name(), Arbitraries.oneOf(version(), label()).injectNull(0.5),
                        jsonKey().injectNull(0.5), Arbitraries.of(true, false))
                .as((n, sel, key, opt) -> new Parts(Reference.Kind.PARAMETER, n, sel, key, opt));
    }

    private static Arbitrary<Parts> path() {
        Arbitrary<String> path = level().list().ofMinSize(1).ofMaxSize(ReferenceParser.MAX_LEVELS)
                .map(levels -> "/" + String.join("/", levels)).filter(p -> !p.startsWith("/aws/reference/secretsmanager"));
        return Combinators.combine(path, Arbitraries.of(true, false))
                .as((p, opt) -> new Parts(Reference.Kind.PATH, p, null, null, opt));
    }

    private static Arbitrary<Parts> secretsManager() {
        Arbitrary<String> idLevel = Arbitraries.strings().alpha().numeric().withChars("_+=.@-").ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> id = idLevel.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join("/", l));
        Arbitrary<String> stage = Arbitraries.strings().alpha().withChars("_+=.@-").ofMinLength(1).ofMaxLength(40);
        return Combinators.combine(id, Arbitraries.oneOf(version(), stage).injectNull(0.5), jsonKey().injectNull(0.5),
                        Arbitraries.of(true, false))
                .as((i, sel, key, opt) -> new Parts(Reference.Kind.PARAMETER, Reference.SECRETS_MANAGER_PREFIX + i,
                        sel, key, opt));
    }

    private static Arbitrary<Parts> arn() {
        Arbitrary<String> partitionAndRegion = Arbitraries.of(
                "aws:ssm:us-east-1", "aws:ssm:eu-west-3", "aws:ssm:ap-southeast-2", "aws:ssm:il-central-1",
                "aws-cn:ssm:cn-north-1", "aws-us-gov:ssm:us-gov-west-1");
        Arbitrary<String> account = Arbitraries.strings().numeric().ofLength(12);
        return Combinators.combine(partitionAndRegion, account, name(), Arbitraries.oneOf(version(), label()).injectNull(0.5),
                        jsonKey().injectNull(0.5), Arbitraries.of(true, false))
                .as((pr, acct, n, sel, key, opt) -> new Parts(Reference.Kind.PARAMETER,
                        "arn:" + pr + ":" + acct + ":parameter" + (n.startsWith("/") ? n : "/" + n), sel, key, opt));
    }
}
