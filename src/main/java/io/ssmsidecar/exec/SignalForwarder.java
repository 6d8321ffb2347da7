package io.ssmsidecar.exec;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Catches signals sent to this JVM and sends them on to the child, for JVMs that cannot replace themselves with the
 * command. {@code sun.misc.Signal} handles TERM, INT, HUP, USR1 and USR2; HotSpot refuses QUIT, which it keeps for
 * thread dumps. Handling USR2 replaces the handler HotSpot uses to suspend threads for sampling profilers such as
 * JFR, which the wrapper does not run. A signal the JVM was started with ignored (e.g. INT in a background job) stays
 * ignored, as the child inherits that too.
 */
final class SignalForwarder {
    /** The signals forwarded in spawn mode. */
    static final List<String> SIGNALS = List.of("TERM", "INT", "HUP", "USR1", "USR2");

    private final PrintStream err;
    private final Set<String> undeliverable = new LinkedHashSet<>();
    private final List<String> early = new ArrayList<>();
    private Process child;

    private SignalForwarder(PrintStream err) {
        this.err = err;
    }

    /** Installs the handlers; signals that arrive before {@link #attach} are sent to the child as soon as it starts. */
    static SignalForwarder install(Exec.SignalHandlers signals, PrintStream err) {
        SignalForwarder forwarder = new SignalForwarder(err);
        for (String name : SIGNALS) {
            // A refused one (e.g. under -Xrs) keeps the JVM's default behaviour; the bridge logs it.
            signals.on(name, () -> forwarder.received(name));
        }
        return forwarder;
    }

    /** Starts forwarding to {@code process}, first the signals that came while it was starting. */
    void attach(Process process) {
        List<String> pending;
        synchronized (this) {
            child = process;
            pending = List.copyOf(early);
            early.clear();
        }
        pending.forEach(s -> send(process, s));
    }

    private void received(String name) {
        Process target;
        synchronized (this) {
            target = child;
            if (target == null) {
                early.add(name);
                return;
            }
        }
        send(target, name);
    }

    private void send(Process process, String name) {
        if (!process.isAlive()) {
            return;
        }
        if (name.equals("TERM")) {
            // The one signal Java sends itself, so a minimal image without a kill binary still stops cleanly.
            process.destroy();
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // No kill command: reported below.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (!undeliverable.add(name)) {
                return;
            }
        }
        err.println("ssm-sidecar exec: could not forward SIG" + name + " to pid " + process.pid()
                + " (no working 'kill' command on PATH)");
    }
}
