package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migrated task gives each app the values ECS gave it: {@code migrate} a task, run {@code init} against the
 * local SSM endpoint with the migrated sidecar container's environment, then run each app container's
 * {@code entryPoint + command} (real {@code /bin/sh}, real {@code env} and {@code printf}) with the bundle, and compare
 * what it sees with the original argv run with the environment ECS would have injected (the values the test
 * stored, picked as ECS's {@code valueFrom} picks them: versions, JSON keys, staging labels).
 */
class MigratedTaskRunsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Variables a shell may add to what it passes on; neither side of the comparison controls them. */
    private static final Set<String> SHELL_OWN = Set.of("PWD", "OLDPWD", "SHLVL", "_");

    @TempDir
    Path tmp;

    private final LocalSsm ssm = start();

    private static LocalSsm start() {
        try {
            return LocalSsm.start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        ssm.close();
    }

    /** The task the tests migrate, with the values ECS would inject for its secrets (stored in local-ssm). */
    private record Fixture(String task, Map<String, String> injected) {
    }

    private Fixture fixture() {
        String nasty = "it's $ecret `not run` \"q\" \\ \n second line ü";
        ssm.put("/prod/db/password", "first-version", "SecureString");
        ssm.put("/prod/db/password", nasty, "SecureString");
        ssm.put("my.little.secret", "little", "String");
        ssm.put("/prod/worker/token", "tok-'1'", "SecureString");
        ssm.putSecret("prod/api", "{\"key\": \"k-1\", \"other\": \"x\"}");
        ssm.putSecret("prod/api", "{\"key\": \"k-2 'new' $X\", \"other\": \"y\"}");
        String account = ssm.accountId();
        String region = ssm.region();
        String api = "arn:aws:secretsmanager:" + region + ":" + account + ":secret:prod/api-AbCdEf";
        String task = """
                {"family": "e2e", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                 "cpu": "256", "memory": "1024",
                 "containerDefinitions": [
                  {"name": "app", "image": "busybox", "entryPoint": ["env"], "command": ["-0"],
                   "environment": [{"name": "GREETING", "value": "hello"}],
                   "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:%2$s:%1$s:parameter/prod/db/password"},
                    {"name": "PINNED", "valueFrom": "/prod/db/password:1"},
                    {"name": "LITTLE", "valueFrom": "my.little.secret"},
                    {"name": "API_KEY", "valueFrom": "%3$s:key::"},
                    {"name": "OLD_KEY", "valueFrom": "%3$s:key:AWSPREVIOUS:"},
                    {"name": "API_JSON", "valueFrom": "%3$s"}]},
                  {"name": "worker", "image": "busybox", "command": ["env", "-0"],
                   "secrets": [
                    {"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:%2$s:%1$s:parameter/prod/db/password"},
                    {"name": "TOKEN", "valueFrom": "/prod/worker/token"}]},
                  {"name": "argv", "image": "busybox", "entryPoint": ["printf", "[%%s]\\n"],
                   "command": ["a b", "$HOME", "it's", "", "\\"q\\"", "--flag=$(id)"],
                   "secrets": [{"name": "TOKEN", "valueFrom": "/prod/worker/token"}]}]}
                """.formatted(account, region, api);
        Map<String, String> injected = new TreeMap<>(Map.of(
                "DB_PASSWORD", nasty, "PINNED", "first-version", "LITTLE", "little", "API_KEY", "k-2 'new' $X",
                "OLD_KEY", "k-1", "API_JSON", "{\"key\": \"k-2 'new' $X\", \"other\": \"y\"}",
                "TOKEN", "tok-'1'"));
        return new Fixture(task, injected);
    }

    private JsonNode migrate(String task, String... flags) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("--task-definition", "-", "--region", ssm.region(), "--account",
                ssm.accountId()));
        args.addAll(List.of(flags));
        int code = new MigrateCommand(() -> new ByteArrayInputStream(task.getBytes(StandardCharsets.UTF_8)))
                .run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return JSON.readTree(out.toByteArray());
    }

    @Test
    void everyAppContainer_seesExactlyTheVariablesEcsInjected() throws Exception {
        Fixture fixture = fixture();
        Map<String, String> injected = fixture.injected();
        String region = ssm.region();
        JsonNode migrated = migrate(fixture.task());
        JsonNode original = JSON.readTree(fixture.task());

        Path secrets = tmp.resolve("secrets");
        Map<String, String> sidecarEnv = new HashMap<>(LocalWire.env(ssm));
        sidecarEnv.put("AWS_REGION", region);
        sidecarEnv.put("SIDECAR_OUTPUT_DIR", secrets.toString());
        container(migrated, "ssm-sidecar").get("environment")
                .forEach(e -> sidecarEnv.put(e.get("name").asText(), e.get("value").asText()));
        ByteArrayOutputStream initErr = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"init"}, sidecarEnv, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(initErr, true, StandardCharsets.UTF_8))).as(initErr.toString(StandardCharsets.UTF_8))
                .isZero();

        for (String name : List.of("app", "worker")) {
            JsonNode before = container(original, name);
            Map<String, String> ecs = new TreeMap<>(plainEnvironment(before));
            before.get("secrets").forEach(s -> ecs.put(s.get("name").asText(), injected.get(s.get("name").asText())));

            Map<String, String> seen = variables(run(container(migrated, name), secrets, Map.of()));
            Map<String, String> expected = variables(run(before, secrets, ecs));

            assertThat(seen).as(name).isEqualTo(expected);
            assertThat(seen).as(name).containsAllEntriesOf(ecs);
        }
        // The worker does not see the app's variables, and the app not the worker's, although one bundle holds all.
        assertThat(variables(run(container(migrated, "worker"), secrets, Map.of()))).doesNotContainKeys("API_KEY", "LITTLE");
        assertThat(variables(run(container(migrated, "app"), secrets, Map.of()))).doesNotContainKey("TOKEN");

        byte[] argvBefore = run(container(original, "argv"), secrets, Map.of("TOKEN", injected.get("TOKEN")));
        byte[] argvAfter = run(container(migrated, "argv"), secrets, Map.of());
        assertThat(new String(argvAfter, StandardCharsets.UTF_8))
                .isEqualTo(new String(argvBefore, StandardCharsets.UTF_8))
                .isEqualTo("[a b]\n[$HOME]\n[it's]\n[]\n[\"q\"]\n[--flag=$(id)]\n");
    }

    /**
     * {@code --mode supervise}: each app container's own argv, run as Docker would, starts the supervising
     * {@code exec} (a JVM of this build in place of the image's {@code /opt/jre/bin/java -jar}) with the container's
     * migrated environment and the task role's credentials (local-ssm's here); the command under it sees exactly the
     * variables and argv ECS gave it, and its exit ends the supervisor with its status.
     */
    @Test
    void superviseMode_everyAppContainer_runsUnderTheSupervisor_withTheVariablesEcsInjected() throws Exception {
        Fixture fixture = fixture();
        JsonNode migrated = migrate(fixture.task(), "--mode", "supervise");
        JsonNode original = JSON.readTree(fixture.task());
        for (String name : List.of("app", "worker")) {
            JsonNode before = container(original, name);
            Map<String, String> ecs = new TreeMap<>(plainEnvironment(before));
            before.get("secrets").forEach(s -> ecs.put(s.get("name").asText(),
                    fixture.injected().get(s.get("name").asText())));

            Map<String, String> seen = variables(supervised(container(migrated, name), true));
            Map<String, String> expected = variables(run(before, tmp, ecs));
            // The task role's credentials and region reach the app as they do without the sidecar, and LANG the note
            // asks for.
            LocalWire.env(ssm).keySet().forEach(seen::remove);
            seen.remove("AWS_REGION");
            seen.remove("LANG");
            assertThat(seen).as(name).isEqualTo(expected).containsAllEntriesOf(ecs);
        }
        byte[] argvBefore = run(container(original, "argv"), tmp, Map.of("TOKEN", fixture.injected().get("TOKEN")));
        assertThat(new String(supervised(container(migrated, "argv"), true), StandardCharsets.UTF_8))
                .isEqualTo(new String(argvBefore, StandardCharsets.UTF_8))
                .isEqualTo("[a b]\n[$HOME]\n[it's]\n[]\n[\"q\"]\n[--flag=$(id)]\n");
    }

    /**
     * Under the POSIX locale (no LANG, as in many images) the JVM can pass a child only ASCII: the supervisor refuses
     * to start the app with a non-ASCII secret, naming it, rather than hand it question marks.
     */
    @Test
    void superviseMode_withoutAUtf8Locale_aNonAsciiSecretStopsTheStart_namingIt() throws Exception {
        Fixture fixture = fixture();
        JsonNode app = container(migrate(fixture.task(), "--mode", "supervise"), "app");
        try (ChildJvm jvm = startSupervised(app, false)) {
            assertThat(jvm.awaitExit(Duration.ofSeconds(60))).as(jvm.output()).isEqualTo(2);
            assertThat(jvm.stderr()).contains("variable DB_PASSWORD: its value has characters that this JVM cannot "
                    + "pass to a child").contains("set LANG=C.UTF-8").doesNotContain("second line");
            assertThat(jvm.stdout()).isEmpty();
        }
    }

    private static List<String> argv(JsonNode container) {
        List<String> argv = new ArrayList<>();
        container.path("entryPoint").forEach(a -> argv.add(a.asText()));
        container.path("command").forEach(a -> argv.add(a.asText()));
        return argv;
    }

    /** Runs a migrated container's {@code entryPoint + command} with this build's JVM standing in for the image's. */
    private byte[] supervised(JsonNode container, boolean utf8) {
        try (ChildJvm jvm = startSupervised(container, utf8)) {
            assertThat(jvm.awaitExit(Duration.ofSeconds(60))).as(jvm.output()).isZero();
            assertThat(jvm.stderr()).contains("command started").contains("command exited");
            return jvm.stdout().getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Starts the supervisor as the migrated container's argv says, with its environment, the task role's credentials
     * (local-ssm's) and, when {@code utf8}, {@code LANG=C.UTF-8}.
     */
    private ChildJvm startSupervised(JsonNode container, boolean utf8) {
        List<String> argv = argv(container);
        List<String> launcher = List.of("/opt/jre/bin/java", "@/app/jvm.options", "-jar", "/app/ssm-sidecar.jar");
        assertThat(argv.subList(0, 7)).containsExactlyElementsOf(Stream.concat(launcher.stream(),
                Stream.of("exec", "--restart-on-change", "--")).toList());
        Map<String, String> env = new HashMap<>(plainEnvironment(container));
        env.putAll(LocalWire.env(ssm));
        env.put("AWS_REGION", ssm.region());
        if (utf8) {
            env.put("LANG", "C.UTF-8");
        }
        return ChildJvm.start(tmp, env, argv.subList(launcher.size(), argv.size()).toArray(String[]::new));
    }

    /** Runs a container's argv as Docker would ({@code entryPoint + command}), the volume at its mount point. */
    private byte[] run(JsonNode container, Path secrets, Map<String, String> injected) throws Exception {
        List<String> argv = new ArrayList<>();
        container.path("entryPoint").forEach(a -> argv.add(a.asText().replace("/run/secrets/", secrets + "/")));
        container.path("command").forEach(a -> argv.add(a.asText()));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv("PATH"));
        builder.environment().putAll(plainEnvironment(container));
        builder.environment().putAll(injected);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", argv)).isZero();
        return output;
    }

    private static Map<String, String> plainEnvironment(JsonNode container) {
        Map<String, String> vars = new HashMap<>();
        container.path("environment").forEach(e -> vars.put(e.get("name").asText(), e.get("value").asText()));
        return vars;
    }

    /** {@code env -0} output as a map, without what a shell adds on its own. */
    private static Map<String, String> variables(byte[] envDashZero) {
        Map<String, String> vars = new TreeMap<>();
        for (String entry : new String(envDashZero, StandardCharsets.UTF_8).split("\0")) {
            if (!entry.isEmpty()) {
                String name = entry.substring(0, entry.indexOf('='));
                if (!SHELL_OWN.contains(name)) {
                    vars.put(name, entry.substring(entry.indexOf('=') + 1));
                }
            }
        }
        return vars;
    }

    private static JsonNode container(JsonNode task, String name) {
        for (JsonNode c : task.get("containerDefinitions")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name);
    }
}
