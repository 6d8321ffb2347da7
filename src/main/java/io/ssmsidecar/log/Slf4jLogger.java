package io.ssmsidecar.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * An SLF4J logger that writes through {@link Log}. Libraries are quiet: WARN and ERROR pass (subject to
 * our threshold), INFO passes when our threshold is DEBUG, and library DEBUG and TRACE never pass: at
 * that level Jetty logs every parsed request header (the API token) and every response buffer (secret
 * values). A throwable is reported by the class names of its cause chain only: third-party exception
 * messages can quote request or response text (a parser error showing part of a body).
 */
final class Slf4jLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient Log log;

    Slf4jLogger(String name) {
        this.name = name;
        this.log = Log.named(name.substring(name.lastIndexOf('.') + 1));
    }

    private static boolean debugging() {
        return Log.threshold() == Log.Level.DEBUG;
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }

    @Override
    public boolean isDebugEnabled() {
        return false;
    }

    @Override
    public boolean isInfoEnabled() {
        return debugging();
    }

    @Override
    public boolean isWarnEnabled() {
        return log.enabled(Log.Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return log.enabled(Log.Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                                               Throwable throwable) {
        Log.Level ours = switch (level) {
            case ERROR -> Log.Level.ERROR;
            case WARN -> Log.Level.WARN;
            case INFO -> Log.Level.INFO;
            // The fluent API can reach here without asking isDebugEnabled(); such output is never safe.
            case DEBUG, TRACE -> null;
        };
        if (ours == null) {
            return;
        }
        String event = oneLine(MessageFormatter.basicArrayFormat(pattern, args));
        if (throwable == null) {
            log.log(ours, event);
        } else {
            log.log(ours, event, "error", causeChain(throwable));
        }
    }

    /** Library messages may span lines (banners, dumps); a log event is one line. */
    static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            b.append(c < 0x20 ? ' ' : c);
        }
        return b.toString().strip();
    }

    /** {@code java.io.IOException<-java.net.ConnectException}: types only, never messages. */
    static String causeChain(Throwable t) {
        StringBuilder b = new StringBuilder(t.getClass().getName());
        int depth = 0;
        for (Throwable c = t.getCause(); c != null && c != t && depth < 5; c = c.getCause(), depth++) {
            b.append("<-").append(c.getClass().getName());
        }
        return b.toString();
    }
}
