package io.ssmsidecar.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.ExitCode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EnvFileTest {

    @Test
    void parse_readsKeysValuesCommentsAndExportPrefix() throws Exception {
        Map<String, String> vars = EnvFile.parse("f", """
                # a comment
                   # an indented comment

                DB_PASSWORD=ssm:///prod/db#password
                export API_KEY = ssm://api.key?optional
                export\tTABBED=1
                EMPTY=
                SPACES=  padded value\t
                HASH=a # not a comment
                CRLF=windows\r
                DUP=first
                DUP=second
                """);
        assertThat(vars).containsExactly(
                Map.entry("DB_PASSWORD", "ssm:///prod/db#password"),
                Map.entry("API_KEY", "ssm://api.key?optional"),
                Map.entry("TABBED", "1"),
                Map.entry("EMPTY", ""),
                Map.entry("SPACES", "padded value"),
                Map.entry("HASH", "a # not a comment"),
                Map.entry("CRLF", "windows"),
                Map.entry("DUP", "second"));
    }

    @Test
    void parse_singleQuotesAreLiteral_doubleQuotesTakeEscapes() throws Exception {
        Map<String, String> vars = EnvFile.parse("f", String.join("\n",
                "SINGLE='  $HOME \\n \"x\" # kept '  # comment",
                "DOUBLE=\"a\\nb\\tc\\r\\\\ \\\" \\$HOME 'q' #kept\"",
                "EMPTY_SINGLE=''",
                "EMPTY_DOUBLE=\"\"",
                "UNICODE=\"pässwörd ✓ 😀\"",
                "INNER=it's \"fine\""));
        assertThat(vars).containsEntry("SINGLE", "  $HOME \\n \"x\" # kept ")
                .containsEntry("DOUBLE", "a\nb\tc\r\\ \" $HOME 'q' #kept")
                .containsEntry("EMPTY_SINGLE", "")
                .containsEntry("EMPTY_DOUBLE", "")
                .containsEntry("UNICODE", "pässwörd ✓ 😀")
                .containsEntry("INNER", "it's \"fine\"");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no equals sign                | s3cr3tv4lue                   | line 2: expected KEY=VALUE",
            "bad name                      | 1BAD=s3cr3tv4lue              | line 2: the name before '=' is not a variable name",
            "name with a dash              | MY-KEY=s3cr3tv4lue            | line 2: the name before '=' is not a variable name",
            "unclosed single quote         | K='s3cr3tv4lue                | line 2 (K): the value's opening ' is not closed",
            "unclosed double quote         | K=\"s3cr3tv4lue\\\"           | line 2 (K): the value's opening \" is not closed",
            "text after the closing quote  | K='s3cr3t'v4lue               | line 2 (K): only a # comment may follow the closing '",
            "unknown escape                | K=\"s3cr3t\\qv4lue\"          | line 2 (K): a backslash in a double-quoted value",
    })
    void parse_rejectsBadLines_namingTheLineButNeverTheValue(String what, String line, String expected) {
        assertThatThrownBy(() -> EnvFile.parse("app.env", "OK=1\n" + line + "\n"))
                .isInstanceOf(ExecException.class)
                .satisfies(e -> assertThat(((ExecException) e).exitCode()).isEqualTo(ExitCode.CONFIG))
                .hasMessageStartingWith("--env-file app.env, " + expected)
                .hasMessageNotContaining("s3cr3t")
                .hasMessageNotContaining("v4lue");
    }

    @Test
    void read_refusesAFileThatIsNotUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.env");
        Files.write(file, "K=caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> EnvFile.read(file)).hasMessage("--env-file " + file + ": not valid UTF-8");
    }

    @Test
    void read_namesAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("missing.env");
        assertThatThrownBy(() -> EnvFile.read(file))
                .hasMessage("--env-file " + file + ": cannot read it (NoSuchFileException)");
    }

    @Test
    void read_refusesAFileOverOneMebibyte(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("huge.env");
        Files.write(file, new byte[(int) EnvFile.MAX_BYTES + 1]);
        assertThatThrownBy(() -> EnvFile.read(file)).hasMessageContaining("larger than 1048576 bytes");
    }
}
