package io.ssmsidecar.log;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;

/**
 * The project's logger: one line per event, as text or JSON (for CloudWatch), to stderr by default.
 * Events carry a short name and key-value fields; callers pass names, counts and reasons, never values.
 * <pre>log.info("secrets loaded", "count", 12, "calls", 2, "ms", 143);</pre>
 */
public final class Log {
    public enum Level { DEBUG, INFO, WARN, ERROR }
    public enum Format { TEXT, JSON }

    private static volatile PrintStream sink = System.err;
    private static volatile Format format = Format.TEXT;
    private static volatile Level threshold = Level.INFO;
    private static volatile Clock clock = Clock.systemUTC();

    private final String logger;

    private Log(String logger) {
        this.logger = logger;
    }

    public static Log get(Class<?> type) {
        return new Log(type.getSimpleName());
    }

    public static Log named(String name) {
        return new Log(name);
    }

    /** Sets where and how every logger writes. Tests point the sink at a captured stream. */
    public static void configure(PrintStream newSink, Format newFormat, Level newThreshold) {
        sink = newSink;
        format = newFormat;
        threshold = newThreshold;
    }

    public static PrintStream sink() {
        return sink;
    }

    public static Format format() {
        return format;
    }

    public static Level threshold() {
        return threshold;
    }

    public boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public void debug(String event, Object... fields) {
        log(Level.DEBUG, event, fields);
    }

    public void info(String event, Object... fields) {
        log(Level.INFO, event, fields);
    }

    public void warn(String event, Object... fields) {
        log(Level.WARN, event, fields);
    }

    public void error(String event, Object... fields) {
        log(Level.ERROR, event, fields);
    }

    public void log(Level level, String event, Object... fields) {
        if (!enabled(level)) {
            return;
        }
        String line = format == Format.JSON ? json(level, event, fields) : text(level, event, fields);
        PrintStream out = sink;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    private String text(Level level, String event, Object[] fields) {
        StringBuilder b = new StringBuilder(96);
        b.append(Instant.now(clock)).append(' ').append(level).append(' ').append(logger).append(": ").append(event);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            b.append(' ').append(fields[i]).append('=');
            String v = String.valueOf(fields[i + 1]);
            if (v.isEmpty() || v.chars().anyMatch(c -> c == ' ' || c == '"' || c == '=' || c < 0x20)) {
                quote(b, v);
            } else {
                b.append(v);
            }
        }
        return b.toString();
    }

    private String json(Level level, String event, Object[] fields) {
        StringBuilder b = new StringBuilder(128);
        b.append("{\"time\":\"").append(Instant.now(clock)).append("\",\"level\":\"").append(level)
                .append("\",\"logger\":");
        quote(b, logger);
        b.append(",\"event\":");
        quote(b, event);
        for (int i = 0; i + 1 < fields.length; i += 2) {
            b.append(',');
            quote(b, String.valueOf(fields[i]));
            b.append(':');
            Object v = fields[i + 1];
            if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                quote(b, String.valueOf(v));
            }
        }
        return b.append('}').toString();
    }

    /** Appends {@code s} as a JSON string literal (also used for quoted text fields). */
    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
