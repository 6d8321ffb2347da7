package io.ssmsidecar.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in settings: one or more {@code <number><unit>} with units {@code ms}, {@code s},
 * {@code m}, {@code h} ({@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h30m}), or {@code 0}. A bare number
 * other than 0 is refused, because seconds and milliseconds are both plausible readings of it.
 */
final class Durations {
    static final String EXAMPLES = "500ms, 10s, 5m, 1h or 1h30m";
    private static final Pattern PART = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");

    private Durations() {
    }

    /** The duration {@code text} denotes, or empty if it is not one. */
    static Optional<Duration> parse(String text) {
        if (text.equals("0")) {
            return Optional.of(Duration.ZERO);
        }
        Matcher m = PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length()) {
            if (!m.find(at) || m.start() != at) {
                return Optional.empty();
            }
            long n = Long.parseLong(m.group(1));
            try {
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    default -> Duration.ofHours(n);
                });
            } catch (ArithmeticException tooLong) {
                return Optional.empty();
            }
            at = m.end();
        }
        return at == 0 ? Optional.empty() : Optional.of(total);
    }

    /** The shortest form {@link #parse} reads back, e.g. {@code 1h30m}, {@code 500ms}, {@code 0s}. */
    static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long hours = d.toHours();
        if (hours > 0) {
            b.append(hours).append('h');
        }
        if (d.toMinutesPart() > 0) {
            b.append(d.toMinutesPart()).append('m');
        }
        if (d.toSecondsPart() > 0) {
            b.append(d.toSecondsPart()).append('s');
        }
        if (d.toMillisPart() > 0) {
            b.append(d.toMillisPart()).append("ms");
        }
        return b.toString();
    }
}
