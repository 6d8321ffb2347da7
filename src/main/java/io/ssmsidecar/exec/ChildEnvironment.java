package io.ssmsidecar.exec;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.store.Failure;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.StartupLoader;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The command's environment: the wrapper's variables, each reference variable replaced by its secret (a path
 * reference by one variable per parameter), everything else unchanged. Messages name variables, never values.
 */
final class ChildEnvironment {
    private static final Log LOG = Log.get(ChildEnvironment.class);

    private final Map<String, String> merged;
    private final Map<String, Reference> declaredBy = new LinkedHashMap<>();
    private final boolean noFail;

    ChildEnvironment(Map<String, String> merged, List<Reference> references, boolean noFail) {
        this.merged = Map.copyOf(merged);
        this.noFail = noFail;
        references.forEach(r -> declaredBy.put(r.key(), r));
    }

    /**
     * The environment from the start-up load.
     *
     * @throws ExecException (3) for a value an environment variable cannot hold, or a path key the environment already
     *                       sets (without {@code -no-fail}); {@code command} names the command that was not started
     */
    Map<String, String> initial(StartupLoader.Result resolution, String command, PrintStream err)
            throws ExecException {
        Map<String, String> child = base();
        List<String> problems = new ArrayList<>();
        for (Secret s : resolution.secrets().values()) {
            String value = s.value().reveal();
            if (value.indexOf('\0') >= 0) {
                problems.add(s.key() + " (" + s.parameterName() + "): the value contains a NUL character, which an "
                        + "environment variable cannot hold");
            } else if (setByEnvironment(s.key())) {
                String message = s.key() + " (" + s.parameterName() + "): a path reference maps this parameter to "
                        + s.key() + ", which the environment already sets";
                if (!noFail) {
                    problems.add(message);
                } else {
                    err.println("ssm-sidecar exec: warning: " + message + "; keeping the environment's value (-no-fail)");
                }
            } else {
                child.put(s.key(), value);
            }
        }
        if (!problems.isEmpty()) {
            throw new ExecException(ExitCode.SECRETS, Exec.lines(problems.size() + " variables cannot be set; '"
                    + command + "' was not started", problems));
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

    /**
     * The environment after a refresh: the current secrets, except that a variable the command had keeps its last
     * value when its secret is gone (deleted below a path, or not loaded) or cannot be a variable; each such case is
     * logged by name. Never throws: a refresh must not take the command's environment away.
     */
    Map<String, String> refreshed(Map<String, Secret> secrets, Map<String, String> previous) {
        Map<String, String> child = base();
        TreeSet<String> unusable = new TreeSet<>();
        for (Secret s : secrets.values()) {
            String value = s.value().reveal();
            if (setByEnvironment(s.key())) {
                continue; // as at start (with -no-fail): the environment's own value stays
            }
            if (value.indexOf('\0') >= 0) {
                unusable.add(s.key());
                if (previous.containsKey(s.key())) {
                    child.put(s.key(), previous.get(s.key()));
                }
            } else {
                child.put(s.key(), value);
            }
        }
        TreeSet<String> gone = new TreeSet<>();
        previous.forEach((key, value) -> {
            if (!child.containsKey(key)) {
                child.put(key, value);
                Reference declared = declaredBy.get(key);
                if (declared == null || !value.equals(declared.raw())) {
                    gone.add(key);
                }
            }
        });
        if (!gone.isEmpty()) {
            LOG.warn("secrets no longer in SSM; the command keeps their last values", "keys", String.join(",", gone));
        }
        if (!unusable.isEmpty()) {
            LOG.warn("new values contain a NUL character, which an environment variable cannot hold; the command"
                    + " keeps the last values", "keys", String.join(",", unusable));
        }
        return child;
    }

    /** The wrapper's variables without the ones that declare references. */
    private Map<String, String> base() {
        Map<String, String> child = new TreeMap<>(merged);
        declaredBy.keySet().forEach(child::remove);
        return child;
    }

    private boolean setByEnvironment(String key) {
        return merged.containsKey(key) && !declaredBy.containsKey(key);
    }
}
