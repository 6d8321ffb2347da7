package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.source.SecretValue;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TemplateTest {
    private static final Map<String, SecretValue> VALUES = Map.of(
            "USER", SecretValue.of("admin"),
            "PASS", SecretValue.of("p'a\"s$s\\\n"),
            "DB", SecretValue.of("{\"host\":\"db.local\",\"port\":5432,\"tls\":{\"on\":true},\"pw\":\"x\\\"y\"}"),
            "PLAIN", SecretValue.of("not json"));

    @TempDir
    Path tmp;

    private static String render(String template) throws OutputException {
        return new String(Template.parse("app.tmpl", template).render(VALUES), StandardCharsets.UTF_8);
    }

    @Test
    void placeholders_insertValuesFieldsAndFilteredForms() throws Exception {
        assertThat(render("user={{USER}} host={{ DB#host }}:{{ DB#port }} tls={{DB#tls}}"))
                .isEqualTo("user=admin host=db.local:5432 tls={\"on\":true}");
        assertThat(render("{{ USER | base64 }}")).isEqualTo(Base64.getEncoder().encodeToString("admin".getBytes()));
        assertThat(render("pw={{ PASS | shell }}")).isEqualTo("pw='p'\\''a\"s$s\\\n'");
        assertThat(render("{{ DB#pw|json }}")).isEqualTo("x\\\"y");
        assertThat(render("{{ USER | base64 | json }}")).isEqualTo("YWRtaW4=");
    }

    @Test
    void textAroundPlaceholders_isCopiedExactly_includingLoneBracesAndLiteralOpeners() throws Exception {
        assertThat(render("a } b }} c { d")).isEqualTo("a } b }} c { d");
        assertThat(render("{\"u\":\"{{ USER }}\"}")).isEqualTo("{\"u\":\"admin\"}");
        assertThat(render("{{{ USER }}}")).isEqualTo("{admin}");
        assertThat(render("literal {{ \"{{\" }} USER }}")).isEqualTo("literal {{ USER }}");
        assertThat(render("")).isEmpty();
    }

    @Test
    void keys_listsEveryNamedKeyOnce() throws Exception {
        assertThat(Template.parse("t", "{{A}}{{B#x}}{{A|json}}{{\"{{\"}}").keys()).containsExactly("A", "B");
    }

    @Test
    void jsonFilter_outputReadBackByJackson_forEveryNastyValue() throws Exception {
        Map<String, SecretValue> nasty = NastyValues.secrets(NastyValues.all());
        StringBuilder t = new StringBuilder("{");
        for (String key : nasty.keySet()) {
            t.append(t.length() > 1 ? ",\n" : "").append("\"").append(key).append("\": \"{{ ").append(key)
                    .append(" | json }}\"");
        }
        byte[] out = Template.parse("t.json", t.append("}").toString()).render(nasty);

        JsonNode read = new ObjectMapper().readTree(out);
        NastyValues.all().forEach((k, v) -> assertThat(read.get(k).textValue()).as(k).isEqualTo(v));
    }

    @Test
    void propertiesFilter_outputReadBackByJavaUtilProperties_forEveryNastyValue() throws Exception {
        Map<String, SecretValue> nasty = NastyValues.secrets(NastyValues.all());
        StringBuilder t = new StringBuilder("# app config\n");
        for (String key : nasty.keySet()) {
            t.append("app.").append(key.toLowerCase()).append(" = {{ ").append(key).append(" | properties }}\n");
        }
        byte[] out = Template.parse("t.properties", t.toString()).render(nasty);

        Properties p = new Properties();
        p.load(new StringReader(new String(out, StandardCharsets.UTF_8)));
        NastyValues.all().forEach((k, v) -> assertThat(p.getProperty("app." + k.toLowerCase())).as(k).isEqualTo(v));
    }

    @Test
    void shellFilter_outputSourcedByDash_forEveryNastyValue() throws Exception {
        String dash = ExternalTools.require("dash", "dash");
        Map<String, SecretValue> nasty = NastyValues.secrets(NastyValues.all());
        StringBuilder t = new StringBuilder("set -e\n");
        for (String key : nasty.keySet()) {
            t.append("v={{ ").append(key).append(" | shell }}\nprintf '%s' \"$v\" > ").append(key).append('\n');
        }
        Files.write(tmp.resolve("run.sh"), Template.parse("run.sh", t.toString()).render(nasty));

        ExternalTools.runOk(tmp, List.of(dash, "run.sh"));

        for (Map.Entry<String, String> e : NastyValues.all().entrySet()) {
            assertThat(Files.readString(tmp.resolve(e.getKey()), StandardCharsets.UTF_8)).as(e.getKey())
                    .isEqualTo(e.getValue());
        }
    }

    @Test
    void dotenvFilter_writesTheSameQuotingAsTheDotenvBundle() throws Exception {
        Map<String, SecretValue> nasty = NastyValues.secrets(Map.of("A", "it's \"x\"", "B", "a\r\nb"));
        assertThat(new String(Template.parse("t", "A={{ A | dotenv }}\nB={{B|dotenv}}\n").render(nasty),
                StandardCharsets.UTF_8)).isEqualTo("A=`it's \"x\"`\nB=\"a\\r\\nb\"\n");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "~line 1\n{{ }}~ | template app.tmpl line 2: '{{ }}' is not a placeholder: expected",
        "~{{ USER name }}~ | template app.tmpl line 1: '{{ USER name }}' is not a placeholder",
        "~{{ 1ST }}~ | template app.tmpl line 1: '{{ 1ST }}' is not a placeholder",
        "~{{ DB# }}~ | template app.tmpl line 1: '{{ DB# }}' is not a placeholder",
        "~{{ \"a\"b\" }}~ | template app.tmpl line 1: '{{ \"a\"b\" }}' is not a placeholder",
        "~a\n\nb {{ USER ~ | template app.tmpl line 3: {{ is never closed by }}",
        "~{{ USER | upper }}~ | template app.tmpl line 1: unknown filter 'upper' for key USER: use one of json, properties, shell, dotenv, base64",
        "~{{ USER | }}~ | template app.tmpl line 1: unknown filter '' for key USER",
    })
    void parse_rejectsSyntaxErrors_namingTemplateLineAndPlaceholder(String template, String message) {
        assertThatThrownBy(() -> Template.parse("app.tmpl", template))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void unknownKey_isAnErrorNamingTemplateLineAndKey_neverAnEmptyString() throws Exception {
        Template t = Template.parse("/etc/app/config.tmpl", "a\nb={{ USER }}\nc={{ MISSING | json }}\n");

        assertThatThrownBy(() -> t.requireKeys(Set.of("USER")))
                .isInstanceOf(OutputException.class)
                .hasMessage("template /etc/app/config.tmpl line 3: unknown key MISSING (the loaded keys are USER);"
                        + " declare it or fix the placeholder");
        assertThatThrownBy(() -> t.render(VALUES))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("template /etc/app/config.tmpl line 3: unknown key MISSING");
    }

    @Test
    void missingJsonField_isAnErrorNamingKeyAndField_neverTheValue() throws Exception {
        assertThatThrownBy(() -> render("\n{{ DB#password }}"))
                .isInstanceOf(OutputException.class)
                .hasMessage("template app.tmpl line 2: the JSON value of DB has no field 'password'")
                .hasMessageNotContaining("db.local");
        assertThatThrownBy(() -> render("{{ PLAIN#x }}"))
                .isInstanceOf(OutputException.class)
                .hasMessage("template app.tmpl line 1: the value of PLAIN is not a JSON object, so {{ PLAIN#x }}"
                        + " cannot read a field of it");
    }

    @Test
    void filterThatCannotEncodeAValue_isAnErrorNamingTemplateLineAndKey() throws Exception {
        Template t = Template.parse("t", "x={{ K | shell }}");
        assertThatThrownBy(() -> t.render(Map.of("K", SecretValue.of("nul\0here"))))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("template t line 1: the value of 'K' contains a NUL character")
                .hasMessageNotContaining("here");
    }

    @Test
    void load_readsUtf8File_andRejectsMissingOrNonUtf8Files_namingThem() throws Exception {
        Path good = Files.writeString(tmp.resolve("good.tmpl"), "é={{ USER }}");
        assertThat(Template.load(good).render(VALUES)).isEqualTo("é=admin".getBytes(StandardCharsets.UTF_8));

        Path missing = tmp.resolve("missing.tmpl");
        assertThatThrownBy(() -> Template.load(missing))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("template " + missing + " cannot be read: no such file or directory");

        Path latin1 = Files.write(tmp.resolve("latin1.tmpl"), new byte[] {'a', (byte) 0xe9, 'b'});
        assertThatThrownBy(() -> Template.load(latin1))
                .isInstanceOf(OutputException.class)
                .hasMessage("template " + latin1 + " is not valid UTF-8");
    }

    @Test
    void load_devZero_isRefusedAsNotARegularFile() {
        assertThatThrownBy(() -> Template.load(java.nio.file.Path.of("/dev/zero")))
                .isInstanceOf(OutputConfigException.class)
                .hasMessageStartingWith("template /dev/zero is not a regular file (a FIFO, device or directory)");
    }

    @Test
    void load_aRegularFileOverOneMebibyte_isRefused() throws Exception {
        Path big = Files.write(tmp.resolve("big.tmpl"), new byte[(int) Template.MAX_SIZE + 1]);
        assertThatThrownBy(() -> Template.load(big))
                .isInstanceOf(OutputConfigException.class)
                .hasMessage("template " + big + " is larger than 1 MiB; templates are for config files");
    }
}
