package io.ssmsidecar.exec;

import io.ssmsidecar.testing.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tests that run {@code exec} in a child JVM share: a directory the command writes its reports to
 * ({@code $OUT}), the children to stop after each test, and reading the environment the command was started with.
 */
abstract class ChildExecTest {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    private final List<ChildJvm> started = new ArrayList<>();

    static List<Wrapper> wrappers() {
        return Wrapper.all();
    }

    ChildJvm start(Wrapper wrapper, Map<String, String> env, List<String> execArgs) {
        ChildJvm child = wrapper.start(dir, env, execArgs);
        started.add(child);
        return child;
    }

    @AfterEach
    void stopChildren() {
        started.forEach(ChildJvm::close);
    }

    /** PATH, a UTF-8 locale and {@code OUT} (the test's directory). */
    Map<String, String> baseEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("LANG", "C.UTF-8");
        env.put("OUT", dir.toString());
        return env;
    }

    static List<String> sh(String script) {
        return List.of("--", "sh", "-c", script);
    }

    /** The environment a command was started with, as its bytes, from a copy of its /proc/PID/environ. */
    static Map<String, byte[]> environOf(Path dump) throws Exception {
        Map<String, byte[]> env = new LinkedHashMap<>();
        for (byte[] entry : OriginalBytes.split(Files.readAllBytes(dump))) {
            String s = new String(entry, StandardCharsets.ISO_8859_1);
            int eq = s.indexOf('=');
            env.put(s.substring(0, eq), s.substring(eq + 1).getBytes(StandardCharsets.ISO_8859_1));
        }
        return env;
    }
}
