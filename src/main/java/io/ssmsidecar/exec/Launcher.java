package io.ssmsidecar.exec;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
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
        String training = trainingFlag(ManagementFactory.getRuntimeMXBean().getInputArguments());
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
     * The JVM flag that makes this run write a class cache at exit ({@code -XX:AOTCacheOutput},
     * {@code -XX:AOTMode=record}, {@code -XX:ArchiveClassesAtExit}), or null. {@code getInputArguments} includes
     * {@code JAVA_TOOL_OPTIONS} and {@code JDK_JAVA_OPTIONS}, so training flags given there count too.
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
