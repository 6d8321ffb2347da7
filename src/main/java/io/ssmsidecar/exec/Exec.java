package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.Wiring;
import io.ssmsidecar.config.ConfigException;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.output.OutputDirectory;
import io.ssmsidecar.output.OutputException;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.References;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.Routing;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.schedule.Scheduler;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@code exec}: resolves every {@code ssm://} variable of the environment, then runs the command with the result, in
 * this order so that nothing is fetched for a command that cannot run:
 * <ol>
 *   <li>merge {@code --env-file} under the environment, load the settings ({@code SIDECAR_*}, with the start-up
 *       timeout) and parse every reference: a malformed one is an error (2), even with {@code -no-fail};</li>
 *   <li>find the command on the child's {@code PATH} (127 / 126) and pick the launcher;</li>
 *   <li>resolve through the shared {@link Resolver}, retrying transient failures until the timeout (4), failing closed
 *       on any required failure (3) unless {@code -no-fail};</li>
 *   <li>replace this process with the command (JDK 22+) or run it as a child and forward signals; with
 *       {@code --restart-on-change}, stay as its parent and restart it when a value changes ({@link Supervisor}).</li>
 * </ol>
 * Messages name variables, parameters and files, never a value.
 */
public final class Exec {
    /**
     * {@code -no-fail}'s start-up timeout when none is given: ssm-env starts the command at once when SSM is
     * unreachable, and a fallback that waits the full 60 s would hold the app up for nothing. 5 s still rides out
     * a throttled or briefly unreachable SSM (about three attempts with the 1 s backoff).
     */
    public static final String NO_FAIL_TIMEOUT = "5s";

    /**
     * Creates the SSM source from the merged environment (region, endpoint and credentials come from it).
     * Throws {@link IllegalStateException} or {@link IllegalArgumentException} for a configuration it cannot use.
     */
    interface SourceFactory {
        ParameterSource create(Map<String, String> env, Metrics metrics, Routing routing);
    }

    /** Installs a handler for a signal by name (TERM, INT, HUP, USR1, USR2); false when the JVM refuses it. */
    public interface SignalHandlers {
        boolean on(String signal, Runnable action);
    }

    private static final Log LOG = Log.get(Exec.class);
    /** {@code -Dssmsidecar.exec.native=off}: supervise without native calls, as on JDK 17-21 (tests, diagnosis). */
    static final String NATIVE_PROPERTY = "ssmsidecar.exec.native";

    private final SourceFactory sources;
    private final Supplier<Launcher> launchers;
    private final Clock clock;
    private final StartupLoader.Sleeper sleeper;
    private final RandomGenerator random;
    private final SignalHandlers signals;

    Exec(SourceFactory sources, Supplier<Launcher> launchers, Clock clock, StartupLoader.Sleeper sleeper,
         RandomGenerator random) {
        this(sources, launchers, clock, sleeper, random, (signal, action) -> false);
    }

    Exec(SourceFactory sources, Supplier<Launcher> launchers, Clock clock, StartupLoader.Sleeper sleeper,
         RandomGenerator random, SignalHandlers signals) {
        this.signals = signals;
        this.sources = sources;
        this.launchers = launchers;
        this.clock = clock;
        this.sleeper = sleeper;
        this.random = random;
    }

    /**
     * Runs {@code request} against the real SSM (configured from {@code env}) and the best launcher of this JVM. On
     * JDK 22+ a successful start does not return: the JVM has become the command.
     *
     * @param signals how to catch signals, for spawn mode to forward them (the CLI's {@code sun.misc.Signal} bridge)
     * @return the command's exit status, or the {@code ExitCode} of why it was not started
     */
    public static int run(ExecRequest request, Map<String, String> env, PrintStream err, SignalHandlers signals) {
        Map<Integer, String> descriptorsAtStart = ProcessReplacer.openDescriptors();
        Exec exec = new Exec((e, metrics, routing) -> SsmParameterSource.create(e, metrics,
                        SsmParameterSource.Limits.defaults(), routing),
                () -> Launcher.forThisJvm(descriptorsAtStart, err, signals), Clock.systemUTC(),
                d -> Thread.sleep(d.toMillis()), new SplittableRandom(), signals);
        return exec.execute(request, env, err);
    }

    int execute(ExecRequest request, Map<String, String> env, PrintStream err) {
        try {
            Prepared p = prepare(request, env, err);
            if (p.settings().supervision().http()) {
                checkHttp(p);
            }
            if (p.settings().supervision().restartOnChange()) {
                return supervise(p, request, err);
            }
            Launcher launcher = launchers.get();
            Map<String, String> childEnv = p.references().isEmpty() ? p.merged() : resolve(p, request, err);
            return launcher.launch(p.program(), request.command(), childEnv);
        } catch (ExecException e) {
            err.println("ssm-sidecar exec: " + e.getMessage());
            return e.exitCode().code();
        } catch (ConfigException e) {
            err.println(lines("ssm-sidecar exec: invalid configuration", e.problems()));
            return ExitCode.CONFIG.code();
        } catch (ReferenceException e) {
            err.println(lines("ssm-sidecar exec: invalid configuration", e.problems()));
            return ExitCode.CONFIG.code();
        }
    }

    /** What is checked before any SSM call: the merged environment, the settings, the references and the program. */
    private record Prepared(Map<String, String> merged, Settings settings, List<Reference> references, Path program) {
    }

    private Prepared prepare(ExecRequest request, Map<String, String> env, PrintStream err)
            throws ExecException, ConfigException, ReferenceException {
        Map<String, String> merged = new TreeMap<>();
        if (request.envFile().isPresent()) {
            merged.putAll(EnvFile.read(request.envFile().get()));
        }
        merged.putAll(env);
        Settings settings = SettingsLoader.load(request.settingsFlags(), merged,
                request.noFail() ? Map.of("SIDECAR_STARTUP_TIMEOUT", NO_FAIL_TIMEOUT) : Map.of());
        Log.configure(err, settings.logging().format(), settings.logging().level());
        // Only variables become variables: secrets declared in a config file are not exported.
        List<Reference> references = References.fromEnv(merged);
        Path program = CommandLocator.locate(request.command().get(0), merged.get("PATH"));
        return new Prepared(merged, settings, references, program);
    }

    /** What {@code SIDECAR_EXEC_HTTP} needs, checked before any SSM call. */
    private static void checkHttp(Prepared p) throws ExecException {
        if (!p.settings().supervision().restartOnChange()) {
            throw new ExecException(ExitCode.CONFIG, "SIDECAR_EXEC_HTTP=true (--exec-http) needs --restart-on-change"
                    + " (SIDECAR_RESTART_ON_CHANGE=true): without it exec becomes the command, and nothing is left to"
                    + " serve the API");
        }
        if (p.settings().http().token().isEmpty() && !wantsOutput(p)) {
            throw new ExecException(ExitCode.CONFIG, "SIDECAR_EXEC_HTTP=true (--exec-http) needs the API token the"
                    + " command will send: set SIDECAR_TOKEN or SIDECAR_TOKEN_FILE, or SIDECAR_OUTPUT_DIR to have one"
                    + " generated into <dir>/.token (the secrets are then written there too)");
        }
    }

    private Map<String, String> resolve(Prepared p, ExecRequest request, PrintStream err) throws ExecException {
        try (ParameterSource source = source(p, Metrics.noop())) {
            StartupLoader.Result resolution = load(source, p, request);
            return new ChildEnvironment(p.merged(), p.references(), request.noFail())
                    .initial(resolution, request.command().get(0), err);
        }
    }

    /**
     * {@code --restart-on-change}: loads as without it (same failures, same exit codes), then stays as the command's
     * parent; see {@link Supervisor}.
     */
    private int supervise(Prepared p, ExecRequest request, PrintStream err) throws ExecException {
        // Created only when asked for: the API's class is the one that loads the HTTP server's.
        Optional<SupervisedApi> api = p.settings().supervision().http()
                ? Optional.of(new SupervisedApi(p.settings(), p.references(), clock)) : Optional.empty();
        ParameterSource source = p.references().isEmpty() && api.isEmpty() ? null
                : source(p, api.isPresent() ? api.get().metrics() : Metrics.noop());
        try {
            ChildEnvironment envs = new ChildEnvironment(p.merged(), p.references(), request.noFail());
            StartupLoader.Result loaded = p.references().isEmpty() ? null : load(source, p, request);
            Map<String, String> childEnv = loaded == null ? p.merged()
                    : envs.initial(loaded, request.command().get(0), err);
            Optional<PosixCalls> posix = supervisorCalls();
            try (SupervisedRun run = new SupervisedRun(p.references(), source, p.settings(), envs,
                    Scheduler.system("ssm-sidecar-supervisor"), clock, random,
                    env -> SupervisedChild.start(p.program(), request.command(), env, posix), posix,
                    output(p), api)) {
                return run.start(childEnv, loaded == null ? Map.of() : loaded.secrets(), signals).join();
            }
        } finally {
            if (source != null) {
                source.close();
            }
        }
    }

    /** Variables that ask the supervising mode to write files too (an app may read both). */
    static final List<String> OUTPUT_VARIABLES = List.of("SIDECAR_OUTPUT_DIR", "SIDECAR_BUNDLES", "SIDECAR_TEMPLATES");

    /** The output directory when one of {@link #OUTPUT_VARIABLES} is set, as {@code run} would write it. */
    private static Optional<OutputDirectory> output(Prepared p) throws ExecException {
        if (!wantsOutput(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(OutputDirectory.open(Wiring.output(p.settings()), Metrics.noop()));
        } catch (OutputException e) {
            // As run and init: a template that cannot be read is configuration, a directory taken is in use.
            throw new ExecException(e instanceof io.ssmsidecar.output.OutputConfigException ? ExitCode.CONFIG
                    : e instanceof io.ssmsidecar.output.OutputDirectoryInUseException ? ExitCode.OUTPUT_IN_USE
                    : ExitCode.OUTPUT, e.getMessage());
        }
    }

    private static boolean wantsOutput(Prepared p) {
        return OUTPUT_VARIABLES.stream().anyMatch(v -> !p.merged().getOrDefault(v, "").isEmpty());
    }

    /**
     * kill, waitpid and prctl through the Foreign Function &amp; Memory API (JDK 22+), and this process made a child
     * subreaper so that orphans of the command are its to reap; empty on JDK 17-21 (see docs/exec.md).
     */
    private static Optional<PosixCalls> supervisorCalls() {
        if ("off".equals(System.getProperty(NATIVE_PROPERTY))) {
            return Optional.empty();
        }
        try {
            PosixCalls posix = PosixCalls.bind();
            if (ProcessHandle.current().pid() != 1) {
                posix.becomeSubreaper();
            }
            return Optional.of(posix);
        } catch (UnsupportedOperationException e) {
            LOG.debug("no native calls: orphaned processes are not reaped", "why", e.getMessage());
            return Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private ParameterSource source(Prepared p, Metrics metrics) throws ExecException {
        try {
            return sources.create(p.merged(), metrics, Wiring.routing(p.settings()));
        } catch (IllegalStateException | IllegalArgumentException e) {
            // No region, half a key pair, a bad endpoint URL: the source's messages name the variable, never a key.
            throw new ExecException(ExitCode.CONFIG, e.getMessage());
        }
    }

    /** The start-up load; a required failure (without {@code -no-fail}) is an {@link ExecException} (3 or 4). */
    private StartupLoader.Result load(ParameterSource source, Prepared p, ExecRequest request) throws ExecException {
        Duration timeout = p.settings().refresh().startupTimeout();
        List<Reference> references = p.references();
        StartupLoader.Result resolution = new StartupLoader(new Resolver(source, clock), clock, Backoff.DEFAULT,
                random, sleeper).load(references, timeout);
        List<Failure> required = resolution.requiredFailures();
        if (!required.isEmpty() && !request.noFail()) {
            boolean unavailable = required.stream().allMatch(Failure::isTransient);
            String command = "'" + request.command().get(0) + "' was not started";
            throw new ExecException(unavailable ? ExitCode.UNAVAILABLE : ExitCode.SECRETS, lines(unavailable
                    ? "SSM did not answer within the start-up timeout of " + timeout.toSeconds() + "s; " + command
                    : required.size() + " of " + references.size() + " references could not be resolved; " + command,
                    required.stream().map(Failure::describe).toList()));
        }
        return resolution;
    }

    static String lines(String header, List<String> items) {
        return header + ":\n  - " + String.join("\n  - ", items);
    }
}
