package io.ssmsidecar.exec;

import io.ssmsidecar.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a test runs {@code ssm-sidecar exec} in a child JVM: {@link #replace()} on a JDK 22+ (this one, or the image's
 * JDK 25), {@link #spawn()} on this JVM when it is older, else forced by the {@code ssmsidecar.exec.mode} property.
 */
record Wrapper(String mode, Path java, List<String> jvmFlags) {
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    static Path currentJava() {
        return Path.of(ProcessHandle.current().info().command().orElseThrow());
    }

    /** A JVM that replaces itself with the command, or null when none is installed. */
    static Wrapper replace() {
        Path java = Runtime.version().feature() >= 22 ? currentJava() : Files.isExecutable(JDK25) ? JDK25 : null;
        return java == null ? null : new Wrapper("replace", java, List.of("--enable-native-access=ALL-UNNAMED"));
    }

    /** A JVM that runs the command as its child and forwards signals. */
    static Wrapper spawn() {
        return new Wrapper("spawn", currentJava(), Runtime.version().feature() >= 22
                ? List.of("-D" + Launcher.MODE_PROPERTY + "=spawn") : List.of());
    }

    static List<Wrapper> all() {
        List<Wrapper> out = new ArrayList<>();
        if (replace() != null) {
            out.add(replace());
        }
        out.add(spawn());
        return out;
    }

    @Override
    public String toString() {
        return mode + " (" + java + ")";
    }

    /** Starts {@code exec EXEC_ARGS} with exactly {@code env}; stdout and stderr go to files in {@code dir}. */
    ChildJvm start(Path dir, Map<String, String> env, List<String> execArgs) {
        List<String> args = new ArrayList<>(List.of("exec"));
        args.addAll(execArgs);
        return ChildJvm.start(java, jvmFlags, dir, env, args.toArray(String[]::new));
    }
}
