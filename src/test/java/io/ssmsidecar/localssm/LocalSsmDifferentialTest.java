package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.Docs;
import io.ssmsidecar.testing.MotoServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * local-ssm against moto, field by field: {@code src/test/python/ssm_differential.py} makes the same boto3 calls to
 * both (every operation local-ssm implements: values, versions, labels, selectors, errors, paging, Secrets Manager
 * references) and lists every difference. Each must be one of the places where moto, not AWS, is wrong, as listed in
 * docs/local-ssm.md ("Where moto differs from AWS"); a new difference fails, and so does a listed one that is
 * gone, so the list stays true.
 */
class LocalSsmDifferentialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SCRIPT = Path.of("src/test/python/ssm_differential.py");

    /** A difference docs/local-ssm.md explains: which case, which fields (never a value unless the whole call differs). */
    private record Known(String why, Pattern caseName, Pattern field) {
        boolean covers(JsonNode d) {
            return caseName.matcher(d.get("case").asText()).matches() && field.matcher(d.get("field").asText()).matches();
        }
    }

    private static Known known(String why, String caseRegex, String fieldRegex) {
        return new Known(why, Pattern.compile(caseRegex), Pattern.compile(fieldRegex));
    }

    private static final String SECRET_METADATA = "(Parameter\\.|\\[0\\]\\.|Parameters\\.\\[0\\]\\.)?"
            + "(Name|ARN|DataType|SourceResult\\.keys)";

    static final List<Known> MOTO_IS_WRONG = List.of(
            known("no Selector for name:version / name:label",
                    "GetParameter /diff/db/password:(1|blue|green)|GetParameter secret reference :AWSPREVIOUS",
                    "Parameter\\.Selector"),
            known("no Selector for name:version / name:label", "GetParameters answers: Selector", "\\."),
            known("ARNs not resolved by GetParameters", "GetParameters by ARN", ".*"),
            known("a secret reference is answered with the secret's name and an SSM ARN",
                    "GetParameters? secret reference( :AWSPREVIOUS)?", SECRET_METADATA),
            known("a missing secret fails the whole GetParameters call", "GetParameters missing secret", ".*"),
            known("names with characters SSM refuses are stored", "PutParameter name with a space", ".*"),
            known("values over 4 KB are stored in the Standard tier", "PutParameter 4097 bytes Standard", ".*"),
            known("AllowedPattern is not enforced", "PutParameter AllowedPattern mismatch", ".*"),
            known("a malformed NextToken is a 500", "GetParametersByPath bad NextToken", "error"),
            known("a label that names no version", "GetParameter /diff/db/password:red", "error"));

    @TempDir
    Path tmp;

    @Test
    void theDocsTable_hasOneRowPerKnownMotoFault() {
        String section = Docs.section("local-ssm.md", "Where moto differs from AWS");
        String header = "| moto " + MotoServer.VERSION + " | AWS (reference) |";
        int at = section.indexOf(header);
        assertThat(at).as("the table of moto's differences, for the moto the suite runs").isNotNegative();
        long rows = section.substring(at).lines().skip(2).takeWhile(l -> l.startsWith("| ")).count();
        long faults = MOTO_IS_WRONG.stream().map(Known::why).distinct().count();

        assertThat(rows).as("rows of the table in docs/local-ssm.md").isEqualTo(faults);
        assertThat(section.replaceAll("\\s+", " ")).contains("fall in these " + faults + " places");
    }

    @Test
    void localSsm_answersAsMotoDoes_exceptWhereMotoIsWrong() throws Exception {
        MotoServer moto = MotoServer.shared();
        JsonNode report;
        try (LocalSsm local = LocalSsm.start()) {
            Path out = tmp.resolve("report.json");
            Path err = tmp.resolve("stderr.txt");
            Process p = new ProcessBuilder(MotoServer.python().toString(), SCRIPT.toString(),
                    local.endpoint().toString().replaceAll("/$", ""), moto.endpoint().toString())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the differential script finished").isTrue();
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("ssm_differential.py failed (needs boto3 beside moto_server: "
                    + "pip install boto3 'moto[server]==" + MotoServer.VERSION + "'):\n" + stderr).isZero();
            report = JSON.readTree(out.toFile());
        }

        List<String> unexplained = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode d : report.get("differences")) {
            Known k = MOTO_IS_WRONG.stream().filter(x -> x.covers(d)).findFirst().orElse(null);
            if (k == null) {
                unexplained.add(d.toString());
            } else {
                seen.add(k.why());
            }
        }
        System.out.printf("local-ssm vs moto %s: %d cases, %d field differences, all in %d known moto faults%n",
                MotoServer.VERSION, report.get("cases").asInt(), report.get("differences").size(), seen.size());

        assertThat(report.get("cases").asInt()).as("cases compared").isGreaterThan(40);
        assertThat(unexplained).as("differences neither fixed in local-ssm nor listed as moto's in docs/local-ssm.md")
                .isEmpty();
        assertThat(seen).as("every listed moto fault still shows (else update docs/local-ssm.md and this list)")
                .containsExactlyInAnyOrderElementsOf(MOTO_IS_WRONG.stream().map(Known::why).distinct().toList());
    }
}
