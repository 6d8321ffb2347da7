package io.ssmsidecar.log;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * Routes SLF4J (Jetty, Javalin, the AWS SDK) to {@link Log}, so the process has one log format and no
 * "No SLF4J providers" warning. Found by SLF4J through {@code META-INF/services}; nothing calls it directly.
 * Libraries log at WARN and above, and at INFO too when {@link Log#threshold()} is DEBUG; their DEBUG
 * output (request headers, response bodies) is never written.
 */
public final class Slf4jServiceProvider implements SLF4JServiceProvider {
    private final ILoggerFactory loggerFactory = new Slf4jLoggerFactory();
    private final IMarkerFactory markerFactory = new BasicMarkerFactory();
    private final MDCAdapter mdcAdapter = new NOPMDCAdapter();

    /** Called by SLF4J's {@code ServiceLoader}. */
    public Slf4jServiceProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggerFactory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markerFactory;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdcAdapter;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // Nothing to set up: every logger reads Log's current configuration on each call.
    }
}
