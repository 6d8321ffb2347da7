package io.ssmsidecar.testing;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.source.SsmParameterSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The real wire for tests: a {@link LocalSsm} on a free loopback port and the production {@link SsmParameterSource}
 * pointed at it through {@code AWS_ENDPOINT_URL_SSM} (and {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}), with short SDK timeouts and one attempt per call.
 */
public final class LocalWire implements AutoCloseable {
    public static final SsmParameterSource.Limits FAST = new SsmParameterSource.Limits(Duration.ofMillis(500),
            Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(4), 1);

    public final LocalSsm ssm;
    public final SsmParameterSource source;

    private LocalWire(LocalSsm ssm, Metrics metrics) {
        this.ssm = ssm;
        this.source = SsmParameterSource.create(env(ssm), metrics, FAST);
    }

    public static LocalWire start(Clock clock) {
        return start(clock, Metrics.noop());
    }

    public static LocalWire start(Clock clock, Metrics metrics) {
        return start(LocalSsm.Options.defaults().withClock(clock), metrics);
    }

    public static LocalWire start(LocalSsm.Options options, Metrics metrics) {
        try {
            return new LocalWire(LocalSsm.start(options), metrics);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment that points the SDK at the local endpoint with static test credentials. */
    public static Map<String, String> env(LocalSsm ssm) {
        return Map.of("AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString(),
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", ssm.endpoint().toString(), "AWS_REGION", "us-east-1",
                "AWS_ACCESS_KEY_ID", "AKIDLOCALWIRE", "AWS_SECRET_ACCESS_KEY", "not-checked");
    }

    public Map<String, String> env() {
        return env(ssm);
    }

    @Override
    public void close() {
        source.close();
        ssm.close();
    }
}
