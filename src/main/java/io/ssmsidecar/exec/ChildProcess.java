package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the command as a child of this JVM, for JVMs that cannot replace themselves (JDK 17-21, or native access
 * denied): stdin, stdout and stderr are inherited (one the caller closed is {@code /dev/null}), the signals
 * {@link SignalForwarder} can catch are sent on, and the child's exit status is returned (Java reports death by
 * signal N as 128+N).
 */
final class ChildProcess implements Launcher {
    private static final Log LOG = Log.get(ChildProcess.class);

    private final String whyNotReplace;
    private final PrintStream err;
    private final Exec.SignalHandlers signals;

    ChildProcess(String whyNotReplace, PrintStream err, Exec.SignalHandlers signals) {
        this.whyNotReplace = whyNotReplace;
        this.err = err;
        this.signals = signals;
    }

    @Override
    public String mode() {
        return "spawn";
    }

    @Override
    public int launch(Path program, List<String> argv, Map<String, String> env) throws ExecException {
        LOG.debug("running the command as a child, forwarding signals", "why_not_execve", whyNotReplace);
        checkEncodable(env, "set LANG=C.UTF-8 for the wrapper, or run it on Java 22+ (which replaces itself with the"
                + " command)");
        List<String> command = new ArrayList<>(argv);
        command.set(0, program.toString());
        ProcessBuilder builder = ProcessReplacer.devNullFor(new ProcessBuilder(command).inheritIO(),
                ProcessReplacer.notGivenByCaller(ProcessReplacer.openDescriptors()));
        builder.environment().clear();
        builder.environment().putAll(env);
        SignalForwarder forwarder = SignalForwarder.install(signals, err);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new ExecException(ExitCode.EXEC_CANNOT_RUN, "cannot run '" + argv.get(0) + "' (" + program + "): "
                    + e.getMessage());
        }
        forwarder.attach(process);
        while (true) {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                // Only the child's end ends the wrapper.
            }
        }
    }

    /**
     * The JVM encodes a child's environment in the locale's charset: under the POSIX locale a non-ASCII secret would
     * reach the command as question marks. Refuse instead, naming the variable (never the value).
     *
     * @param remedy what the user can do, ending the message
     */
    static void checkEncodable(Map<String, String> env, String remedy) throws ExecException {
        List<Charset> charsets = new ArrayList<>(List.of(Charset.defaultCharset()));
        try {
            charsets.add(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
        } catch (RuntimeException e) {
            // Unknown name: the default charset alone decides.
        }
        Map<String, String> own = System.getenv();
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getValue().equals(own.get(e.getKey()))) {
                continue;
            }
            for (Charset cs : charsets) {
                if (!cs.newEncoder().canEncode(e.getValue())) {
                    throw new ExecException(ExitCode.CONFIG, "variable " + e.getKey() + ": its value has characters "
                            + "that this JVM cannot pass to a child in charset " + cs + "; " + remedy);
                }
            }
        }
    }
}
