package io.ssmsidecar.exec;

import java.io.PrintStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Starts the command once the environment is resolved. */
interface Launcher {

    /**
     * Runs {@code program} with {@code argv} (argv[0] is the command as the user wrote it) and exactly {@code env}.
     *
     * @return the command's exit status, 128+N when it died of signal N; a launcher that replaces this process
     *         never returns on success
     * @throws ExecException when the program cannot be started (126) or has vanished (127)
     */
    int launch(Path program, List<String> argv, Map<String, String> env) throws ExecException;

    /** {@code replace} or {@code spawn}, for messages and tests. */
    String mode();

    /** System property that forces spawn mode ({@code -Dssmsidecar.exec.mode=spawn}), e.g. to rule execve out. */
    String MODE_PROPERTY = "ssmsidecar.exec.mode";

    /**
     * The best launcher this JVM supports: {@link ProcessReplacer} (execve) on JDK 22+, else {@link ChildProcess}.
     *
     * @param fdsAtStart the descriptors open before {@code exec} opened any, with what each was open on
     * @param err        where spawn mode reports a signal it could not forward
     * @param signals    how spawn mode catches the signals it forwards
     */
    static Launcher forThisJvm(Map<Integer, String> fdsAtStart, PrintStream err, Exec.SignalHandlers signals) {
        if ("spawn".equals(System.getProperty(MODE_PROPERTY))) {
            return new ChildProcess("-D" + MODE_PROPERTY + "=spawn", err, signals);
        }
        String training = trainingFlag(jvmArguments());
        if (training != null) {
            // execve would replace the JVM before it exits, and the cache or archive is written at exit: nothing.
            return new ChildProcess(training + " (a training run writes its cache when the JVM exits)", err, signals);
        }
        try {
            return new ProcessReplacer(PosixCalls.bind(), OriginalBytes.ofThisProcess(), fdsAtStart);
        } catch (UnsupportedOperationException e) {
            return new ChildProcess(e.getMessage(), err, signals);
        }
    }

    /**
     * This process's command line and the options the JVM also reads from {@code JAVA_TOOL_OPTIONS} and
     * {@code JDK_JAVA_OPTIONS}. Not {@code RuntimeMXBean.getInputArguments}, which would need {@code java.management}
     * in the image's linked runtime for this one check.
     */
    private static List<String> jvmArguments() {
        // /proc/self/cmdline, not ProcessHandle.Info.arguments(), which comes back empty for a long command line.
        List<String> args = new ArrayList<>();
        try {
            for (byte[] arg : OriginalBytes.split(Files.readAllBytes(Path.of("/proc/self/cmdline")))) {
                args.add(new String(arg, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux: the environment variables below are all there is to go by.
        }
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            String options = System.getenv(variable);
            if (options != null && !options.isBlank()) {
                args.addAll(List.of(options.trim().split("\\s+")));
            }
        }
        return args;
    }

    /**
     * The JVM flag that makes this run write a class cache at exit ({@code -XX:AOTCacheOutput},
     * {@code -XX:AOTMode=record}, {@code -XX:ArchiveClassesAtExit}), or null. The command's own arguments are
     * searched too: one spelt exactly like such a flag only costs that run spawn mode.
     */
    static String trainingFlag(List<String> jvmArguments) {
        for (String a : jvmArguments) {
            if (a.startsWith("-XX:AOTCacheOutput=") || a.equals("-XX:AOTMode=record")
                    || a.startsWith("-XX:ArchiveClassesAtExit=")) {
                return a.contains("=") && !a.startsWith("-XX:AOTMode") ? a.substring(0, a.indexOf('=')) : a;
            }
        }
        return null;
    }
}
