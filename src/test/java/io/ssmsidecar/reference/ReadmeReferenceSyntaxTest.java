package io.ssmsidecar.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The reference syntax page (docs/reference-syntax.md) is checked against the parser, so the two cannot drift apart. */
class ReadmeReferenceSyntaxTest {

    static String section(String heading) throws IOException {
        return Docs.section("reference-syntax.md", heading);
    }

    /** The first code span of each row of the table whose header starts with {@code header}. */
    static List<List<String>> table(String section, String header) {
        int at = section.indexOf("| " + header + " |");
        assertThat(at).as("table " + header).isNotNegative();
        Pattern code = Pattern.compile("`([^`]*)`");
        return section.substring(at).lines().skip(2).takeWhile(l -> l.startsWith("|"))
                .map(l -> List.of(l.split(" \\| ")).stream().map(cell -> {
                    Matcher m = code.matcher(cell);
                    return m.find() ? m.group(1) : "";
                }).toList())
                .toList();
    }

    @Test
    void everyExample_inTheSyntaxTable_parses() throws Exception {
        List<List<String>> rows = table(section("Reference syntax"), "Reference");
        assertThat(rows).hasSizeGreaterThan(10);
        for (List<String> row : rows) {
            assertThat(ReferenceParser.parse("K", row.get(0)).format()).isEqualTo(row.get(0));
        }
    }

    @Test
    void everyExample_inTheRejectedTable_isRejected() throws Exception {
        List<List<String>> rows = table(section("Reference syntax"), "Rejected");
        assertThat(rows).hasSizeGreaterThan(10);
        for (List<String> row : rows) {
            assertThatThrownBy(() -> ReferenceParser.parse("K", row.get(0))).as(row.get(0))
                    .isInstanceOf(ReferenceException.class);
        }
    }

    @Test
    void thePathKeyTable_followsTheKeyRule() throws Exception {
        List<List<String>> rows = table(section("Reference syntax"), "Variable");
        assertThat(rows).hasSize(3);
        for (List<String> row : rows) {
            String[] declaration = row.get(0).split("=", 2);
            Reference path = ReferenceParser.parse(declaration[0], declaration[1]);
            assertThat(PathKeys.keyFor(path.key(), path.name(), row.get(1))).isEqualTo(row.get(2));
        }
    }

    @Test
    void theExampleMessage_isWhatTheParserSays() throws Exception {
        String section = section("Reference syntax");
        String example = section.lines().filter(l -> l.startsWith("DB_PASSWORD=")).findFirst().orElseThrow();

        assertThatThrownBy(() -> ReferenceParser.parse("DB_PASSWORD", "ssm://prod/db/password")).hasMessage(example);
    }
}
