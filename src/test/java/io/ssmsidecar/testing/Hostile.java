package io.ssmsidecar.testing;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The hostile shapes of issue 18 as jqwik arbitraries, shared by the parsers' property tests: control and NUL bytes,
 * unicode that looks like ASCII (full-width letters, other scripts' digits, bidi overrides, zero-width joiners, lone
 * surrogates), malformed percent-escapes, and mutations that splice them into a valid input, repeat a piece of it or cut
 * it short. Each arbitrary shrinks, so a failure is reported as its smallest counterexample.
 */
public final class Hostile {
    /** Single characters a parser of names, headers or lines must not trip on. */
    public static final String AWKWARD_CHARS = "\0\u0001\t\n\r\u000b\f\u001b\u001f \u007f\u0080\u0085\u00a0"
            + "\u00e9\u00fc\u0130\u0131\u017f\u00df\u200b\u200d\u2028\u202e\u2066\u3000\ufeff\uff0e\uff1a\uff46\uff10"
            + "\u0661\u06f1\u0966\ud800\udfff\"'\\%#?&:;=/*@[]{}<>,.-_+~`!$^|";

    /** Whole fragments: escapes, separators and look-alikes that a tokenizer might split on or decode. */
    public static final List<String> AWKWARD_FRAGMENTS = List.of(
            "%", "%2", "%zz", "%00", "%2F", "%2e%2e", "%252F", "%u0000", "%c0%af", "..", "//", "/./", "\\\\", "\r\n",
            "\r\n ", "\n\t", "\u0000", "\ud83d\ude00", "\ud83d", "\u202eevil", "::", "[", "]", "[::1]", ":65536",
            ":99999", ":-1", "&&", "==", "##", "??", "**", "/*", "ssm://", "arn:", "\"\"", "''", "\\u0000", "${X}",
            "\u0130", "\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54");

    private Hostile() {
    }

    /** One awkward character. */
    public static Arbitrary<Character> awkwardChar() {
        return Arbitraries.of(AWKWARD_CHARS.toCharArray()).map(Character::valueOf);
    }

    /** A short piece of hostile text: an awkward character, a fragment, or a few of either. */
    public static Arbitrary<String> fragment() {
        Arbitrary<String> one = Arbitraries.oneOf(awkwardChar().map(String::valueOf), Arbitraries.of(AWKWARD_FRAGMENTS));
        return Arbitraries.frequencyOf(
                Tuple.of(4, one),
                Tuple.of(1, one.list().ofMinSize(2).ofMaxSize(4).map(parts -> String.join("", parts))));
    }

    /** Any string up to {@code maxLength} characters, weighted towards awkward characters. */
    public static Arbitrary<String> anyString(int maxLength) {
        return Arbitraries.strings()
                .withChars(AWKWARD_CHARS.toCharArray())
                .withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9')
                .ofMaxLength(maxLength);
    }

    /**
     * {@code valid} changed once or twice where it hurts: a hostile fragment inserted or put in place of a character,
     * a character deleted, the input cut short, or a piece of it repeated (duplicate options, keys, levels).
     */
    public static Arbitrary<String> mutated(Arbitrary<String> valid) {
        Arbitrary<String> once = Combinators.combine(valid, Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 1 << 16), fragment(), Arbitraries.integers().between(2, 5))
                .as(Hostile::mutate);
        return Arbitraries.frequencyOf(Tuple.of(3, once), Tuple.of(1, mutated2(once)));
    }

    private static Arbitrary<String> mutated2(Arbitrary<String> mutated) {
        return Combinators.combine(mutated, Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, 1 << 16),
                fragment(), Arbitraries.integers().between(2, 5)).as(Hostile::mutate);
    }

    private static String mutate(String s, int how, int at, String fragment, int times) {
        int i = s.isEmpty() ? 0 : at % (s.length() + 1);
        return switch (how) {
            case 0 -> s.substring(0, i) + fragment + s.substring(i);
            case 1 -> i < s.length() ? s.substring(0, i) + fragment + s.substring(i + 1) : s + fragment;
            case 2 -> i < s.length() ? s.substring(0, i) + s.substring(i + 1) : s;
            case 3 -> s.substring(0, i);
            default -> {
                int end = Math.min(s.length(), i + 1 + at % 7);
                yield s.substring(0, i) + s.substring(i, end).repeat(times) + s.substring(end);
            }
        };
    }

    /** {@code piece} repeated until the result is about {@code length} characters: huge inputs without huge generation. */
    public static String repeatTo(String piece, int length) {
        String p = piece.isEmpty() ? "x" : piece;
        return p.repeat(Math.max(1, length / p.length()));
    }

    /** How much bigger the big input of {@link #assertLinear} is than the small one. */
    public static final int SIZE_RATIO = 16;
    /**
     * The most the big input may take, in multiples of the small one's time: linear is 16, quadratic 256. Generous,
     * because allocation and caches make a 16 times bigger input cost more than 16 times as much.
     */
    public static final int TIME_RATIO_BOUND = 6 * SIZE_RATIO;

    /**
     * Asserts that {@code work} takes time linear in its input: {@link #SIZE_RATIO} times the input takes at most
     * {@link #TIME_RATIO_BOUND} times as long, comparing the best of a few runs of each size in this one run (never an
     * absolute time; a ratio over the bound is measured again, up to three times in all).
     * {@code inputOfSize} builds an input of about that many characters.
     */
    public static <T> void assertLinear(String what, int smallSize, java.util.function.IntFunction<T> inputOfSize,
                                        java.util.function.Consumer<T> work) {
        T small = inputOfSize.apply(smallSize);
        T big = inputOfSize.apply(smallSize * SIZE_RATIO);
        // Both sizes first, so the code is compiled for both before either is timed: an interpreted loop over the
        // big input would look quadratic.
        bestNanos(5, small, work);
        bestNanos(2, big, work);
        String attempts = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            long smallNanos = Math.max(bestNanos(7, small, work), 1);
            long bigNanos = bestNanos(3, big, work);
            double ratio = (double) bigNanos / smallNanos;
            if (ratio <= TIME_RATIO_BOUND) {
                return;
            }
            attempts += String.format(" %.1fx (%d us -> %d us);", ratio, smallNanos / 1000, bigNanos / 1000);
        }
        throw new AssertionError(what + ": " + SIZE_RATIO + "x the input took" + attempts + " more than the "
                + TIME_RATIO_BOUND + "x allowed for linear time");
    }

    /**
     * CPU nanoseconds {@code work} takes on {@code input} on this thread, the best of {@code runs} runs. CPU time, not
     * wall time: on cores shared with other builds a long run is descheduled more often than a short one, which would
     * look like superlinear work.
     */
    public static <T> long bestNanos(int runs, T input, java.util.function.Consumer<T> work) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        long best = Long.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            long start = cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
            work.accept(input);
            best = Math.min(best, (cpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - start);
        }
        return best;
    }
}
