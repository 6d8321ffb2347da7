package io.ssmsidecar.exec;

import io.ssmsidecar.config.Settings;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.schedule.Scheduler;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * {@code exec --restart-on-change}: keeps the command running as a child and restarts (or signals) it when a value it
 * received changes. Every event (a change from the refresh engine, the child's exit, a signal to this process, a
 * timer) runs on the one {@link Scheduler} thread the refresh engine also uses, so the state needs no lock and tests
 * drive it on virtual time.
 *
 * <ul>
 *   <li>A change restarts the command: the restart signal to its process tree, SIGKILL after the grace period, then the
 *       command again with the newest environment. Changes during a restart are folded into it; a restart comes no
 *       sooner than {@code minInterval} after the previous start (later changes wait and make one restart).</li>
 *   <li>With {@code signalOnChange} the command gets that signal instead and keeps running.</li>
 *   <li>The command's own exit ends the supervisor with its status, unless {@code onExit} restarts it: then with
 *       backoff, and after {@link #MAX_CRASHES} exits in a row, each within {@link #STABLE} of its start, the
 *       supervisor gives up with the last status (1 if that was 0).</li>
 *   <li>TERM and INT are forwarded and end the supervisor once the command has exited (also during a restart: no new
 *       command is started); HUP, USR1, USR2 and WINCH are forwarded.</li>
 * </ul>
 * Logs name keys, never values.
 */
final class Supervisor {
    private static final Log LOG = Log.get(Supervisor.class);
    /** Exits in a row, each sooner than {@link #STABLE} after its start, that end a restart-on-exit loop. */
    static final int MAX_CRASHES = 5;
    /** A command that ran this long before it exited is not crash-looping: the count starts again. */
    static final Duration STABLE = Duration.ofSeconds(60);
    /** The waits between restarts after exits: 1 s doubling to 30 s (not jittered: one command, not a fleet). */
    static final Backoff CRASH_BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));

    /** Starts the command with an environment. */
    interface Starter {
        SupervisedChild start(Map<String, String> env) throws ExecException;
    }

    /** What the supervisor was told to do ({@code SIDECAR_RESTART_*}, {@code SIDECAR_SIGNAL_ON_CHANGE}). */
    record Options(String restartSignal, Duration grace, Duration minInterval, Optional<String> signalOnChange,
                   Set<String> keys, Settings.RestartOnExit onExit) {
        static Options from(Settings.Supervision s) {
            return new Options(s.restartSignal(), s.restartGrace(), s.restartMinInterval(), s.signalOnChange(),
                    Set.copyOf(s.restartKeys()), s.restartOnExit());
        }
    }

    private final Scheduler scheduler;
    private final Starter starter;
    private final Options options;
    private final Optional<Reaper> reaper;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    /** Pids of the commands Java started and has not seen exit: the reaper must leave them to Java. */
    private final Set<Long> javaOwned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    // Scheduler-thread state.
    private SupervisedChild child;
    /** What the running command was started with (or last signalled for). */
    private Map<String, String> delivered = Map.of();
    /** The newest environment: the next start uses it. */
    private Map<String, String> wanted = Map.of();
    private long startedAt;
    private boolean restarting;
    private boolean stopping;
    private Integer stopSignal;
    private Scheduler.Task graceTimer;
    private Scheduler.Task restartTimer;
    private final Set<String> pendingKeys = new TreeSet<>();
    private int crashes;
    private boolean reapAgain;

    Supervisor(Scheduler scheduler, Starter starter, Options options, Optional<PosixCalls> posix) {
        this.scheduler = scheduler;
        this.starter = starter;
        this.options = options;
        this.reaper = posix.map(p -> new Reaper(p, javaOwned::contains));
    }

    /** Starts the command with {@code env} (on the scheduler thread); {@link #exit()} completes when it is all over. */
    void start(Map<String, String> env) {
        post(() -> {
            wanted = env;
            startChild();
        });
    }

    /** Completes with the supervisor's exit status. */
    CompletableFuture<Integer> exit() {
        return exit;
    }

    /** The pid of the command running now, or -1 (for tests and logs; any thread). */
    long childPid() {
        SupervisedChild c = child;
        return c == null ? -1 : c.pid();
    }

    /** A signal this process received: TERM and INT stop, CHLD reaps, the others are forwarded. Any thread. */
    void signalled(String signal) {
        post(() -> onSignal(signal));
    }

    /**
     * The refresh engine's news, on the scheduler thread: {@code env} is the command's environment with the current
     * values. Only variables whose value differs from what the command got, and that {@code keys} lets count, act.
     */
    void changed(Map<String, String> env) {
        wanted = env;
        Set<String> differ = new TreeSet<>();
        Set<String> ignored = new TreeSet<>();
        Set<String> names = new HashSet<>(env.keySet());
        names.addAll(delivered.keySet());
        for (String key : names) {
            if (!Objects.equals(env.get(key), delivered.get(key))) {
                (options.keys().isEmpty() || options.keys().contains(key) ? differ : ignored).add(key);
            }
        }
        if (!ignored.isEmpty() && differ.isEmpty()) {
            LOG.info("secrets changed outside the restart keys; the command keeps its values",
                    "keys", String.join(",", ignored));
        }
        if (differ.isEmpty() || stopping) {
            return;
        }
        if (child == null && !restarting) {
            // Waiting to start again (after an exit): the start will use the new values.
            LOG.info("secrets changed; the next start uses them", "keys", String.join(",", differ));
            return;
        }
        if (options.signalOnChange().isPresent()) {
            String signal = options.signalOnChange().get();
            child.signalTree(signal, adopted());
            delivered = env;
            LOG.info("secrets changed; signalled the command", "keys", String.join(",", differ), "signal",
                    "SIG" + signal, "pid", child.pid());
            return;
        }
        pendingKeys.addAll(differ);
        if (restarting || restartTimer != null) {
            LOG.info("secrets changed; folded into the pending restart", "keys", String.join(",", differ));
            return;
        }
        long wait = startedAt + options.minInterval().toNanos() - scheduler.nanoTime();
        if (wait > 0) {
            LOG.info("secrets changed; restarting when the minimum interval is over", "keys",
                    String.join(",", differ), "in_ms", Duration.ofNanos(wait).toMillis());
            restartTimer = scheduler.schedule(this::beginRestart, Duration.ofNanos(wait));
        } else {
            beginRestart();
        }
    }

    // ---- scheduler thread ----

    private void beginRestart() {
        restartTimer = null;
        if (child == null || stopping) {
            return;
        }
        restarting = true;
        LOG.info("restarting the command: secrets changed", "keys", String.join(",", pendingKeys), "pid", child.pid(),
                "signal", "SIG" + options.restartSignal(), "grace_ms", options.grace().toMillis());
        pendingKeys.clear();
        SupervisedChild stopped = child;
        stopped.signalTree(options.restartSignal(), adopted());
        graceTimer = scheduler.schedule(() -> {
            if (stopped == child && stopped.treeAlive()) {
                LOG.warn("the command did not exit within the grace period; SIGKILL to its process tree",
                        "pid", stopped.pid(), "grace_ms", options.grace().toMillis());
                stopped.killTree(adopted());
            }
        }, options.grace());
    }

    private void startChild() {
        if (stopping) {
            return;
        }
        restartTimer = null;
        SupervisedChild started;
        try {
            started = starter.start(wanted);
        } catch (ExecException e) {
            LOG.error("cannot start the command", "reason", e.getMessage());
            finish(e.exitCode().code());
            return;
        }
        child = started;
        javaOwned.add(started.pid());
        delivered = wanted;
        startedAt = scheduler.nanoTime();
        LOG.info("command started", "pid", started.pid(), "variables", wanted.size());
        started.onExit().whenComplete((p, e) -> {
            // Take the status here: from now on Java has reaped it and the reaper may have the pid back.
            post(() -> exited(started));
        });
    }

    private void exited(SupervisedChild c) {
        javaOwned.remove(c.pid());
        if (c != child) {
            return;
        }
        child = null;
        int status = c.exitStatus();
        if (graceTimer != null) {
            graceTimer.cancel();
            graceTimer = null;
        }
        String signal = signalOf(status);
        if (signal == null) {
            LOG.info("command exited", "pid", c.pid(), "status", status);
        } else {
            LOG.info("command exited", "pid", c.pid(), "status", status, "signal", signal);
        }
        if (restarting) {
            restarting = false;
            if (c.treeAlive()) {
                // The rest of its tree got the same signal with it; the command's end is the restart's signal to go.
                c.killTree(adopted());
            }
            if (stopping) {
                finish(status);
            } else {
                startChild();
            }
            return;
        }
        if (stopping) {
            finish(status);
            return;
        }
        boolean restart = switch (options.onExit()) {
            case NEVER -> false;
            case ON_FAILURE -> status != 0;
            case ALWAYS -> true;
        };
        if (!restart) {
            finish(status);
            return;
        }
        long ran = scheduler.nanoTime() - startedAt;
        crashes = ran < STABLE.toNanos() ? crashes + 1 : 1;
        if (crashes >= MAX_CRASHES) {
            LOG.error("the command keeps exiting; giving up", "exits_in_a_row", crashes, "status", status);
            finish(status == 0 ? 1 : status);
            return;
        }
        Duration delay = CRASH_BACKOFF.cap(crashes - 1);
        LOG.warn("restarting the command after its exit", "policy", options.onExit().name().toLowerCase()
                .replace('_', '-'), "in_ms", delay.toMillis(), "exits_in_a_row", crashes);
        restartTimer = scheduler.schedule(this::startChild, delay);
    }

    private void onSignal(String signal) {
        switch (signal) {
            case "CHLD" -> reap();
            case "TERM", "INT" -> {
                if (!stopping) {
                    LOG.info("stopping: forwarding the signal to the command", "signal", "SIG" + signal,
                            "pid", child == null ? "none" : child.pid());
                }
                stopping = true;
                stopSignal = SupervisedChild.NUMBERS.get(signal);
                if (restartTimer != null) {
                    restartTimer.cancel();
                    restartTimer = null;
                }
                if (child == null) {
                    finish(128 + stopSignal);
                } else {
                    child.signal(signal);
                }
            }
            default -> {
                if (child != null) {
                    child.signal(signal);
                }
            }
        }
    }

    private void reap() {
        if (reaper.isEmpty()) {
            return;
        }
        if (reaper.get().scan() && !reapAgain) {
            // A zombie is reaped at its second sighting: look again soon, whether or not another SIGCHLD comes.
            reapAgain = true;
            scheduler.schedule(() -> {
                reapAgain = false;
                reap();
            }, Duration.ofMillis(200));
        }
    }

    /**
     * Orphans of the command's tree that became this process's children (with the native calls only: then this
     * process is PID 1 or a subreaper), with what they started since. The commands Java started are not among them.
     */
    private List<ProcessHandle> adopted() {
        if (reaper.isEmpty()) {
            return List.of();
        }
        List<ProcessHandle> out = new java.util.ArrayList<>();
        ProcessHandle.current().children().filter(p -> !javaOwned.contains(p.pid())).forEach(p -> {
            out.add(p);
            p.descendants().forEach(out::add);
        });
        return out;
    }

    private void finish(int status) {
        stopping = true;
        if (restartTimer != null) {
            restartTimer.cancel();
        }
        reap();
        exit.complete(status);
    }

    private void post(Runnable event) {
        scheduler.schedule(event, Duration.ZERO);
    }

    /** The signal an exit status of 128+N stands for ({@code SIGKILL}), or null. */
    static String signalOf(int status) {
        for (Map.Entry<String, Integer> e : SupervisedChild.NUMBERS.entrySet()) {
            if (status == 128 + e.getValue()) {
                return "SIG" + e.getKey();
            }
        }
        return null;
    }

    /** The signals the supervisor catches: the forwarded ones, and CHLD to reap orphans. */
    static final List<String> SIGNALS = List.of("TERM", "INT", "HUP", "USR1", "USR2", "WINCH", "CHLD");
}
