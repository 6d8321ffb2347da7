package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command as a child of {@code exec --restart-on-change}, with stdin, stdout and stderr inherited (one the
 * caller closed is {@code /dev/null}). Java cannot put a child in a process group of its own, so what a process group
 * would give is done on the child's process tree: a stop signal goes to the child and every descendant it has at that moment, and SIGKILL to those and any that appeared
 * since. Signals are sent with {@code kill(2)} where the Foreign Function &amp; Memory API is there (JDK 22+), else
 * with {@code Process.destroy} (TERM), {@code destroyForcibly} (KILL) or the {@code kill} command (others).
 */
final class SupervisedChild {
    /** Linux signal numbers; the exit status of a death by signal N is 128+N. */
    static final Map<String, Integer> NUMBERS = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10,
            "USR2", 12, "TERM", 15, "WINCH", 28);

    private final Process process;
    private final Optional<PosixCalls> posix;
    /** The tree as it was when a stop signal went out, so that orphans of a dead parent still get SIGKILL. */
    private final Map<Long, ProcessHandle> signalled = new LinkedHashMap<>();

    private SupervisedChild(Process process, Optional<PosixCalls> posix) {
        this.process = process;
        this.posix = posix;
    }

    /**
     * Starts {@code program} with {@code argv} (argv[0] as the user wrote it) and exactly {@code env}.
     *
     * @throws ExecException 126 when it cannot be started, 127 when it has vanished since it was located
     */
    static SupervisedChild start(Path program, List<String> argv, Map<String, String> env, Optional<PosixCalls> posix)
            throws ExecException {
        List<String> command = new ArrayList<>(argv);
        command.set(0, program.toString());
        ProcessBuilder builder = ProcessReplacer.devNullFor(new ProcessBuilder(command).inheritIO(),
                ProcessReplacer.notGivenByCaller(ProcessReplacer.openDescriptors()));
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            return new SupervisedChild(builder.start(), posix);
        } catch (IOException e) {
            boolean gone = !program.toFile().exists();
            throw new ExecException(gone ? ExitCode.EXEC_NOT_FOUND : ExitCode.EXEC_CANNOT_RUN, "cannot run '"
                    + argv.get(0) + "' (" + program + "): " + (gone ? "no such file" : e.getMessage()));
        }
    }

    long pid() {
        return process.pid();
    }

    CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit status once it has exited: its exit code, or 128+N after a death by signal N. */
    int exitStatus() {
        return process.exitValue();
    }

    /** Sends {@code signal} (TERM, HUP, ...) to the child itself, as a forwarded signal. */
    void signal(String signal) {
        send(process.toHandle(), signal);
    }

    /**
     * Sends {@code signal} to the child, to every process below it now and to {@code adopted}: orphans of the tree
     * that became the supervisor's children (as PID 1 or a subreaper), which a process group would also have held.
     */
    void signalTree(String signal, List<ProcessHandle> adopted) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        tree.addAll(adopted);
        for (ProcessHandle p : tree) {
            signalled.putIfAbsent(p.pid(), p);
            send(p, signal);
        }
    }

    /** SIGKILL to what is alive of the tree that got a stop signal, and to the child's descendants now. */
    void killTree(List<ProcessHandle> adopted) {
        List<ProcessHandle> targets = new ArrayList<>(signalled.values());
        targets.addAll(adopted);
        targets.add(process.toHandle());
        process.descendants().forEach(targets::add);
        targets.stream().filter(ProcessHandle::isAlive).forEach(p -> send(p, "KILL"));
    }

    /** Whether a process of the tree that got a stop signal is still running. */
    boolean treeAlive() {
        return process.isAlive() || signalled.values().stream().anyMatch(ProcessHandle::isAlive);
    }

    private void send(ProcessHandle target, String signal) {
        if (!target.isAlive()) {
            return; // also guards against a reused pid: a handle checks the start time
        }
        if (posix.isPresent()) {
            try {
                posix.get().kill(target.pid(), NUMBERS.get(signal));
                return;
            } catch (Exception e) {
                // Fall back to what Java and the kill command can do.
            }
        }
        if (signal.equals("TERM")) {
            target.destroy();
        } else if (signal.equals("KILL")) {
            target.destroyForcibly();
        } else {
            try {
                new ProcessBuilder("kill", "-s", signal, Long.toString(target.pid()))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
                        .waitFor(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // No kill command: nothing else can send it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
