package io.ssmsidecar.testing;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.localssm.SdkClients;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * A fresh {@link LocalSsm} for each test, and the real SDK client pointed at it (built on first use), both closed
 * after the test's own {@code @AfterEach} methods. Registered on an instance field, it is built with each test
 * instance (JUnit's default per-method lifecycle), so the endpoint is there for the fields that follow it:
 * <pre>{@code
 * @RegisterExtension
 * final LocalSsmExtension local = LocalSsmExtension.startAt(T0);
 * private final LocalSsm ssm = local.ssm();
 * private final SsmClient client = local.client();
 * }</pre>
 */
public final class LocalSsmExtension implements AfterEachCallback {
    private final ManualClock clock;
    private final LocalSsm ssm;
    private SsmClient client;

    private LocalSsmExtension(LocalSsm.Options options, ManualClock clock) {
        this.clock = clock;
        try {
            this.ssm = LocalSsm.start(clock == null ? options : options.withClock(clock));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The endpoint with {@link LocalSsm.Options#defaults()}. */
    public static LocalSsmExtension start() {
        return start(UnaryOperator.identity());
    }

    /** The endpoint with {@code change} applied to the default options (page size, threads, a fixed clock...). */
    public static LocalSsmExtension start(UnaryOperator<LocalSsm.Options> change) {
        return new LocalSsmExtension(change.apply(LocalSsm.Options.defaults()), null);
    }

    /** The endpoint on a {@link ManualClock} starting at {@code start}: see {@link #clock()}. */
    public static LocalSsmExtension startAt(Instant start) {
        return new LocalSsmExtension(LocalSsm.Options.defaults(), new ManualClock(start));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
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

    /** The endpoint's clock; only after {@link #startAt(Instant)}. */
    public ManualClock clock() {
        if (clock == null) {
            throw new IllegalStateException("no manual clock: start the endpoint with startAt(..)");
        }
        return clock;
    }
}
