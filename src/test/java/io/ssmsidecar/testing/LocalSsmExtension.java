package io.ssmsidecar.testing;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.localssm.SdkClients;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * A fresh {@link LocalSsm} for each test, and the real SDK client pointed at it (built on first use), closed after
 * the test's own {@code @AfterEach} methods. The test class seeds it in its {@code @BeforeEach}, which runs after
 * this extension has started the endpoint:
 * <pre>{@code
 * @RegisterExtension
 * final LocalSsmExtension local = LocalSsmExtension.started().withClockAt(T0);
 * }</pre>
 */
public final class LocalSsmExtension implements BeforeEachCallback, AfterEachCallback {
    private final UnaryOperator<LocalSsm.Options> options;
    private final Instant clockStart;
    private ManualClock clock;
    private LocalSsm ssm;
    private SsmClient client;

    private LocalSsmExtension(UnaryOperator<LocalSsm.Options> options, Instant clockStart) {
        this.options = options;
        this.clockStart = clockStart;
    }

    /** The endpoint with {@link LocalSsm.Options#defaults()}. */
    public static LocalSsmExtension started() {
        return new LocalSsmExtension(UnaryOperator.identity(), null);
    }

    /** The same, with {@code change} applied to the options (page size, threads, a fixed clock...). */
    public LocalSsmExtension with(UnaryOperator<LocalSsm.Options> change) {
        return new LocalSsmExtension(o -> change.apply(options.apply(o)), clockStart);
    }

    /** The same, on a {@link ManualClock} starting at {@code start}: see {@link #clock()}. */
    public LocalSsmExtension withClockAt(Instant start) {
        return new LocalSsmExtension(options, start);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        LocalSsm.Options o = options.apply(LocalSsm.Options.defaults());
        if (clockStart != null) {
            clock = new ManualClock(clockStart);
            o = o.withClock(clock);
        }
        ssm = LocalSsm.start(o);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            ssm.close();
        }
    }

    public LocalSsm ssm() {
        return ssm;
    }

    /** The real SDK client, without retries, so every call is one request. */
    public SsmClient client() {
        if (client == null) {
            client = SdkClients.forLocal(ssm);
        }
        return client;
    }

    /** The endpoint's clock; only with {@link #withClockAt(Instant)}. */
    public ManualClock clock() {
        if (clock == null) {
            throw new IllegalStateException("no manual clock: register the extension withClockAt(..)");
        }
        return clock;
    }
}
