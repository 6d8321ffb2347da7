package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A generated corpus: valid references mutated with hostile fragments. The parser must either return a
 * well-formed reference or throw {@link ReferenceException} with a printable message naming the variable.
 */
class ReferenceParserCorpusTest {

    private static final List<String> SEEDS = List.of(
            "ssm://my.little.secret", "ssm:///prod/db/password", "ssm:///prod/db/password:3",
            "ssm:///prod/db/password:blue?optional", "ssm:///prod/db#password", "ssm:///prod/db:blue?optional#password",
            "ssm:///aws/reference/secretsmanager/prod/db:AWSPREVIOUS#password", "ssm:///prod/app/*",
            "ssm:///prod/app/*?optional", "ssm://arn:aws:ssm:us-east-1:123456789012:parameter/prod/x:7?optional#k",
            "ssm://arn:aws-cn:ssm:cn-north-1:123456789012:parameter/x");

    private static final List<String> HOSTILE = List.of(
            "\u0000", "/", "//", ":", "::", "?", "#", "*", "/*", "&", "=", "%2F", "%00", "..", "../", ".", " ", "\n",
            "\r\n", "\t", "\\", "'", "\"", "é", "ü", "\uD83D\uDE00", "\uD800", "\u202E", "\u00A0", "\uFEFF",
            "optional", "?optional", "#?optional", "aws", "ssm", "AWSCURRENT", "arn:aws:ssm:", "0", "9", "007",
            "/aws/reference/secretsmanager/", "parameter/", "ssm://", "a".repeat(3000), "/x".repeat(20), "$(id)", "`");

    private static final List<String> KEYS = List.of("DB_PASSWORD", "_", "a.b-c", "x".repeat(200));

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1L, 2L, 42L, 20240601L})
    void parse_returnsWellFormedReference_orNamesTheVariable(long seed) {
        Random random = new Random(seed);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 5000; i++) {
            String key = KEYS.get(random.nextInt(KEYS.size()));
            if (random.nextInt(20) == 0) {
                key = mutate(random, key);
            }
            String value = SEEDS.get(random.nextInt(SEEDS.size()));
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                value = mutate(random, value);
            }
            if (!value.startsWith(Reference.SCHEME)) {
                value = Reference.SCHEME + value;
            }
            try {
                assertWellFormed(ReferenceParser.parse(key, value), key, value);
                accepted++;
            } catch (ReferenceException e) {
                assertNamesVariable(e, key);
                rejected++;
            } catch (RuntimeException e) {
                fail("parse(" + Printable.of(key) + ", " + Printable.of(value) + ") threw " + e, e);
            }
        }
        assertThat(accepted).as("accepted").isGreaterThan(100);
        assertThat(rejected).as("rejected").isGreaterThan(1000);
    }

    private static String mutate(Random random, String s) {
        int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
        String fragment = HOSTILE.get(random.nextInt(HOSTILE.size()));
        return switch (random.nextInt(4)) {
            case 0 -> s.substring(0, at) + fragment + s.substring(at);
            case 1 -> at < s.length() ? s.substring(0, at) + s.substring(at + 1) : s;
            case 2 -> at < s.length() ? s.substring(0, at) + fragment + s.substring(at + 1) : s + fragment;
            default -> s + fragment;
        };
    }

    private static void assertWellFormed(Reference ref, String key, String value) {
        assertThat(ref.key()).isEqualTo(key);
        assertThat(Keys.isValid(key)).isTrue();
        assertThat(ref.raw()).isEqualTo(value);
        assertThat(ref.format()).as("canonical form").isEqualTo(value);
        assertThat(ref.kind()).isNotNull();
        assertThat(ref.name()).isNotEmpty().doesNotContain("//").doesNotEndWith("/");
        assertThat(ref.name().chars().allMatch(c -> c > 0x20 && c < 0x7f)).as("name is visible ASCII").isTrue();
        if (ref.kind() == Reference.Kind.PATH) {
            assertThat(ref.name()).startsWith("/").doesNotContain("*", ":");
            assertThat(ref.selector()).isNull();
            assertThat(ref.jsonKey()).isNull();
        }
        if (ref.selector() != null) {
            assertThat(ref.selector()).isNotEmpty().doesNotContain(":", "/", "?", "#");
        }
        if (ref.jsonKey() != null) {
            assertThat(ref.jsonKey()).isNotEmpty().doesNotEndWith("?optional");
        }
    }

    private static void assertNamesVariable(ReferenceException e, String key) {
        String message = e.getMessage();
        assertThat(message).startsWith(Printable.of(key));
        assertThat(message.chars().allMatch(c -> c >= 0x20 && c < 0x7f))
                .as("message is printable ASCII: %s", message).isTrue();
        assertThat(message.length()).as("message length").isLessThan(1200);
        assertThat(e.problems()).hasSize(1);
    }
}
