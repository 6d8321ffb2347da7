package io.ssmsidecar.migrate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * How a migrated app container receives its variables today: its entry point sources the sidecar's {@code env}
 * bundle, unsets the variables that belong to the task's other containers, and {@code exec}s the original argv
 * unchanged. Docker runs {@code entryPoint + command}; this puts
 * {@code /bin/sh -c SCRIPT sh} in front of the container's own {@code entryPoint} and leaves {@code command} as it
 * is, so the shell's {@code "$@"} is exactly the argv ECS ran before (and a {@code command} override still works).
 * <p>
 * When the supervising {@code exec} (issue 21) lands, it replaces this class: the prefix becomes the sidecar's
 * {@code exec --restart-on-change --}, which restarts the app on rotation, and the references move to the app
 * container's environment. Everything else {@link TaskMigration} adds (volume, mounts, {@code dependsOn}) stays.
 */
final class EnvBundleWrapper {
    /** The bundle's file name in the output directory: {@code SIDECAR_BUNDLES=env:secrets.env}. */
    static final String BUNDLE = "secrets.env";

    private EnvBundleWrapper() {
    }

    /** The {@code SIDECAR_BUNDLES} value the sidecar needs for this delivery. */
    static String bundlesSetting() {
        return "env:" + BUNDLE;
    }

    /**
     * The new {@code entryPoint}: the wrapper, then {@code entryPoint} (may be empty when only {@code command} is
     * set).
     *
     * @param directory the output directory as the app mounts it
     * @param others    variables of the task's other containers that the bundle also sets: unset before the exec,
     *                  so each container sees its own variables only (sorted, each a shell variable name)
     */
    static List<String> entryPoint(String directory, Collection<String> others, List<String> entryPoint) {
        String script = ". " + directory + "/" + BUNDLE
                + (others.isEmpty() ? "" : " && unset " + String.join(" ", others))
                + " && exec \"$@\"";
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        wrapped.addAll(entryPoint);
        return wrapped;
    }
}
