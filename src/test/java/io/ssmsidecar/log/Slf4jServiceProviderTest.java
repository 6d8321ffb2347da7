package io.ssmsidecar.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class Slf4jServiceProviderTest {
    private CapturedLog log;

    @AfterEach
    void restore() {
        if (log != null) {
            log.close();
        }
    }

    private String output() {
        return log.text();
    }

    private void configure(Log.Format format, Log.Level level) {
        log = CapturedLog.start(format, level);
    }

    @Test
    void slf4j_findsOurProvider_insteadOfTheNopFallback() {
        assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(Slf4jLoggerFactory.class);
    }

    @Test
    void warn_isWrittenThroughLog_withFormattedArguments() {
        configure(Log.Format.TEXT, Log.Level.INFO);
        Logger logger = LoggerFactory.getLogger("org.eclipse.jetty.server.Server");

        logger.warn("cannot bind {} on port {}", "127.0.0.1", 2773);

        assertThat(output()).contains(" WARN Server: cannot bind 127.0.0.1 on port 2773");
    }

    @Test
    void infoAndDebug_areDropped_atInfoThreshold() {
        configure(Log.Format.TEXT, Log.Level.INFO);
        Logger logger = LoggerFactory.getLogger("org.eclipse.jetty.server.Server");

        logger.info("Started oejs.Server");
        logger.debug("selector details");

        assertThat(output()).isEmpty();
        assertThat(logger.isInfoEnabled()).isFalse();
    }

    @Test
    void info_passes_atDebugThreshold_butLibraryDebugAndTraceNever() {
        configure(Log.Format.TEXT, Log.Level.DEBUG);
        Logger logger = LoggerFactory.getLogger("org.eclipse.jetty.http.HttpParser");

        logger.info("starting");
        logger.debug("parsedHeader X-Aws-Parameters-Secrets-Token: {}", "tok");
        logger.atDebug().log("buffer {}", "value");
        logger.trace("every byte");

        assertThat(output()).contains("INFO HttpParser: starting").doesNotContain("tok").doesNotContain("value")
                .doesNotContain("every byte");
        assertThat(logger.isDebugEnabled()).isFalse();
    }

    @Test
    void throwable_isReportedByTypeOnly_neverByMessage() {
        configure(Log.Format.JSON, Log.Level.INFO);
        Logger logger = LoggerFactory.getLogger("software.amazon.awssdk.core.Parser");

        logger.error("could not parse response",
                new IllegalStateException("Unexpected token 's3cr3t-value'", new IOException("body: s3cr3t-value")));

        assertThat(output())
                .contains("\"level\":\"ERROR\"", "\"logger\":\"Parser\"", "\"event\":\"could not parse response\"",
                        "\"error\":\"java.lang.IllegalStateException<-java.io.IOException\"")
                .doesNotContain("s3cr3t-value");
    }

    @Test
    void multiLineMessages_becomeOneLogLine() {
        configure(Log.Format.TEXT, Log.Level.INFO);

        LoggerFactory.getLogger("x.Banner").warn("first\nsecond\r\nthird");

        assertThat(output().lines()).hasSize(1);
        assertThat(output()).contains("Banner: first second  third");
    }

    @Test
    void errorThreshold_silencesWarnings() {
        configure(Log.Format.TEXT, Log.Level.ERROR);
        Logger logger = LoggerFactory.getLogger("x.Y");

        logger.warn("minor");
        logger.error("major");

        assertThat(output()).doesNotContain("minor").contains("ERROR Y: major");
    }
}
