package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.log.Log;
import java.io.IOException;
import java.nio.file.Files;
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
 * caller closed is {@code /dev/null}). Java cannot {@code setpgid} a child, so the command is started through
 * util-linux {@code setsid}: a child of the JVM is not a
 * group leader, so {@code setsid} calls {@code setsid(2)} and execs the command in the same pid, which makes the
 * command's pid its process group (and session) id. A stop signal then goes to the group ({@code kill(-pgid, sig)}),
 * which also holds grandchildren that left the tree (double-forked, reparented elsewhere), and to the child's tree and
 * adopted orphans outside the group. Where there is no {@code setsid} (logged at debug level) what a process group
 * would give is done on the child's process tree alone: a stop signal goes to the child and every descendant it has at
 * that moment, and SIGKILL to those and any that appeared since. Signals are sent with {@code kill(2)} where the
 * Foreign Function &amp; Memory API is there (JDK 22+), else with {@code Process.destroy} (TERM),
 * {@code destroyForcibly} (KILL) or the {@code kill} command (others, and a group).
 */
final class SupervisedChild {
    private static final Log LOG = Log.get(SupervisedChild.class);
    /** util-linux {@code setsid} on this process's PATH, looked up once. */
    private static final Optional<Path> SETSID = findSetsid();
    /** Linux signal numbers; the exit status of a death by signal N is 128+N. */
    static final Map<String, Integer> NUMBERS = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10,
            "USR2", 12, "TERM", 15, "WINCH", 28);

    private final Process process;
    private final Optional<PosixCalls> posix;
    /** The tree as it was when a stop signal went out, so that orphans of a dead parent still get SIGKILL. */
    private final Map<Long, ProcessHandle> signalled = new LinkedHashMap<>();
    /** The child's process group id (its pid) when it was started through {@code setsid}, else 0. */
    private final long group;

    private SupervisedChild(Process process, Optional<PosixCalls> posix, boolean ownGroup) {
        this.process = process;
        this.posix = posix;
        this.group = ownGroup ? process.pid() : 0;
    }

    /**
     * Starts {@code program} with {@code argv} (argv[0] as the user wrote it) and exactly {@code env}.
     *
     * @throws ExecException 126 when it cannot be started, 127 when it has vanished since it was located, 2 when a
     *                       value cannot be passed in this JVM's charset (it would arrive as question marks)
     */
    static SupervisedChild start(Path program, List<String> argv, Map<String, String> env, Optional<PosixCalls> posix)
            throws ExecException {
        // A child's environment is encoded in the locale's charset on every JDK (no execve here, unlike plain exec).
        ChildProcess.checkEncodable(env, "set LANG=C.UTF-8 for exec --restart-on-change (it starts the command as"
                + " its child on every Java version)");
        List<String> command = new ArrayList<>(argv);
        command.set(0, program.toString());
        if (SETSID.isPresent()) {
            command.add(0, SETSID.get().toString());
        } else {
            LOG.debug("no setsid on PATH; the command's process group is its process tree");
        }
        ProcessBuilder builder = ProcessReplacer.devNullFor(new ProcessBuilder(command).inheritIO(),
                ProcessReplacer.notGivenByCaller(ProcessReplacer.openDescriptors()));
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            // Through setsid, a command that vanished or became unrunnable since it was located makes setsid exit
            // 127 or 126 itself, which the supervisor passes on as the command's status.
            return new SupervisedChild(builder.start(), posix, SETSID.isPresent());
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
        boolean grouped = group != 0 && sendGroup(signal);
        if (grouped) {
            groupMembers().forEach(p -> signalled.putIfAbsent(p.pid(), p));
        }
        for (ProcessHandle p : tree) {
            signalled.putIfAbsent(p.pid(), p);
            if (!grouped || processGroup(p.pid()) != group) {
                send(p, signal);
            }
        }
    }

    /**
     * SIGKILL to the child's process group, to what is alive of the tree that got a stop signal, and to the child's
     * descendants now.
     */
    void killTree(List<ProcessHandle> adopted) {
        if (group != 0) {
            sendGroup("KILL");
        }
        List<ProcessHandle> targets = new ArrayList<>(signalled.values());
        targets.addAll(adopted);
        targets.add(process.toHandle());
        process.descendants().forEach(targets::add);
        targets.stream().filter(ProcessHandle::isAlive).forEach(p -> send(p, "KILL"));
    }

    /** Whether a process of the tree that got a stop signal, or of the child's process group, is still running. */
    boolean treeAlive() {
        return process.isAlive() || signalled.values().stream().anyMatch(ProcessHandle::isAlive)
                || !groupMembers().isEmpty();
    }

    /** The running (not zombie) processes of the child's process group; empty without one. */
    private List<ProcessHandle> groupMembers() {
        if (group == 0) {
            return List.of();
        }
        return ProcessHandle.allProcesses()
                .filter(p -> processGroup(p.pid()) == group && !Reaper.isZombie(p.pid())).toList();
    }

    /** The process group id of {@code pid} from {@code /proc/PID/stat}, or -1 when it cannot be read. */
    static long processGroup(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // pid (comm) STATE PPID PGRP ...: comm may hold spaces and parentheses, so read after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Sends {@code signal} to the child's process group: whether it went out (no member left is a failure). */
    private boolean sendGroup(String signal) {
        if (posix.isPresent()) {
            try {
                return posix.get().kill(-group, NUMBERS.get(signal));
            } catch (Exception e) {
                // Fall back to the kill command.
            }
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, "--", Long.toString(-group))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false; // no kill command: the tree walk is what is left
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Optional<Path> findSetsid() {
        String path = System.getenv("PATH");
        for (String dir : (path == null || path.isEmpty() ? "/usr/bin:/bin" : path).split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "setsid");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
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
