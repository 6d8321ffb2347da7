package io.ssmsidecar.output;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * Tells the app that secrets changed, after the files are in place: an HTTP POST to a local URL, a shell command,
 * and/or a signal to a process found by pid file or command name. Changes within {@code window} are coalesced into
 * one notification carrying the union of changed keys and their latest versions. Bodies, arguments and logs carry
 * keys and versions, never values. Runs on its own scheduler thread so a slow receiver never delays a refresh.
 *
 * <p>A URL notification is retried with backoff (full jitter) up to {@code urlAttempts} times. Keys the receiver has
 * not accepted are never dropped: a newer change cancels a pending retry and its notification carries both sets of
 * keys, and keys of a notification that gave up go out with the next one.
 */
public final class ChangeNotifier implements AutoCloseable {
    private static final Log LOG = Log.get(ChangeNotifier.class);
    /**
     * How long a change command may run before it is killed: a hook that hangs must not hold the notify thread (and
     * with it every later notification) for ever, and half a minute is ample for a reload script.
     */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /**
     * POST attempts per notification: with {@link #URL_BACKOFF} they span a few seconds, enough for a receiver that
     * is restarting; keys not delivered then go out with the next change, so nothing is lost by giving up.
     */
    public static final int URL_ATTEMPTS = 5;
    /** The wait between POST attempts: 250 ms doubling, at most 5 s, full jitter. */
    static final Backoff URL_BACKOFF = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(5));
    /** A signal name as {@code kill -s} takes it; which names are allowed is the config's decision. */
    private static final java.util.regex.Pattern SIGNAL_NAME = java.util.regex.Pattern.compile("[A-Z][A-Z0-9]*");

    /**
     * @param url             POST target (JSON body), if any
     * @param command         run with {@code /bin/sh -c}, if any; {@code SIDECAR_CHANGED_KEYS} holds the keys
     * @param signal          signal name (HUP, USR1, ...) to send, if any
     * @param pidFile         file holding the pid to signal
     * @param processName     command name of the process(es) to signal (needs {@code pidMode: task} on ECS)
     * @param window          changes within this window make one notification
     * @param commandTimeout  the command is killed after this
     * @param urlAttempts     POST attempts before giving up (backoff between them, full jitter)
     */
    public record Options(Optional<URI> url, Optional<String> command, Optional<String> signal, Optional<Path> pidFile,
                          Optional<String> processName, Duration window, Duration commandTimeout, int urlAttempts) {
        public boolean any() {
            return url.isPresent() || command.isPresent() || signal.isPresent();
        }
    }

    private final Options options;
    private final Scheduler scheduler;
    private final Clock clock;
    private final Metrics metrics;
    private final RandomGenerator random;

    private final Object lock = new Object();
    private final Set<String> pendingKeys = new TreeSet<>();
    private Snapshot pendingSnapshot;
    private boolean windowOpen;
    private Scheduler.Task pendingFlush;
    private boolean closed;

    // URL delivery; touched only on the scheduler thread, where flushes and retries run one at a time.
    private final Set<String> urlUndelivered = new TreeSet<>();
    private Snapshot urlSnapshot;
    private volatile Scheduler.Task urlRetry;

    public ChangeNotifier(Options options, Scheduler scheduler, Clock clock, Metrics metrics, RandomGenerator random) {
        this.options = options;
        this.scheduler = scheduler;
        this.clock = clock;
        this.metrics = metrics;
        this.random = random;
    }

    /** Records a change; the notification goes out when the coalescing window that this change opens (or joins) ends. */
    public void changed(Snapshot snapshot, Set<String> keys) {
        if (!options.any() || keys.isEmpty()) {
            return;
        }
        synchronized (lock) {
            pendingKeys.addAll(keys);
            pendingSnapshot = snapshot;
            if (windowOpen || closed) {
                return;
            }
            windowOpen = true;
        }
        Scheduler.Task flush = scheduler.schedule(this::flush, options.window());
        synchronized (lock) {
            pendingFlush = flush;
        }
    }

    private void flush() {
        Set<String> keys;
        Snapshot snapshot;
        synchronized (lock) {
            keys = new TreeSet<>(pendingKeys);
            snapshot = pendingSnapshot;
            pendingKeys.clear();
            windowOpen = false;
        }
        options.url().ifPresent(u -> {
            if (urlRetry != null) {
                urlRetry.cancel(); // superseded: this notification carries the waiting keys too
            }
            urlUndelivered.addAll(keys);
            urlSnapshot = snapshot;
            postUndelivered(u, 1);
        });
        options.command().ifPresent(c -> runCommand(c, keys));
        options.signal().ifPresent(s -> signal(s));
    }

    /** The JSON body of a notification: changed keys, sorted, with versions, never values. */
    String body(Snapshot snapshot, Set<String> keys) {
        ObjectNode root = Jackson.mapper().createObjectNode();
        root.put("generation", snapshot.change()); // consecutive per change, not per refresh
        root.put("at", Instant.now(clock).toString());
        ArrayNode changed = root.putArray("changed");
        for (String key : new TreeSet<>(keys)) {
            ObjectNode entry = changed.addObject().put("key", key);
            Optional<Secret> s = snapshot.get(key);
            if (s.isPresent()) {
                entry.put("parameter", s.get().parameterName()).put("version", s.get().version());
                if (s.get().versionId() != null) {
                    entry.put("versionId", s.get().versionId());
                }
            } else {
                entry.put("removed", true);
            }
        }
        return root.toString();
    }

    private void postUndelivered(URI url, int attempt) {
        urlRetry = null;
        Set<String> keys = new TreeSet<>(urlUndelivered);
        int[] status = {-1};
        String failure = post(url, body(urlSnapshot, keys), status);
        if (failure == null) {
            urlUndelivered.clear();
            metrics.notification("url", true);
            LOG.info("change notification sent", "channel", "url", "status", status[0], "attempt", attempt,
                    "keys", String.join(",", keys));
            return;
        }
        if (attempt >= options.urlAttempts()) {
            metrics.notification("url", false);
            LOG.error("change notification failed; giving up until the next change", "channel", "url",
                    "reason", failure, "attempts", attempt, "keys", String.join(",", keys));
            return;
        }
        LOG.debug("change notification failed; retrying", "channel", "url", "reason", failure, "attempt", attempt);
        urlRetry = scheduler.schedule(() -> postUndelivered(url, attempt + 1), URL_BACKOFF.delay(attempt - 1, random));
    }

    /** One POST; returns null on a 2xx answer, else why it failed. No proxy (the receiver is local), no redirects. */
    private static String post(URI url, String body, int[] status) {
        try {
            HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            c.setInstanceFollowRedirects(false);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            status[0] = c.getResponseCode();
            try (InputStream in = status[0] >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (in != null) {
                    in.readAllBytes();
                }
            }
            return status[0] >= 200 && status[0] < 300 ? null : "status " + status[0];
        } catch (IOException | RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private void runCommand(String command, Set<String> keys) {
        try {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("SIDECAR_CHANGED_KEYS", String.join(",", keys));
            Process p = pb.start();
            if (!p.waitFor(options.commandTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                metrics.notification("command", false);
                LOG.error("change command timed out; killed", "timeout_ms", options.commandTimeout().toMillis());
                return;
            }
            int code = p.exitValue();
            metrics.notification("command", code == 0);
            LOG.log(code == 0 ? Log.Level.INFO : Log.Level.ERROR, "change command finished", "exit", code);
        } catch (IOException e) {
            metrics.notification("command", false);
            LOG.error("change command could not start", "reason", e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String signal) {
        List<Long> pids = targets();
        if (pids.isEmpty()) {
            metrics.notification("signal", false);
            LOG.error("no process to signal", "pid_file", options.pidFile().map(Path::toString).orElse(""),
                    "process", options.processName().orElse(""));
            return;
        }
        for (long pid : pids) {
            boolean ok = sendSignal(pid, signal);
            metrics.notification("signal", ok);
            LOG.log(ok ? Log.Level.INFO : Log.Level.ERROR, ok ? "signal sent" : "signal failed", "signal", signal,
                    "pid", pid);
        }
    }

    /** The pids to signal: the pid file's, else every process whose command name matches (never this process). */
    List<Long> targets() {
        List<Long> pids = new ArrayList<>();
        if (options.pidFile().isPresent()) {
            try {
                pids.add(Long.parseLong(Files.readString(options.pidFile().get()).trim()));
            } catch (IOException | NumberFormatException e) {
                LOG.error("pid file unreadable", "pid_file", options.pidFile().get(), "reason", e.getClass().getSimpleName());
            }
            return pids;
        }
        String wanted = options.processName().orElse("");
        long self = ProcessHandle.current().pid();
        ProcessHandle.allProcesses().forEach(p -> {
            if (p.pid() != self && matches(p, wanted)) {
                pids.add(p.pid());
            }
        });
        return pids;
    }

    private static boolean matches(ProcessHandle p, String wanted) {
        if (wanted.isEmpty()) {
            return false;
        }
        Optional<String> cmd = p.info().command();
        if (cmd.isPresent() && Path.of(cmd.get()).getFileName().toString().equals(wanted)) {
            return true;
        }
        try {
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "comm")).trim().equals(wanted);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean sendSignal(long pid, String signal) {
        String name = signal.toUpperCase(Locale.ROOT).replaceFirst("^SIG", "");
        if (!SIGNAL_NAME.matcher(name).matches()) {
            return false;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            // No kill binary (a minimal image): TERM is the one signal Java can send itself.
            return name.equals("TERM") && ProcessHandle.of(pid).map(ProcessHandle::destroy).orElse(false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Drops a pending notification and retry. The scheduler stays open: whoever created it closes it (the
     * {@code Sidecar}, a command or a test), as with every scheduler.
     */
    @Override
    public void close() {
        Scheduler.Task flush;
        synchronized (lock) {
            closed = true;
            flush = pendingFlush;
        }
        if (flush != null) {
            flush.cancel();
        }
        Scheduler.Task retry = urlRetry;
        if (retry != null) {
            retry.cancel();
        }
    }
}
