package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.testing.Hostile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * {@code --env-file} ({@link EnvFile}) on any input (issue 18): it answers variables or a configuration error (exit 2)
 * and nothing else; an error names the line and never quotes a value; every value it answers can be an environment
 * variable; files written in any of its quoting styles read back to what was written; time is linear in the file.
 */
class EnvFilePropertyTest {
    /** Put into values: no message may contain it. */
    static final String CANARY = "s3cr3t-canary!";

    private static Path dir;

    @BeforeContainer
    static void makeDirectory() throws IOException {
        dir = Files.createTempDirectory("env-file-properties");
    }

    @AfterContainer
    static void removeDirectory() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @Property(tries = 500)
    void anyText_givesVariablesThatCanBeSet_orAConfigErrorWithoutTheValue(@ForAll("hostileFiles") String text) {
        Map<String, String> vars;
        try {
            vars = EnvFile.parse("f.env", text);
        } catch (ExecException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.CONFIG);
            assertThat(e.getMessage()).startsWith("--env-file f.env, line ").doesNotContain(CANARY);
            return;
        }
        vars.forEach((key, value) -> {
            assertThat(key).matches("[A-Za-z_][A-Za-z0-9_]*");
            assertThat(value).as("the value of %s, which an environment variable must be able to hold", key)
                    .doesNotContain("\0");
        });
    }

    @Property(tries = 100)
    void anyBytes_inAFile_areReadOrRefusedAsConfig(@ForAll("hostileBytes") byte[] bytes) throws IOException {
        Path file = Files.createTempFile(dir, "any", ".env");
        Files.write(file, bytes);
        try {
            EnvFile.read(file);
        } catch (ExecException e) {
            assertThat(e.exitCode()).isEqualTo(ExitCode.CONFIG);
            assertThat(e.getMessage()).startsWith("--env-file " + file).doesNotContain(CANARY);
        } finally {
            Files.delete(file);
        }
    }

    @Property(tries = 500)
    void variablesWrittenInAnyStyle_readBackAsWritten(@ForAll @Size(max = 8) List<@net.jqwik.api.From("entries") Entry> entries,
                                                     @ForAll boolean crlf) throws ExecException {
        Map<String, String> expected = new LinkedHashMap<>();
        StringBuilder file = new StringBuilder("# written by a property test\n\n");
        for (Entry e : entries) {
            expected.put(e.key(), e.value());
            file.append(e.line()).append('\n');
        }
        String text = crlf ? file.toString().replace("\n", "\r\n") : file.toString();

        assertThat(EnvFile.parse("f.env", text)).containsExactlyEntriesOf(expected);
    }

    @Property(tries = 3)
    void parseTime_isLinearInTheFile(@ForAll("hostileLines") String line) {
        Hostile.assertLinear("env file of " + line.length() + "-character lines", 16 * 1024,
                size -> Hostile.repeatTo(line + "\n", size),
                text -> {
                    try {
                        EnvFile.parse("f.env", text);
                    } catch (ExecException e) {
                        assertThat(e.getMessage()).hasSizeLessThan(500);
                    }
                });
    }

    // ---- regressions found by the properties above ------------------------------------------------------------------

    /** A NUL in a value passed the parser, and {@code exec} then ended with "internal error" (exit 70), not exit 2. */
    @Example
    void aNulInAValue_isAConfigError_namingTheLineAndKey() {
        assertThatThrownBy(() -> EnvFile.parse("f.env", "OK=1\nA=x\0y"))
                .isInstanceOf(ExecException.class)
                .hasMessage("--env-file f.env, line 2 (A): the value contains a NUL character, which an environment "
                        + "variable cannot hold")
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.CONFIG));
    }

    // ---- generators --------------------------------------------------------------------------------------------------

    /** One variable and the line that sets it, in one of the file's quoting styles. */
    record Entry(String key, String value, String line) {
    }

    @Provide
    Arbitrary<Entry> entries() {
        Arbitrary<String> key = Combinators.combine(Arbitraries.chars().alpha().with('_'),
                Arbitraries.strings().alpha().numeric().withChars('_').ofMaxLength(12)).as((f, r) -> f + r)
                // "export = v" reads as the prefix and no name, as a shell would refuse it.
                .filter(k -> !k.equals("export"));
        Arbitrary<String> anyValue = Arbitraries.oneOf(Hostile.anyString(30), Arbitraries.strings().all().ofMaxLength(30))
                .map(v -> v.replace("\0", "").replace("\\u0000", ""));
        Arbitrary<String> prefix = Arbitraries.of("", "export ", "export\t", "  ", "\t export  ");
        Arbitrary<String> aroundEquals = Arbitraries.of("=", " = ", "\t=\t", "= ");
        Arbitrary<String> comment = Arbitraries.of("", " # a comment", "\t#", "  #x=\"'");
        return Combinators.combine(key, anyValue, prefix, aroundEquals, comment, Arbitraries.integers().between(0, 2))
                .as((k, v, p, eq, c, style) -> switch (style) {
                    case 0 -> new Entry(k, v, p + k + eq + "\"" + doubleQuoted(v) + "\"" + c);
                    case 1 -> v.contains("'") || v.contains("\n") || v.contains("\r")
                            ? new Entry(k, v, p + k + eq + "\"" + doubleQuoted(v) + "\"" + c)
                            : new Entry(k, v, p + k + eq + "'" + v + "'" + c);
                    default -> {
                        String bare = v.replace("\n", "").replace("\r", "").strip();
                        boolean quoteFirst = !bare.isEmpty() && (bare.charAt(0) == '"' || bare.charAt(0) == '\'');
                        yield quoteFirst ? new Entry(k, bare, p + k + eq + "\"" + doubleQuoted(bare) + "\"")
                                : new Entry(k, bare, p + k + eq + bare);
                    }
                });
    }

    private static String doubleQuoted(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("\n", "\\n").replace("\r", "\\r");
    }

    @Provide
    Arbitrary<String> hostileLines() {
        Arbitrary<String> valid = entries().map(e -> e.line().replace(e.value(), e.value() + CANARY));
        return Arbitraries.frequencyOf(
                Tuple.of(6, Hostile.mutated(valid)),
                Tuple.of(1, valid),
                Tuple.of(2, Hostile.anyString(40).map(s -> s + CANARY)),
                Tuple.of(1, Arbitraries.of("KEY=\"" + CANARY + "\\", "KEY='" + CANARY, "KEY=\"" + CANARY + "\\q\"",
                        "KEY=\"" + CANARY + "\" trailing", "=" + CANARY, "1KEY=" + CANARY, "KEY", "\ufeffKEY=" + CANARY,
                        "KEY=\"" + CANARY + "\r\n\"", "KEY=" + CANARY + "\0", "KEY=\"\0" + CANARY + "\"",
                        "export", "export KEY", "KEY=\"" + "\\\\".repeat(5000) + CANARY)));
    }

    @Provide
    Arbitrary<String> hostileFiles() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, hostileLines().list().ofMaxSize(6).map(lines -> String.join("\n", lines))),
                Tuple.of(1, hostileLines().list().ofMaxSize(6).map(lines -> String.join("\r\n", lines))),
                Tuple.of(1, Combinators.combine(hostileLines(), Arbitraries.integers().between(1, 1000))
                        .as((line, n) -> (line + "\n").repeat(n))));
    }

    @Provide
    Arbitrary<byte[]> hostileBytes() {
        Arbitrary<byte[]> text = hostileFiles().map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> spliced = Combinators.combine(text, raw, Arbitraries.integers().between(0, 1 << 16))
                .as((t, r, at) -> {
                    int i = at % (t.length + 1);
                    byte[] out = new byte[t.length + r.length];
                    System.arraycopy(t, 0, out, 0, i);
                    System.arraycopy(r, 0, out, i, r.length);
                    System.arraycopy(t, i, out, i + r.length, t.length - i);
                    return out;
                });
        return Arbitraries.oneOf(text, raw, spliced);
    }
}
