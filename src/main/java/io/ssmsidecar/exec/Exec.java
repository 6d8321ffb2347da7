package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.config.ConfigException;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.References;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.schedule.Backoff;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 *   <li>replace this process with the command (JDK 22+) or run it as a child and forward signals.</li>
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
        ParameterSource create(Map<String, String> env);
    }

    /** Installs a handler for a signal by name (TERM, INT, HUP, USR1, USR2); false when the JVM refuses it. */
    public interface SignalHandlers {
        boolean on(String signal, Runnable action);
    }

    private final SourceFactory sources;
    private final Supplier<Launcher> launchers;
    private final Clock clock;
    private final StartupLoader.Sleeper sleeper;
    private final RandomGenerator random;

    Exec(SourceFactory sources, Supplier<Launcher> launchers, Clock clock, StartupLoader.Sleeper sleeper,
         RandomGenerator random) {
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
        Exec exec = new Exec(e -> SsmParameterSource.create(e, Metrics.noop()),
                () -> Launcher.forThisJvm(descriptorsAtStart, err, signals), Clock.systemUTC(),
                d -> Thread.sleep(d.toMillis()), new SplittableRandom());
        return exec.execute(request, env, err);
    }

    int execute(ExecRequest request, Map<String, String> env, PrintStream err) {
        try {
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
            Launcher launcher = launchers.get();
            Map<String, String> childEnv = references.isEmpty() ? merged
                    : resolve(merged, references, request, settings.refresh().startupTimeout(), err);
            return launcher.launch(program, request.command(), childEnv);
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

    private Map<String, String> resolve(Map<String, String> merged, List<Reference> references, ExecRequest request,
                                        Duration timeout, PrintStream err) throws ExecException {
        ParameterSource ssm;
        try {
            ssm = sources.create(merged);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // No region, half a key pair, a bad endpoint URL: the source's messages name the variable, never a key.
            throw new ExecException(ExitCode.CONFIG, e.getMessage());
        }
        StartupLoader.Result resolution;
        try (ParameterSource source = ssm) {
            resolution = new StartupLoader(new Resolver(source, clock), clock, Backoff.DEFAULT, random, sleeper)
                    .load(references, timeout);
        }
        List<Failure> required = resolution.requiredFailures();
        if (!required.isEmpty() && !request.noFail()) {
            boolean unavailable = required.stream().allMatch(Failure::isTransient);
            String command = "'" + request.command().get(0) + "' was not started";
            throw new ExecException(unavailable ? ExitCode.UNAVAILABLE : ExitCode.SECRETS, lines(unavailable
                    ? "SSM did not answer within the start-up timeout of " + timeout.toSeconds() + "s; " + command
                    : required.size() + " of " + references.size() + " references could not be resolved; " + command,
                    required.stream().map(Failure::describe).toList()));
        }

        Map<String, String> child = new TreeMap<>(merged);
        Map<String, Reference> declaredBy = new LinkedHashMap<>();
        for (Reference r : references) {
            child.remove(r.key());
            declaredBy.put(r.key(), r);
        }
        List<String> problems = new ArrayList<>();
        for (Secret s : resolution.secrets().values()) {
            String value = s.value().reveal();
            if (value.indexOf('\0') >= 0) {
                problems.add(s.key() + " (" + s.parameterName() + "): the value contains a NUL character, which an "
                        + "environment variable cannot hold");
            } else if (merged.containsKey(s.key()) && !declaredBy.containsKey(s.key())) {
                String message = s.key() + " (" + s.parameterName() + "): a path reference maps this parameter to "
                        + s.key() + ", which the environment already sets";
                if (!request.noFail()) {
                    problems.add(message);
                } else {
                    err.println("ssm-sidecar exec: warning: " + message + "; keeping the environment's value (-no-fail)");
                }
            } else {
                child.put(s.key(), value);
            }
        }
        if (!problems.isEmpty()) {
            throw new ExecException(ExitCode.SECRETS, lines(problems.size() + " variables cannot be set; '"
                    + request.command().get(0) + "' was not started", problems));
        }
        for (Failure f : resolution.failures()) {
            Reference declared = declaredBy.get(f.key());
            if (f.optional()) {
                err.println("ssm-sidecar exec: warning: optional " + f.describe() + "; " + f.key() + " is not set");
            } else if (declared != null && !resolution.secrets().containsKey(f.key())) {
                err.println("ssm-sidecar exec: warning: " + f.describe() + "; keeping the literal value (-no-fail)");
                child.put(f.key(), declared.raw());
            } else {
                err.println("ssm-sidecar exec: warning: " + f.describe() + "; " + f.key() + " is not set (-no-fail)");
            }
        }
        return child;
    }

    private static String lines(String header, List<String> items) {
        return header + ":\n  - " + String.join("\n  - ", items);
    }
}
