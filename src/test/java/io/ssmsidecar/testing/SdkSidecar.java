package io.ssmsidecar.testing;

import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole sidecar (the production SDK source against a {@link LocalSsm}, the real HTTP API) whose SSM client holds
 * the credentials of {@link AppSsmClient}: the arrangement of an ECS task, where the app and the sidecar get the same
 * task-role credentials. {@code SIDECAR_SDK_ENDPOINT} is {@code mode}.
 */
public final class SdkSidecar implements AutoCloseable {
    public static final String TOKEN = "sdk-endpoint-token-0123456789abcdef";

    public final Sidecar sidecar;
    public final PrometheusMetrics metrics;

    private SdkSidecar(Sidecar sidecar, PrometheusMetrics metrics) {
        this.sidecar = sidecar;
        this.metrics = metrics;
    }

    /** Started and ready; {@code env} holds the references ({@code KEY=ssm://...}) and any other settings. */
    public static SdkSidecar start(LocalSsm ssm, Path dir, String mode, Clock clock, Map<String, String> env)
            throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("SIDECAR_OUTPUT_DIR", dir.toString());
        all.put("SIDECAR_HTTP_PORT", "0");
        all.put("SIDECAR_TOKEN", TOKEN);
        all.put("SIDECAR_SDK_ENDPOINT", mode);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        SsmParameterSource source = SsmParameterSource.create(sidecarAwsEnv(ssm), metrics, LocalWire.FAST);
        Sidecar sidecar = new Sidecar(SettingsLoader.load(List.of(), all), source, metrics, clock).start();
        if (!sidecar.awaitReady(Duration.ofSeconds(30))) {
            sidecar.close();
            throw new AssertionError("not ready within 30s: " + sidecar.readinessReason());
        }
        return new SdkSidecar(sidecar, metrics);
    }

    /** The sidecar container's AWS environment: the real SSM and Secrets Manager (here local) and the task's credentials. */
    public static Map<String, String> sidecarAwsEnv(LocalSsm ssm) {
        return Map.of("AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", ssm.endpoint().toString(), "AWS_REGION", AppSsmClient.REGION,
                "AWS_ACCESS_KEY_ID", AppSsmClient.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY", AppSsmClient.SECRET_ACCESS_KEY,
                "AWS_SESSION_TOKEN", AppSsmClient.SESSION_TOKEN);
    }

    /** What the app container sets: {@code AWS_ENDPOINT_URL_SSM} and its own copy of the task's credentials. */
    public Map<String, String> appEnv() {
        return Map.of("AWS_ENDPOINT_URL_SSM", endpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint().toString(), "AWS_REGION", AppSsmClient.REGION,
                "AWS_DEFAULT_REGION", AppSsmClient.REGION,
                "AWS_ACCESS_KEY_ID", AppSsmClient.ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY", AppSsmClient.SECRET_ACCESS_KEY,
                "AWS_SESSION_TOKEN", AppSsmClient.SESSION_TOKEN);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + sidecar.port());
    }

    /** Asks for a refresh cycle and waits until it has swapped the snapshot. */
    public void refresh() {
        long before = sidecar.store().current().generation();
        sidecar.requestRefresh();
        Await.until(Duration.ofSeconds(20), () -> sidecar.store().current().generation() > before,
                () -> "a refresh cycle after generation " + before);
    }

    @Override
    public void close() {
        sidecar.close();
    }
}
