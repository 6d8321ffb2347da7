package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.cli.Main;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded, generated corpus of hostile configuration through {@code Main.run} in-process: malformed {@code ssm://}
 * references (mutations of valid ones), settings out of range, unknown settings, huge values, malformed config files,
 * and keys, bundle and template names that try to leave the output directory. Every case must exit 2 (the documented
 * configuration code) with a message that names the input, never a stack trace, and must write nothing anywhere.
 */
@ExtendWith(LeakWatch.class)
class HostileCliInputTest {
    private static final long SEED = 20261126L;
    private static final List<String> VALID = List.of("ssm:///prod/db/password", "ssm://my.little.secret",
            "ssm:///prod/db/password:3", "ssm:///prod/db/password:blue", "ssm:///prod/app/*",
            "ssm://arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password:3",
            "ssm:///aws/reference/secretsmanager/prod/db:AWSPREVIOUS?optional#password", "ssm:///prod/db/config#password");
    private static final String[] INSERTS = {"%", "%2F", "\0", "\n", "\r", " ", "\"", "'", "$", "`", "\u202e", "é",
            "\\", "//", "/", ":", "::", "#", "?", "?required", "*", "..", "/..", ":0", ":03", ":-1", ":aws", ":ssmx",
            ":" + "9".repeat(30), ":" + "l".repeat(101), "\t", ";", "&", "|", "ssm://", "\uD83D\uDE00", "/*/", "~"};

    @TempDir
    Path tmp;
    private final Map<String, Integer> casesByKind = new LinkedHashMap<>();

    /** Runs one case and checks the contract; {@code mentions} must all appear in the message. */
    private void expectRejected(String kind, String[] args, Map<String, String> env, String... mentions) throws Exception {
        Path out = tmp.resolve("out");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Map<String, String> fullEnv = new HashMap<>(env);
        fullEnv.putIfAbsent("SIDECAR_OUTPUT_DIR", out.toString());
        int code = Main.run(args, fullEnv, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        String err = stderr.toString(StandardCharsets.UTF_8);
        LeakWatch.search(kind + " stderr", err);
        String describe = kind + " " + String.join(" ", args).replace("\0", "\\0") + " " + env.keySet();
        assertThat(code).as("exit code of %s:%n%s", describe, err).isEqualTo(2);
        assertThat(err).as(describe).doesNotContain("\tat ").doesNotContain("internal error")
                .doesNotContain("java.lang.").startsWith("ssm-sidecar ");
        assertThat(err.length()).as("a bounded message for %s", describe).isLessThan(20_000);
        for (String m : mentions) {
            assertThat(err).as("the message names %s", m).contains(m);
        }
        assertThat(stdout.size()).isZero();
        assertThat(out).as("nothing written for %s", describe).doesNotExist();
        try (Stream<Path> entries = Files.list(tmp)) {
            assertThat(entries.map(p -> p.getFileName().toString())).as("nothing written beside it")
                    .allMatch(n -> n.startsWith("config"));
        }
        casesByKind.merge(kind, 1, Integer::sum);
    }

    @Test
    void generatedCorpus_ofMalformedReferences_exits2_namingTheVariable() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED);
        int skippedValid = 0;
        for (int i = 0; i < 800; i++) {
            String ref = mutate(VALID.get(random.nextInt(VALID.size())), random);
            String variable = "REF_" + i;
            if (parses(variable, ref)) {
                skippedValid++;
                continue;
            }
            expectRejected("reference", new String[] {random.nextBoolean() ? "init" : "run"}, Map.of(variable, ref),
                    variable);
        }
        Figures.record("hostile-cli", "malformed references rejected (exit 2, variable named)",
                casesByKind.get("reference"));
        Figures.record("hostile-cli", "mutations that happened to be valid (skipped)", skippedValid);
    }

    private static String mutate(String valid, SplittableRandom random) {
        String s = valid;
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int at = 6 + random.nextInt(Math.max(1, s.length() - 5));
            at = Math.min(at, s.length());
            switch (random.nextInt(5)) {
                case 0 -> s = s.substring(0, at) + INSERTS[random.nextInt(INSERTS.length)] + s.substring(at);
                case 1 -> s = s.substring(0, Math.max(6, at - 1)) + s.substring(at);
                case 2 -> s = s + INSERTS[random.nextInt(INSERTS.length)];
                case 3 -> s = "ssm:///" + "x/".repeat(10 + random.nextInt(2000)) + "y";
                default -> s = s.substring(0, at) + s.substring(at).toUpperCase().replace("SSM://", "ssm://");
            }
        }
        return s.startsWith("ssm://") ? s : "ssm://" + s;
    }

    private static boolean parses(String key, String ref) {
        try {
            ReferenceParser.parse(key, ref);
            return true;
        } catch (ReferenceException e) {
            return false;
        }
    }

    /** Clearly invalid values per setting: flag, environment variable and values. */
    private static final Map<String, List<String>> BAD = new LinkedHashMap<>();

    static {
        List<String> durations = List.of("0s", "9s", "25h", "-1s", "1e9s", "abc", "10", "99999999999999999999s", "5 m", "");
        BAD.put("refresh-interval", durations);
        BAD.put("startup-timeout", List.of("0s", "2h", "-5s", "x", "1000000000000h"));
        BAD.put("max-staleness", List.of("1s", "721h", "maybe", "-1m"));
        BAD.put("notify-window", List.of("2m", "-1s", "soon"));
        BAD.put("http-port", List.of("-1", "65536", "99999999999", "x", "80.5", "0x50"));
        BAD.put("file-mode", List.of("0000", "0999", "0200", "rwx", "-1", "07777", "1e3"));
        BAD.put("file-uid", List.of("-1", "2147483648", "root", "1.5"));
        BAD.put("max-connections", List.of("0", "10001", "-5", "many"));
        BAD.put("cache-size", List.of("-1", "100001", "lots"));
        BAD.put("http-address", List.of("0.0.0.0", "example.com", "999.1.1.1", "10.0.0.1", "::", "127.0.0.1:80"));
        BAD.put("log-format", List.of("xml", "JSON5", "yaml"));
        BAD.put("log-level", List.of("trace", "verbose", "0"));
        BAD.put("on-change-url", List.of("ftp://127.0.0.1/x", "http://10.0.0.1/hook", "not a url", "file:///etc/passwd"));
        BAD.put("on-change-signal", List.of("KILL", "SIGFOO", "9", "STOP"));
        BAD.put("bundles", List.of("xml:a.xml", "env", "env:", ",", "env:a.env,,json:b.json"));
        BAD.put("templates", List.of("nosuchfile.tmpl:out.conf", ":", "a:b:c:d"));
        BAD.put("allow", List.of("/a,,/b", "/a b", "/a\0"));
    }

    private static String envName(String flag) {
        return "SIDECAR_" + flag.toUpperCase().replace('-', '_');
    }

    @Test
    void generatedCorpus_ofSettingsOutOfRange_exits2_namingEverySetting() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        List<String> options = new ArrayList<>(BAD.keySet());
        for (int i = 0; i < 300; i++) {
            List<String> args = new ArrayList<>(List.of(random.nextBoolean() ? "init" : "run"));
            Map<String, String> env = new HashMap<>(Map.of("DB_PASSWORD", "ssm:///prod/db/password"));
            List<String> mentions = new ArrayList<>();
            int problems = 1 + random.nextInt(3);
            java.util.Collections.shuffle(options, new java.util.Random(random.nextLong()));
            for (int p = 0; p < problems; p++) {
                String option = options.get(p);
                List<String> values = BAD.get(option);
                String value = values.get(random.nextInt(values.size()));
                if (random.nextBoolean() && !value.isEmpty()) {
                    args.add("--" + option + "=" + value);
                    mentions.add("--" + option);
                } else {
                    env.put(envName(option), value);
                    // An empty variable counts as unset; it is no problem on its own.
                    if (!value.isEmpty()) {
                        mentions.add(envName(option));
                    }
                }
            }
            if (mentions.isEmpty()) {
                env.put("SIDECAR_HTTP_PORT", "70000");
                mentions.add("SIDECAR_HTTP_PORT");
            }
            expectRejected("setting", args.toArray(String[]::new), env, mentions.stream().distinct().toArray(String[]::new));
        }
        Figures.record("hostile-cli", "settings out of range rejected (1-3 per run, each named)", casesByKind.get("setting"));
    }

    @Test
    void unknownSettings_hugeValues_andMalformedConfigFiles_exit2_namingTheInput() throws Exception {
        SplittableRandom random = new SplittableRandom(SEED + 2);
        Map<String, String> ref = Map.of("DB_PASSWORD", "ssm:///prod/db/password");
        for (int i = 0; i < 100; i++) {
            String name = randomWord(random, 3 + random.nextInt(20));
            Map<String, String> env = new HashMap<>(ref);
            env.put("SIDECAR_" + name, "1");
            expectRejected("unknown env", new String[] {"init"}, env, "SIDECAR_" + name);
            expectRejected("unknown flag", new String[] {"init", "--" + name.toLowerCase().replace('_', '-') + "x=1"},
                    ref, "--" + name.toLowerCase().replace('_', '-') + "x");
        }
        expectRejected("huge", new String[] {"init"}, Map.of("BIG", "ssm:///" + "a".repeat(1 << 20)), "BIG");
        expectRejected("huge", new String[] {"init"}, Map.of("BIG", "ssm:///a:" + "7".repeat(1 << 20)), "BIG");
        expectRejected("huge", new String[] {"init", "--refresh-interval", "9".repeat(1 << 20)}, ref, "--refresh-interval");
        expectRejected("huge", new String[] {"init"}, env(ref, "SIDECAR_ALLOW", "/a,".repeat(1 << 18) + ","), "SIDECAR_ALLOW");
        expectRejected("huge", new String[] {"init"}, env(ref, "SIDECAR_TOKEN", "t".repeat(5000)), "SIDECAR_TOKEN");
        expectRejected("huge", new String[] {"init", "--" + "z".repeat(100_000)}, ref, "--zzzz");
        for (int i = 0; i < 12; i++) {
            expectRejected("huge", new String[] {"init"}, Map.of("K" + i, "ssm:///" + randomWord(random, 3000 + i * 1000)
                    .replace('_', '/')), "K" + i);
        }

        Path big = tmp.resolve("config-big.json");
        Files.writeString(big, "{\"outputDir\":\"" + "x".repeat(2 << 20) + "\"}");
        expectRejected("config", new String[] {"init", "--config", big.toString()}, ref, big.toString());
        List<String> garbage = List.of("{", "[]", "null", "{\"refreshInterval\": }", "{\"secrets\": {\"A\": 5}}",
                "{\"refreshInterval\": \"1s\"}", "{\"unknownKey\": 1}", "{\"secrets\": {\"../x\": \"ssm:///a\"}}",
                "{\"bundles\": [{\"kind\": \"env\", \"file\": \"../../etc/x\"}]}", "\u0000\u0001", "{\"a\":1}{",
                "{\"httpPort\": 1e400}", "{\"secrets\": []}", "{\"fileMode\": \"0999\"}", "{\"outputDir\": \"/\"}");
        for (int i = 0; i < garbage.size() * 4; i++) {
            String text = garbage.get(i % garbage.size());
            if (i >= garbage.size()) {
                text = text.substring(0, random.nextInt(text.length() + 1)) + randomWord(random, random.nextInt(5));
            }
            Path file = tmp.resolve("config-" + i + ".json");
            Files.writeString(file, text);
            // The config file's outputDir counts only when no variable sets one (an empty variable is unset).
            Map<String, String> env = text.contains("outputDir") ? env(ref, "SIDECAR_OUTPUT_DIR", "") : ref;
            expectRejected("config", new String[] {"init", "--config", file.toString()}, env, file.toString());
        }
        Figures.record("hostile-cli", "cases by kind (unknown settings, huge values, malformed config files)",
                casesByKind.toString());
    }

    @Test
    void keysAndFileNamesTryingToLeaveTheOutputDirectory_areRejected_andNothingIsWritten() throws Exception {
        List<String> names = List.of("..", ".", "../x", "../../etc/passwd", "/etc/passwd", "a/b", "a\\b", "a%2Fb",
                "..%2F..%2Fx", "%2e%2e", "a\0b", ".hidden", ".token", "..data", "-rf", "x".repeat(201), "a b", "ü",
                "a\nb", "~root", "$HOME", "a:b", "", "\u202egnp.exe");
        for (String name : names) {
            String shown = name.isEmpty() ? "empty" : firstPrintable(name);
            expectRejected("escaping key", new String[] {"init"}, Map.of(name, "ssm:///prod/x"), shown);
            if (!name.isEmpty()) {
                expectRejected("escaping bundle", new String[] {"init", "--bundles", "env:" + name},
                        Map.of("DB", "ssm:///prod/x"), "--bundles");
                Path template = tmp.resolve("config-t.tmpl");
                Files.writeString(template, "{{ DB }}");
                expectRejected("escaping template", new String[] {"init", "--templates", template + ":" + name},
                        Map.of("DB", "ssm:///prod/x"), "--templates");
                Path config = tmp.resolve("config-k.json");
                Files.writeString(config, "{\"secrets\": {" + jsonString(name) + ": \"ssm:///prod/x\"}}");
                expectRejected("escaping config key", new String[] {"init", "--config", config.toString()}, Map.of(),
                        config.toString());
            }
        }
        expectRejected("output dir /", new String[] {"init", "--output-dir", "/"}, Map.of("DB", "ssm:///prod/x"),
                "--output-dir");
        Figures.record("hostile-cli", "escaping names rejected (as key, bundle, template, config key)",
                casesByKind.entrySet().stream().filter(e -> e.getKey().startsWith("escaping"))
                        .mapToInt(Map.Entry::getValue).sum());
    }

    /** A run of the name's plain characters the message is sure to quote (escaping may change the others). */
    private static String firstPrintable(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (c < 0x20 || c > 0x7e || c == '\\' || c == '"') {
                break;
            }
            b.append(c);
            if (b.length() == 20) {
                break;
            }
        }
        return b.length() == 0 ? "cannot be a key" : b.toString();
    }

    private static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static Map<String, String> env(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    private static String randomWord(SplittableRandom random, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append((char) ('A' + random.nextInt(26)));
        }
        return b.toString();
    }
}
