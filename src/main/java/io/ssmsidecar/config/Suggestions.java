package io.ssmsidecar.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the known name closest to a misspelt one ("did you mean ...?"), across env, flag and key spellings. */
final class Suggestions {
    static final int MAX_DISTANCE = 2;

    private Suggestions() {
    }

    /** The candidate nearest to {@code input} (at most {@value #MAX_DISTANCE} edits apart), if any. */
    static Optional<String> closest(String input, Collection<String> candidates) {
        String wanted = normalize(input);
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : candidates) {
            int d = distance(wanted, normalize(candidate));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** " (did you mean X?)" or "". */
    static String hint(String input, Collection<String> candidates) {
        return closest(input, candidates).map(c -> " (did you mean " + c + "?)").orElse("");
    }

    /** Lower case, letters and digits only, without the SIDECAR prefix: OUTPUT_DIR, --output-dir, outputDir agree. */
    static String normalize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toLowerCase(Locale.ROOT).toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                b.append(c);
            }
        }
        String s = b.toString();
        return s.startsWith("sidecar") ? s.substring("sidecar".length()) : s;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
