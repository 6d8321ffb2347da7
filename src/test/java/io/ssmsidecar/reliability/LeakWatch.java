package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Secrets never leak, checked on every reliability scenario: the values the scenarios store in SSM carry this run's
 * {@link #CANARY}, and after each test everything that was captured is searched for it: the in-process {@link Log}
 * (at DEBUG), anything printed to {@code System.out}/{@code System.err}, child JVMs' stdout and stderr, {@code /metrics}
 * scrapes and every HTTP error body the test registered. A hit fails the test, naming where it was found.
 */
public final class LeakWatch implements BeforeEachCallback, AfterEachCallback {
    /** Distinctive, random per run: no log line, metric or error body may ever contain it. */
    static final String CANARY = "LEAKCANARY-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(6));

    private static final AtomicLong BYTES_SEARCHED = new AtomicLong();
    private static final AtomicLong SOURCES_SEARCHED = new AtomicLong();
    private static final List<Capture> captures = new ArrayList<>();
    private static CapturedLog log;
    private static PrintStream realOut;
    private static PrintStream realErr;
    private static ByteArrayOutputStream systemCopy;

    private record Capture(String source, Supplier<String> text) { }

    /** A secret value for {@code label}: the canary plus the label, so a leak also says which value leaked. */
    static String secret(String label) {
        return CANARY + "-" + label;
    }

    /** The binary values handed out ({@link #binarySecret}): their base64 and hex forms are searched for too. */
    private static final List<byte[]> BINARIES = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * A binary secret value (a Secrets Manager {@code SecretBinary}) for {@code label}: bytes that are not UTF-8
     * around the canary. Raw, it is found by the canary; in base64 or hex (what a JSON API or a careless log would
     * write), by those forms of it, which {@link #leak} searches for as well.
     */
    static byte[] binarySecret(String label) {
        byte[] text = secret(label).getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[text.length + 4];
        value[0] = (byte) 0xff;
        value[1] = (byte) 0xfe;
        System.arraycopy(text, 0, value, 2, text.length);
        value[value.length - 2] = 0;
        value[value.length - 1] = (byte) 0x80;
        BINARIES.add(value.clone());
        return value;
    }

    /** Registers text to search when the test ends (e.g. an HTTP error body, a metrics scrape). */
    static synchronized void search(String source, String text) {
        captures.add(new Capture(source, () -> text));
    }

    /** Registers text to read and search when the test ends (e.g. a child JVM's output). */
    static synchronized void search(String source, Supplier<String> text) {
        captures.add(new Capture(source, text));
    }

    /** Everything the in-process log captured so far in this test. */
    static synchronized String logText() {
        return log == null ? "" : log.text();
    }

    static long bytesSearched() {
        return BYTES_SEARCHED.get();
    }

    static long sourcesSearched() {
        return SOURCES_SEARCHED.get();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        synchronized (LeakWatch.class) {
            captures.clear();
            log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
            captures.add(new Capture("in-process log", log::text));
            realOut = System.out;
            realErr = System.err;
            systemCopy = new ByteArrayOutputStream();
            ByteArrayOutputStream copy = systemCopy;
            captures.add(new Capture("System.out/System.err", () -> copy.toString(StandardCharsets.ISO_8859_1)));
            System.setOut(new PrintStream(new Tee(realOut, copy), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new Tee(realErr, copy), true, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Capture> all;
        synchronized (LeakWatch.class) {
            System.setOut(realOut);
            System.setErr(realErr);
            log.close();
            all = List.copyOf(captures);
            captures.clear();
        }
        for (Capture c : all) {
            String text = c.text().get();
            BYTES_SEARCHED.addAndGet(text.length());
            SOURCES_SEARCHED.incrementAndGet();
            assertThat(leak(c.source(), text)).isEmpty();
        }
        Figures.record("leak-search", "sources searched (cumulative)", SOURCES_SEARCHED.get());
        Figures.record("leak-search", "bytes searched (cumulative)", BYTES_SEARCHED.get());
    }

    /** Where the canary occurs in {@code text}, with some context, or empty when it does not. */
    static java.util.Optional<String> leak(String source, String text) {
        int at = text.indexOf(CANARY);
        for (byte[] binary : BINARIES) {
            for (String form : List.of(java.util.Base64.getEncoder().encodeToString(binary),
                    HexFormat.of().formatHex(binary))) {
                if (at < 0 && text.contains(form)) {
                    at = text.indexOf(form);
                }
            }
        }
        return at < 0 ? java.util.Optional.empty() : java.util.Optional.of("a secret value leaked into " + source + ": ..."
                + text.substring(Math.max(0, at - 200), Math.min(text.length(), at + 60)) + "...");
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            synchronized (b) {
                b.write(c);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            a.flush();
        }
    }
}
