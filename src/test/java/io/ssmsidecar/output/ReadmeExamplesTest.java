package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.testing.Docs;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The examples of the delivery forms page (docs/delivery-forms.md) are what the code writes. */
class ReadmeExamplesTest {
    private static final String PAGE = Docs.section("delivery-forms.md", "Delivery forms");

    private static String render(BundleFormat format, Map<String, String> values) throws OutputException {
        return new String(format.render(NastyValues.secrets(values)), StandardCharsets.UTF_8);
    }

    @Test
    void bundleExamples_areTheRenderedOutput() throws Exception {
        assertThat(PAGE).contains(render(BundleFormat.ENV, Map.of("DB_PASSWORD", "it's $ecret `not run`")))
                .contains(render(BundleFormat.ENV, Map.of("GREETING", "line one\nline two")))
                .contains(render(BundleFormat.PROPERTIES, Map.of("DB_PASSWORD", " p=ss:wörd#1")))
                .contains(render(BundleFormat.JSON, new TreeMap<>(
                        Map.of("API_KEY", "k-123", "DB_PASSWORD", "it's \"quoted\""))));
    }

    @Test
    void templateExample_rendersValidJson() throws Exception {
        Matcher m = Pattern.compile("# /etc/app/config.json.tmpl[^\n]*\n(.*?)```", Pattern.DOTALL).matcher(PAGE);
        assertThat(m.find()).isTrue();
        Template t = Template.parse("config.json.tmpl", m.group(1));

        byte[] out = t.render(Map.of(
                "DB", SecretValue.of("{\"host\":\"db\",\"port\":5432,\"password\":\"p\\\"w\"}"),
                "API_KEY", SecretValue.of("k\\1")));

        JsonNode json = new ObjectMapper().readTree(out);
        assertThat(json.at("/database/url").textValue()).isEqualTo("postgres://db:5432/app");
        assertThat(json.at("/database/password").textValue()).isEqualTo("p\"w");
        assertThat(json.at("/apiKey").textValue()).isEqualTo("k\\1");
    }
}
