package io.ssmsidecar.migrate;

import java.util.ArrayList;
import java.util.List;

/**
 * How a migrated app container receives its variables with {@code migrate --mode supervise}: its entry point runs the
 * supervising {@code exec} ({@code exec --restart-on-change --}) in front of the container's own {@code entryPoint},
 * with the references in the container's own {@code environment}, so the app gets every value in its environment and
 * is restarted with the new one after a rotation. {@code command} is left as it is, so the argv after {@code --} is
 * exactly what ECS ran before. Needs the image layout docs/exec.md describes: the sidecar's JRE and {@code /app}
 * (jar, {@code jvm.options}, AOT cache) copied into the app's image at the same paths.
 */
final class SupervisingExecWrapper {
    /** Where the sidecar's image keeps its JRE; the app image gets it at the same path. */
    static final String JAVA = "/opt/jre/bin/java";
    /** The supervisor, as the sidecar's image starts itself, then {@code exec --restart-on-change --}. */
    static final List<String> PREFIX = List.of(JAVA, "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar", "exec",
            "--restart-on-change", "--");

    private SupervisingExecWrapper() {
    }

    /** The new {@code entryPoint}: the supervisor, then {@code entryPoint} (may be empty when only {@code command} is set). */
    static List<String> entryPoint(List<String> entryPoint) {
        List<String> wrapped = new ArrayList<>(PREFIX);
        wrapped.addAll(entryPoint);
        return wrapped;
    }

    /** The lines of the app's Dockerfile that put the supervisor in its image, from the sidecar's {@code image}. */
    static String dockerfile(String image) {
        return "FROM " + image + " AS ssm-sidecar  (before the app's FROM), then after it: "
                + "COPY --from=ssm-sidecar /opt/jre /opt/jre and COPY --from=ssm-sidecar /app /app";
    }
}
