package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.Docs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations files users import: the Prometheus alerting rules pass {@code promtool check rules} and their unit
 * tests on synthetic series ({@code promtool test rules}); every query of the Grafana dashboard is valid PromQL (as
 * promtool parses it); docs/operations.md describes every panel and every alert. That the metric names are the ones a
 * running sidecar exposes is {@link OperationsMetricsTest}'s.
 */
class OperationsFilesTest {

    static final Path PROMETHEUS = Path.of("examples/prometheus");
    static final Path ALERTS = PROMETHEUS.resolve("alerts.yml");
    static final Path ALERTS_TEST = PROMETHEUS.resolve("alerts.test.yml");
    static final Path DASHBOARD = Path.of("examples/grafana/ssm-sidecar.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern METRIC = Pattern.compile("\\bssm_sidecar_[a-z_]+");
    /** The selector every series of the dashboard carries: the job and instance (Sidecar) variables. */
    private static final String JOB_AND_INSTANCE = "{job=~\"$job\", instance=~\"$instance\"}";

    @TempDir
    Path scratch;

    @Test
    void alertingRules_passPromtoolsCheck() throws Exception {
        Promtool.Result result = Promtool.run(PROMETHEUS, "check", "rules", "alerts.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: " + alerts().size() + " rules found");
    }

    @Test
    void alertingRules_passTheirUnitTests_onSyntheticSeries() throws Exception {
        Promtool.Result result = Promtool.run(PROMETHEUS, "test", "rules", "alerts.test.yml");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS");
        String tests = Files.readString(ALERTS_TEST);
        assertThat(alerts()).as("every alert has a unit test").allSatisfy(alert ->
                assertThat(tests).contains("alertname: " + alert));
    }

    @Test
    void theUnitTests_failWhenARuleChanges() throws Exception {
        Files.writeString(scratch.resolve("alerts.yml"), Files.readString(ALERTS)
                .replace("ssm_sidecar_oldest_value_age_seconds > 3 * 300", "ssm_sidecar_oldest_value_age_seconds > 4 * 300"));
        Files.copy(ALERTS_TEST, scratch.resolve("alerts.test.yml"));

        Promtool.Result result = Promtool.run(scratch, "test", "rules", "alerts.test.yml");

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("FAILED", "SsmSidecarValueOlderThanThreeIntervals");
    }

    @Test
    void dashboard_isAnImportableModel_whoseQueriesArePromQl() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertThat(dashboard.path("uid").asText()).isEqualTo("ssm-sidecar");
        assertThat(dashboard.path("schemaVersion").asInt()).isPositive();
        assertThat(dashboard.at("/templating/list/0/type").asText()).isEqualTo("datasource");
        List<String> rules = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertThat(panel.at("/datasource/uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
            assertThat(panel.path("description").asText()).as(panel.path("title").asText()).isNotBlank();
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            for (JsonNode target : panel.path("targets")) {
                assertThat(target.at("/datasource/uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
                rules.add("      - record: panel_" + panel.path("id").asInt() + "_" + target.path("refId").asText()
                        + "\n        expr: " + JSON.writeValueAsString(concrete(target.path("expr").asText())));
            }
        }
        Path file = Files.writeString(scratch.resolve("dashboard-queries.yml"),
                "groups:\n  - name: dashboard\n    rules:\n" + String.join("\n", rules) + "\n");

        Promtool.Result result = Promtool.run(scratch, "check", "rules", file.getFileName().toString());

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("SUCCESS: " + rules.size() + " rules found");
    }

    @Test
    void dashboardQueryCheck_findsABrokenQuery() throws Exception {
        Path file = Files.writeString(scratch.resolve("broken.yml"),
                "groups:\n  - name: dashboard\n    rules:\n      - record: broken\n        expr: "
                        + JSON.writeValueAsString(concrete("sum by (route (rate(ssm_sidecar_http_requests_total[$__rate_interval]))"))
                        + "\n");

        assertThat(Promtool.run(scratch, "check", "rules", "broken.yml").exitCode()).isNotZero();
    }

    @Test
    void dashboardPanels_haveUniqueIds_fitTheGrid_andDoNotOverlap() throws Exception {
        List<JsonNode> panels = new ArrayList<>();
        JSON.readTree(DASHBOARD.toFile()).path("panels").forEach(panels::add);
        Set<Integer> ids = new TreeSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("the id of " + title + " is unique").isTrue();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("w").asInt()).as(title).isPositive();
            assertThat(grid.path("h").asInt()).as(title).isPositive();
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(title + " within 24 columns").isBetween(1, 24);
        }
        for (int i = 0; i < panels.size(); i++) {
            for (int j = i + 1; j < panels.size(); j++) {
                assertThat(overlap(panels.get(i).path("gridPos"), panels.get(j).path("gridPos")))
                        .as(panels.get(i).path("title").asText() + " and " + panels.get(j).path("title").asText())
                        .isFalse();
            }
        }
    }

    @Test
    void overlapCheck_findsPanelsThatShareACell_andNotNeighbours() throws Exception {
        JsonNode left = JSON.readTree("{\"x\": 0, \"y\": 19, \"w\": 6, \"h\": 8}");

        assertThat(overlap(left, JSON.readTree("{\"x\": 5, \"y\": 26, \"w\": 6, \"h\": 8}"))).isTrue();
        assertThat(overlap(left, JSON.readTree("{\"x\": 6, \"y\": 19, \"w\": 6, \"h\": 8}"))).isFalse();
        assertThat(overlap(left, JSON.readTree("{\"x\": 0, \"y\": 27, \"w\": 24, \"h\": 1}"))).isFalse();
    }

    @Test
    void everyDashboardQuery_selectsOnlyTheChosenJobsAndSidecars() throws Exception {
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                assertThat(unfiltered(target.path("expr").asText()))
                        .as(panel.path("title").asText() + " " + target.path("refId").asText()).isEmpty();
            }
        }
        assertThat(unfiltered("max(ssm_sidecar_refresh_interval_seconds{job=~\"$job\"}) / $interval_seconds"))
                .containsExactly("ssm_sidecar_refresh_interval_seconds");
    }

    @Test
    void operationsPage_describesEveryPanelAndEveryAlert() throws Exception {
        String page = Docs.read("operations.md");
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            if (!panel.path("type").asText().equals("row")) {
                assertThat(page).as("a row for the panel " + panel.path("title").asText())
                        .contains("| " + panel.path("title").asText() + " |");
            }
        }
        assertThat(alerts()).allSatisfy(alert -> assertThat(page).contains("| `" + alert + "` |"));
        assertThat(Docs.readFile(Path.of("README.md"))).contains("[docs/operations.md](docs/operations.md)");
    }

    // ---- shared with OperationsMetricsTest ------------------------------------------------------------------

    /** The alert names of alerts.yml. */
    static List<String> alerts() throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode group : YamlTree.readAll(ALERTS).get(0).path("groups")) {
            group.path("rules").forEach(rule -> names.add(rule.path("alert").asText()));
        }
        return names;
    }

    /** Every metric name the dashboard's queries, the rules' expressions and their tests' series use. */
    static Set<String> metricNamesUsed() throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            panel.path("targets").forEach(t -> names.addAll(metrics(t.path("expr").asText())));
        }
        for (JsonNode variable : JSON.readTree(DASHBOARD.toFile()).at("/templating/list")) {
            names.addAll(metrics(variable.path("definition").asText()));
        }
        for (JsonNode group : YamlTree.readAll(ALERTS).get(0).path("groups")) {
            group.path("rules").forEach(rule -> names.addAll(metrics(rule.path("expr").asText())));
        }
        for (JsonNode test : YamlTree.readAll(ALERTS_TEST).get(0).path("tests")) {
            test.path("input_series").forEach(s -> names.addAll(metrics(s.path("series").asText())));
        }
        return names;
    }

    private static Set<String> metrics(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Whether two panels' grid positions share a cell. */
    private static boolean overlap(JsonNode a, JsonNode b) {
        return a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
    }

    /** The metrics of a dashboard query not selected by the dashboard's job and instance variables. */
    private static List<String> unfiltered(String expr) {
        List<String> names = new ArrayList<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            if (!expr.startsWith(JOB_AND_INSTANCE, m.end())) {
                names.add(m.group());
            }
        }
        return names;
    }

    /** A dashboard query with Grafana's variables replaced by values, as Grafana sends it. */
    private static String concrete(String expr) {
        return expr.replace("$__rate_interval", "5m").replace("$interval_seconds", "300")
                .replace("$on_demand_calls", "4").replace("$job", ".*").replace("$instance", ".*");
    }
}
