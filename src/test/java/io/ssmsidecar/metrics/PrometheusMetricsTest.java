package io.ssmsidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PrometheusMetricsTest {
    private final PrometheusMetrics metrics = PrometheusMetrics.create();

    /** The samples of one series name, as {@code name{labels}} to value. */
    private Map<String, Double> samples(String name) {
        Map<String, Double> out = new TreeMap<>();
        metrics.scrape().lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " ")).forEach(l -> {
            int space = l.lastIndexOf(' ');
            out.put(l.substring(0, space), Double.parseDouble(l.substring(space + 1)));
        });
        return out;
    }

    @Test
    void freshRegistry_exposesGaugesAndAlertingCounters_atZero() {
        assertThat(samples(PrometheusMetrics.SECRETS_LOADED)).containsOnly(entry("ssm_sidecar_secrets_loaded", 0.0));
        assertThat(samples(PrometheusMetrics.OLDEST_VALUE_AGE))
                .containsOnly(entry("ssm_sidecar_oldest_value_age_seconds", 0.0));
        assertThat(samples(PrometheusMetrics.LAST_REFRESH_SUCCESS))
                .containsOnly(entry("ssm_sidecar_last_refresh_success_timestamp_seconds", 0.0));
        assertThat(samples(PrometheusMetrics.SSM_THROTTLED)).containsOnly(entry("ssm_sidecar_ssm_throttled_total", 0.0));
        assertThat(samples(PrometheusMetrics.FILE_WRITES)).containsOnly(
                entry("ssm_sidecar_file_writes_total{result=\"failure\"}", 0.0),
                entry("ssm_sidecar_file_writes_total{result=\"success\"}", 0.0));
        assertThat(samples(PrometheusMetrics.REFRESHES)).containsOnly(
                entry("ssm_sidecar_refreshes_total{result=\"failure\"}", 0.0),
                entry("ssm_sidecar_refreshes_total{result=\"success\"}", 0.0));
    }

    @Test
    void ssmCall_countsByOperationAndOutcome_andTimesByOperation() {
        metrics.ssmCall("GetParameters", "success", Duration.ofMillis(40));
        metrics.ssmCall("GetParameters", "success", Duration.ofMillis(60));
        metrics.ssmCall("GetParametersByPath", "throttled", Duration.ofMillis(5));

        assertThat(samples(PrometheusMetrics.SSM_CALLS)).containsOnly(
                entry("ssm_sidecar_ssm_calls_total{operation=\"GetParameters\",outcome=\"success\"}", 2.0),
                entry("ssm_sidecar_ssm_calls_total{operation=\"GetParametersByPath\",outcome=\"throttled\"}", 1.0));
        assertThat(samples(PrometheusMetrics.SSM_THROTTLED)).containsOnly(entry("ssm_sidecar_ssm_throttled_total", 1.0));
        assertThat(samples(PrometheusMetrics.SSM_CALL_SECONDS + "_sum")).containsOnly(
                entry("ssm_sidecar_ssm_call_seconds_sum{operation=\"GetParameters\"}", 0.1),
                entry("ssm_sidecar_ssm_call_seconds_sum{operation=\"GetParametersByPath\"}", 0.005));
        assertThat(samples(PrometheusMetrics.SSM_CALL_SECONDS + "_count"))
                .containsEntry("ssm_sidecar_ssm_call_seconds_count{operation=\"GetParameters\"}", 2.0);
    }

    @Test
    void gauges_followTheLatestReport_andTheAgeIsReadAtScrapeTime() {
        Duration[] age = {Duration.ofSeconds(12)};
        metrics.secretsLoaded(7);
        metrics.secretsStale(2);
        metrics.oldestValueAge(() -> age[0]);
        metrics.refreshCompleted(true, Instant.ofEpochSecond(1_700_000_000));
        metrics.refreshCompleted(false, Instant.ofEpochSecond(1_700_000_300));

        assertThat(samples(PrometheusMetrics.SECRETS_LOADED)).containsOnly(entry("ssm_sidecar_secrets_loaded", 7.0));
        assertThat(samples(PrometheusMetrics.SECRETS_STALE)).containsOnly(entry("ssm_sidecar_secrets_stale", 2.0));
        assertThat(samples(PrometheusMetrics.OLDEST_VALUE_AGE))
                .containsOnly(entry("ssm_sidecar_oldest_value_age_seconds", 12.0));
        age[0] = Duration.ofMillis(1500);
        assertThat(samples(PrometheusMetrics.OLDEST_VALUE_AGE))
                .containsOnly(entry("ssm_sidecar_oldest_value_age_seconds", 1.5));
        assertThat(samples(PrometheusMetrics.LAST_REFRESH_SUCCESS))
                .containsOnly(entry("ssm_sidecar_last_refresh_success_timestamp_seconds", 1.7E9));
        assertThat(samples(PrometheusMetrics.REFRESHES)).containsOnly(
                entry("ssm_sidecar_refreshes_total{result=\"success\"}", 1.0),
                entry("ssm_sidecar_refreshes_total{result=\"failure\"}", 1.0));
    }

    @Test
    void effectiveIntervalAndThrottleBackoff_areReadAtScrapeTime_inSeconds() {
        assertThat(samples(PrometheusMetrics.REFRESH_INTERVAL)).containsOnly(
                entry("ssm_sidecar_refresh_interval_seconds", 0.0));
        Duration[] interval = {Duration.ofMinutes(5)};
        metrics.refreshInterval(() -> interval[0]);
        metrics.throttleBackoff(() -> Duration.ofMillis(37_500));

        assertThat(samples(PrometheusMetrics.REFRESH_INTERVAL)).containsOnly(
                entry("ssm_sidecar_refresh_interval_seconds", 300.0));
        interval[0] = Duration.ofMinutes(10);
        assertThat(samples(PrometheusMetrics.REFRESH_INTERVAL)).containsOnly(
                entry("ssm_sidecar_refresh_interval_seconds", 600.0));
        assertThat(samples(PrometheusMetrics.THROTTLE_BACKOFF)).containsOnly(
                entry("ssm_sidecar_throttle_backoff_seconds", 37.5));
    }

    @Test
    void oldestAge_thatThrows_scrapesAsNaN_insteadOfFailingTheScrape() {
        metrics.oldestValueAge(() -> {
            throw new IllegalStateException("store closed");
        });

        assertThat(samples(PrometheusMetrics.OLDEST_VALUE_AGE).values()).singleElement()
                .satisfies(v -> assertThat(v).isNaN());
    }

    @Test
    void fileWritesHttpAndNotifications_areCountedWithTheirLabels() {
        metrics.fileWrite(true);
        metrics.fileWrite(true);
        metrics.fileWrite(false);
        metrics.httpRequest("/v1/secrets/{key}", 200, Duration.ofMillis(2));
        metrics.httpRequest("/v1/secrets/{key}", 304, Duration.ofMillis(1));
        metrics.notification("url", true);
        metrics.notification("signal", false);

        assertThat(samples(PrometheusMetrics.FILE_WRITES)).containsOnly(
                entry("ssm_sidecar_file_writes_total{result=\"success\"}", 2.0),
                entry("ssm_sidecar_file_writes_total{result=\"failure\"}", 1.0));
        assertThat(samples(PrometheusMetrics.HTTP_REQUESTS)).containsOnly(
                entry("ssm_sidecar_http_requests_total{route=\"/v1/secrets/{key}\",status=\"200\"}", 1.0),
                entry("ssm_sidecar_http_requests_total{route=\"/v1/secrets/{key}\",status=\"304\"}", 1.0));
        assertThat(samples(PrometheusMetrics.HTTP_REQUEST_SECONDS + "_count"))
                .containsOnly(entry("ssm_sidecar_http_request_seconds_count{route=\"/v1/secrets/{key}\"}", 2.0));
        assertThat(samples(PrometheusMetrics.NOTIFICATIONS)).containsOnly(
                entry("ssm_sidecar_notifications_total{channel=\"url\",result=\"success\"}", 1.0),
                entry("ssm_sidecar_notifications_total{channel=\"signal\",result=\"failure\"}", 1.0));
    }

    @Test
    void labelValues_areBounded_soUnexpectedStringsCannotGrowTheRegistry() {
        for (int i = 0; i < BoundedLabel.MAX_VALUES + 25; i++) {
            metrics.httpRequest("/raw/path/" + i, 404, Duration.ZERO);
        }

        assertThat(samples(PrometheusMetrics.HTTP_REQUESTS)).hasSize(BoundedLabel.MAX_VALUES + 1)
                .containsEntry("ssm_sidecar_http_requests_total{route=\"other\",status=\"404\"}", 25.0);
    }

    @Test
    void everyDocumentedName_isExposedWithItsType_onceEverythingWasReported() {
        metrics.ssmCall("GetParameters", "success", Duration.ofMillis(1));
        metrics.httpRequest("/ping", 200, Duration.ofMillis(1));
        metrics.notification("command", true);
        String text = metrics.scrape();

        Map<String, String> types = Map.ofEntries(
                entry(PrometheusMetrics.SSM_CALLS, "counter"), entry(PrometheusMetrics.SSM_CALL_SECONDS, "summary"),
                entry(PrometheusMetrics.SSM_THROTTLED, "counter"), entry(PrometheusMetrics.SECRETS_LOADED, "gauge"),
                entry(PrometheusMetrics.SECRETS_STALE, "gauge"),
                entry(PrometheusMetrics.OLDEST_VALUE_AGE, "gauge"), entry(PrometheusMetrics.LAST_REFRESH_SUCCESS, "gauge"),
                entry(PrometheusMetrics.REFRESH_INTERVAL, "gauge"), entry(PrometheusMetrics.THROTTLE_BACKOFF, "gauge"),
                entry(PrometheusMetrics.REFRESHES, "counter"), entry(PrometheusMetrics.FILE_WRITES, "counter"),
                entry(PrometheusMetrics.HTTP_REQUESTS, "counter"), entry(PrometheusMetrics.HTTP_REQUEST_SECONDS, "summary"),
                entry(PrometheusMetrics.NOTIFICATIONS, "counter"));
        types.forEach((name, type) -> {
            assertThat(text).as(name).contains("# TYPE " + name + " " + type + "\n").contains("\n" + name);
        });
        assertThat(List.copyOf(types.keySet())).allSatisfy(n -> assertThat(n).startsWith("ssm_sidecar_"));
    }
}
