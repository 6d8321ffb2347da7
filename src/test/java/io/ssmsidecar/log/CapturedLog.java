package io.ssmsidecar.log;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Points {@link Log} at memory for one test and puts the previous configuration back on close. */
public final class CapturedLog implements AutoCloseable {
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream previousSink = Log.sink();
    private final Log.Format previousFormat = Log.format();
    private final Log.Level previousLevel = Log.threshold();

    private CapturedLog(Log.Format format, Log.Level level) {
        Log.configure(new PrintStream(captured, true, StandardCharsets.UTF_8), format, level);
    }

    public static CapturedLog start(Log.Format format, Log.Level level) {
        return new CapturedLog(format, level);
    }

    /** Everything logged so far. */
    public String text() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        Log.configure(previousSink, previousFormat, previousLevel);
    }
}
