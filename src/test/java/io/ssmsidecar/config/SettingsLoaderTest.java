package io.ssmsidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SettingsLoaderTest {

    @TempDir
    Path dir;

    private static Settings load(Map<String, String> env, String... flags) throws ConfigException {
        return SettingsLoader.load(List.of(flags), env);
    }

    private static ConfigException failure(Map<String, String> env, String... flags) {
        try {
            load(env, flags);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected a ConfigException");
    }

    private static String flagOf(String env) {
        return "--" + env.substring("SIDECAR_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String configKeyOf(String env) {
        String[] words = env.substring("SIDECAR_".length()).toLowerCase(Locale.ROOT).split("_");
        StringBuilder b = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            b.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return b.toString();
    }

    // ---- defaults -----------------------------------------------------------------------------------------

    @Test
    void load_withNothingGiven_givesTheDefaults() throws ConfigException {
        Settings s = load(Map.of("HOME", "/root", "PATH", "/bin"));

        assertThat(s).isEqualTo(Settings.defaults(List.of()));
        assertThat(s.output().dir()).isEqualTo(Path.of("/run/secrets"));
        assertThat(s.output().fileMode()).isEqualTo(0440);
        assertThat(s.http().address()).isEqualTo("127.0.0.1");
        assertThat(s.http().port()).isEqualTo(2773);
        assertThat(s.refresh().interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.http().token()).isEmpty();
    }

    // ---- every setting: valid values, through env, both flag forms and the config file ----------------------

    static Stream<Arguments> validValues() {
        return Stream.of(
                row("SIDECAR_OUTPUT_DIR", "/tmp/out", s -> s.output().dir(), Path.of("/tmp/out")),
                row("SIDECAR_OUTPUT_DIR", "/run/app..secrets/./x", s -> s.output().dir(), Path.of("/run/app..secrets/x")),
                row("SIDECAR_FILE_MODE", "0400", s -> s.output().fileMode(), 0400),
                row("SIDECAR_FILE_MODE", "640", s -> s.output().fileMode(), 0640),
                row("SIDECAR_FILE_MODE", "0777", s -> s.output().fileMode(), 0777),
                row("SIDECAR_FILE_UID", "0", s -> s.output().fileUid(), OptionalInt.of(0)),
                row("SIDECAR_FILE_UID", "2147483647", s -> s.output().fileUid(), OptionalInt.of(Integer.MAX_VALUE)),
                row("SIDECAR_FILE_GID", "1000", s -> s.output().fileGid(), OptionalInt.of(1000)),
                row("SIDECAR_HTTP_ADDRESS", "127.0.0.2", s -> s.http().address(), "127.0.0.2"),
                row("SIDECAR_HTTP_ADDRESS", "::1", s -> s.http().address(), "::1"),
                row("SIDECAR_HTTP_ADDRESS", "[::1]", s -> s.http().address(), "::1"),
                row("SIDECAR_HTTP_ADDRESS", "localhost", s -> s.http().address(), "localhost"),
                row("SIDECAR_HTTP_PORT", "0", s -> s.http().port(), 0),
                row("SIDECAR_HTTP_PORT", "65535", s -> s.http().port(), 65535),
                row("SIDECAR_HTTP_ALLOW_REMOTE", "true", s -> s.http().allowRemote(), true),
                row("SIDECAR_HTTP_ALLOW_REMOTE", "FALSE", s -> s.http().allowRemote(), false),
                row("SIDECAR_MAX_CONNECTIONS", "1", s -> s.http().maxConnections(), 1),
                row("SIDECAR_MAX_CONNECTIONS", "10000", s -> s.http().maxConnections(), 10000),
                row("SIDECAR_ALLOW", "/prod/app/", s -> s.onDemand().allow(), List.of("/prod/app/")),
                row("SIDECAR_ALLOW", "/a/, /aws/reference/secretsmanager/prod-,/a/", s -> s.onDemand().allow(),
                        List.of("/a/", "/aws/reference/secretsmanager/prod-")),
                row("SIDECAR_ALLOW", "sm://prod/,sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/,sm://",
                        s -> s.onDemand().allow(), List.of("sm://prod/",
                                "sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/", "sm://")),
                row("SIDECAR_ALLOWED_HOSTS", "sidecar.internal, 10.0.3.7,[::2],Secrets.Example.", s -> s.http().allowedHosts(),
                        List.of("sidecar.internal", "10.0.3.7", "[::2]", "Secrets.Example.")),
                row("SIDECAR_CACHE_SIZE", "0", s -> s.onDemand().cacheSize(), 0),
                row("SIDECAR_CACHE_SIZE", "100000", s -> s.onDemand().cacheSize(), 100000),
                row("SIDECAR_ON_DEMAND_CALLS", "1", s -> s.onDemand().calls(), 1),
                row("SIDECAR_ON_DEMAND_CALLS", "64", s -> s.onDemand().calls(), 64),
                row("SIDECAR_NOT_FOUND_TTL", "0", s -> s.onDemand().notFoundTtl(), Duration.ZERO),
                row("SIDECAR_NOT_FOUND_TTL", "1h", s -> s.onDemand().notFoundTtl(), Duration.ofHours(1)),
                row("SIDECAR_REFRESH_INTERVAL", "10s", s -> s.refresh().interval(), Duration.ofSeconds(10)),
                row("SIDECAR_REFRESH_INTERVAL", "24h", s -> s.refresh().interval(), Duration.ofHours(24)),
                row("SIDECAR_REFRESH_INTERVAL", "1h30m", s -> s.refresh().interval(), Duration.ofMinutes(90)),
                row("SIDECAR_REFRESH_INTERVAL", "90s", s -> s.refresh().interval(), Duration.ofSeconds(90)),
                row("SIDECAR_REFRESH_INTERVAL", "10500ms", s -> s.refresh().interval(), Duration.ofMillis(10500)),
                row("SIDECAR_MAX_STALENESS", "off", s -> s.refresh().maxStaleness(), Optional.empty()),
                row("SIDECAR_MAX_STALENESS", "10m", s -> s.refresh().maxStaleness(), Optional.of(Duration.ofMinutes(10))),
                row("SIDECAR_MAX_STALENESS", "720h", s -> s.refresh().maxStaleness(), Optional.of(Duration.ofHours(720))),
                row("SIDECAR_STARTUP_TIMEOUT", "1s", s -> s.refresh().startupTimeout(), Duration.ofSeconds(1)),
                row("SIDECAR_STARTUP_TIMEOUT", "1h", s -> s.refresh().startupTimeout(), Duration.ofHours(1)),
                row("SIDECAR_ON_CHANGE_URL", "http://127.0.0.1:8080/reload", s -> s.onChange().url(),
                        Optional.of(URI.create("http://127.0.0.1:8080/reload"))),
                row("SIDECAR_ON_CHANGE_URL", "http://localhost/r", s -> s.onChange().url(),
                        Optional.of(URI.create("http://localhost/r"))),
                row("SIDECAR_ON_CHANGE_URL", "http://[::1]:9/r", s -> s.onChange().url(),
                        Optional.of(URI.create("http://[::1]:9/r"))),
                row("SIDECAR_ON_CHANGE_URL", "https://app.example.com/reload", s -> s.onChange().url(),
                        Optional.of(URI.create("https://app.example.com/reload"))),
                row("SIDECAR_ON_CHANGE_COMMAND", "kill -HUP 1", s -> s.onChange().command(), Optional.of("kill -HUP 1")),
                row("SIDECAR_ON_CHANGE_PROCESS", "nginx", s -> s.onChange().process(), Optional.of("nginx")),
                row("SIDECAR_ON_CHANGE_PID_FILE", "/run/app.pid", s -> s.onChange().pidFile(),
                        Optional.of(Path.of("/run/app.pid"))),
                row("SIDECAR_NOTIFY_WINDOW", "0", s -> s.onChange().window(), Duration.ZERO),
                row("SIDECAR_NOTIFY_WINDOW", "250ms", s -> s.onChange().window(), Duration.ofMillis(250)),
                row("SIDECAR_NOTIFY_WINDOW", "1m", s -> s.onChange().window(), Duration.ofMinutes(1)),
                row("SIDECAR_BUNDLES", "env:app.env", s -> s.output().bundles(), List.of(new Settings.Bundle("env", "app.env", 0440))),
                row("SIDECAR_BUNDLES", "dotenv:app.dotenv,properties:app.properties:0400, json:secrets.json",
                        s -> s.output().bundles(), null),
                row("SIDECAR_LOG_FORMAT", "json", s -> s.logging().format(), Log.Format.JSON),
                row("SIDECAR_LOG_FORMAT", "TEXT", s -> s.logging().format(), Log.Format.TEXT),
                row("SIDECAR_LOG_LEVEL", "debug", s -> s.logging().level(), Log.Level.DEBUG),
                row("SIDECAR_LOG_LEVEL", "error", s -> s.logging().level(), Log.Level.ERROR));
    }

    private static Arguments row(String env, String value, Function<Settings, ?> field, Object expected) {
        return arguments(env, value, field, expected);
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("validValues")
    void load_acceptsValidValue_fromEveryKindOfSource(String env, String value, Function<Settings, ?> field,
                                                       Object expected) throws Exception {
        if (expected == null) {
            // A multi-item list whose exact shape has its own test: here only acceptance from every source.
            assertThat(field.apply(load(Map.of(env, value)))).asList().hasSize(3);
            return;
        }
        assertThat(field.apply(load(Map.of(env, value)))).as("env").isEqualTo(expected);
        assertThat(field.apply(load(Map.of(), flagOf(env) + "=" + value))).as("--flag=value").isEqualTo(expected);
        if (!env.equals("SIDECAR_HTTP_ALLOW_REMOTE")) {
            assertThat(field.apply(load(Map.of(), flagOf(env), value))).as("--flag value").isEqualTo(expected);
        }
        Path config = write("c.json", "{\"" + configKeyOf(env) + "\": \"" + value + "\"}");
        assertThat(field.apply(load(Map.of("SIDECAR_CONFIG_FILE", config.toString())))).as("config file")
                .isEqualTo(expected);
    }

    @Test
    void load_readsNumbersAndBooleans_asJsonScalarsInTheConfigFile() throws Exception {
        Path config = write("c.json", """
                {"httpPort": 8080, "httpAllowRemote": true, "httpAddress": "0.0.0.0", "fileUid": 1000}""");

        Settings s = load(Map.of(), "--config", config.toString());

        assertThat(s.http().port()).isEqualTo(8080);
        assertThat(s.http().allowRemote()).isTrue();
        assertThat(s.http().address()).isEqualTo("0.0.0.0");
        assertThat(s.output().fileUid()).hasValue(1000);
    }

    @Test
    void load_booleanFlagAlone_meansTrue() throws ConfigException {
        assertThat(load(Map.of(), "--http-allow-remote").http().allowRemote()).isTrue();
        assertThat(load(Map.of(), "--http-allow-remote=false").http().allowRemote()).isFalse();
    }

    // ---- every setting: invalid values --------------------------------------------------------------------

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            SIDECAR_OUTPUT_DIR        | /                | SIDECAR_OUTPUT_DIR must be a directory other than the root, got /
            SIDECAR_OUTPUT_DIR        | `  `             | SIDECAR_OUTPUT_DIR must not be blank
            SIDECAR_OUTPUT_DIR        | /tmp/..          | SIDECAR_OUTPUT_DIR must be an absolute directory path without .. segments (such as /run/secrets), got /tmp/..
            SIDECAR_OUTPUT_DIR        | /run/../etc/x    | SIDECAR_OUTPUT_DIR must be an absolute directory path without .. segments (such as /run/secrets), got /run/../etc/x
            SIDECAR_OUTPUT_DIR        | relative/dir     | SIDECAR_OUTPUT_DIR must be an absolute directory path without .. segments (such as /run/secrets), got relative/dir
            SIDECAR_FILE_MODE         | 0200             | SIDECAR_FILE_MODE must be an octal file mode from 0400 to 0777 that lets the owner read (such as 0440), got 0200
            SIDECAR_FILE_MODE         | 0888             | got 0888
            SIDECAR_FILE_MODE         | 01440            | got 01440
            SIDECAR_FILE_MODE         | rw-r-----        | got rw-r-----
            SIDECAR_FILE_UID          | -1               | SIDECAR_FILE_UID must be a whole number between 0 and 2147483647, got -1
            SIDECAR_FILE_UID          | 2147483648       | SIDECAR_FILE_UID must be between 0 and 2147483647, got 2147483648
            SIDECAR_FILE_GID          | root             | SIDECAR_FILE_GID must be a whole number between 0 and 2147483647, got root
            SIDECAR_HTTP_ADDRESS      | 0.0.0.0          | SIDECAR_HTTP_ADDRESS 0.0.0.0 is not a loopback address: other hosts could reach the secrets; set SIDECAR_HTTP_ALLOW_REMOTE=true (--http-allow-remote) to bind it anyway
            SIDECAR_HTTP_ADDRESS      | 10.0.0.5         | 10.0.0.5 is not a loopback address
            SIDECAR_HTTP_ADDRESS      | ::               | SIDECAR_HTTP_ADDRESS :: is not a loopback address
            SIDECAR_HTTP_ADDRESS      | example.com      | SIDECAR_HTTP_ADDRESS must be an IP address (such as 127.0.0.1 or ::1) or localhost; host names are not resolved, got example.com
            SIDECAR_HTTP_ADDRESS      | 127.0.0.256      | got 127.0.0.256
            SIDECAR_HTTP_ADDRESS      | 127.1            | got 127.1
            SIDECAR_HTTP_ADDRESS      | 127.000.0.1      | got 127.000.0.1
            SIDECAR_HTTP_ADDRESS      | :::::            | got :::::
            SIDECAR_HTTP_PORT         | 65536            | SIDECAR_HTTP_PORT must be between 0 and 65535, got 65536
            SIDECAR_HTTP_PORT         | 80a              | SIDECAR_HTTP_PORT must be a whole number between 0 and 65535, got 80a
            SIDECAR_HTTP_PORT         | ` 80`            | got " 80"
            SIDECAR_HTTP_ALLOW_REMOTE | yes              | SIDECAR_HTTP_ALLOW_REMOTE must be true or false, got yes
            SIDECAR_MAX_CONNECTIONS   | 0                | SIDECAR_MAX_CONNECTIONS must be between 1 and 10000, got 0
            SIDECAR_MAX_CONNECTIONS   | 10001            | SIDECAR_MAX_CONNECTIONS must be between 1 and 10000, got 10001
            SIDECAR_ALLOW             | /prod/,,/x/      | SIDECAR_ALLOW has an empty item; separate items with single commas, got /prod/,,/x/
            SIDECAR_ALLOW             | /prod/*          | SIDECAR_ALLOW must be a list of parameter name prefixes
            SIDECAR_ALLOW             | sm://arn:aws:secretsmanager:eu-west-1:secret:x | or secret name or ARN prefixes after sm:// (an ARN up to its account and
            SIDECAR_ALLOW             | ssm:///prod/     | SIDECAR_ALLOW must be a list of parameter name prefixes
            SIDECAR_ALLOWED_HOSTS     | evil:2773        | SIDECAR_ALLOWED_HOSTS must be a list of host names or IP addresses without port or scheme, such as my-sidecar.internal,10.0.3.7, got evil:2773
            SIDECAR_ALLOWED_HOSTS     | http://a.example | SIDECAR_ALLOWED_HOSTS must be a list of host names or IP addresses
            SIDECAR_ALLOWED_HOSTS     | *.example        | SIDECAR_ALLOWED_HOSTS must be a list of host names or IP addresses
            SIDECAR_ALLOWED_HOSTS     | a..b             | SIDECAR_ALLOWED_HOSTS must be a list of host names or IP addresses
            SIDECAR_CACHE_SIZE        | 100001           | SIDECAR_CACHE_SIZE must be between 0 and 100000, got 100001
            SIDECAR_ON_DEMAND_CALLS   | 0                | SIDECAR_ON_DEMAND_CALLS must be between 1 and 64, got 0
            SIDECAR_ON_DEMAND_CALLS   | 65               | SIDECAR_ON_DEMAND_CALLS must be between 1 and 64, got 65
            SIDECAR_NOT_FOUND_TTL     | 61m              | SIDECAR_NOT_FOUND_TTL must be between 0s and 1h, got 61m
            SIDECAR_NOT_FOUND_TTL     | 30               | SIDECAR_NOT_FOUND_TTL must be a duration such as
            SIDECAR_REFRESH_INTERVAL  | 3s               | SIDECAR_REFRESH_INTERVAL must be between 10s and 24h, got 3s
            SIDECAR_REFRESH_INTERVAL  | 25h              | SIDECAR_REFRESH_INTERVAL must be between 10s and 24h, got 25h
            SIDECAR_REFRESH_INTERVAL  | 9999ms           | must be between 10s and 24h, got 9999ms
            SIDECAR_REFRESH_INTERVAL  | 30               | SIDECAR_REFRESH_INTERVAL must be a duration such as 500ms, 10s, 5m, 1h or 1h30m (a unit is required: 30s? 30m?), got 30
            SIDECAR_REFRESH_INTERVAL  | 5 minutes        | SIDECAR_REFRESH_INTERVAL must be a duration such as 500ms, 10s, 5m, 1h or 1h30m, got "5 minutes"
            SIDECAR_REFRESH_INTERVAL  | 1d               | must be a duration such as
            SIDECAR_REFRESH_INTERVAL  | -5m              | must be a duration such as
            SIDECAR_REFRESH_INTERVAL  | PT5M             | must be a duration such as
            SIDECAR_REFRESH_INTERVAL  | 1h30             | must be a duration such as
            SIDECAR_MAX_STALENESS     | 9m               | SIDECAR_MAX_STALENESS must be off or at least twice the refresh interval (10m), so one late, jittered refresh does not fail readiness, got 9m
            SIDECAR_MAX_STALENESS     | 721h             | SIDECAR_MAX_STALENESS must be between 0s and 720h, got 721h
            SIDECAR_MAX_STALENESS     | never            | SIDECAR_MAX_STALENESS must be a duration such as
            SIDECAR_STARTUP_TIMEOUT   | 500ms            | SIDECAR_STARTUP_TIMEOUT must be between 1s and 1h, got 500ms
            SIDECAR_STARTUP_TIMEOUT   | 61m              | SIDECAR_STARTUP_TIMEOUT must be between 1s and 1h, got 61m
            SIDECAR_NOTIFY_WINDOW     | 1m1ms            | SIDECAR_NOTIFY_WINDOW must be between 0s and 1m, got 1m1ms
            SIDECAR_ON_CHANGE_URL     | ftp://127.0.0.1/ | SIDECAR_ON_CHANGE_URL must be an http:// or https:// URL with a host, got ftp://127.0.0.1/
            SIDECAR_ON_CHANGE_URL     | /reload          | SIDECAR_ON_CHANGE_URL must be an http:// or https:// URL with a host, got /reload
            SIDECAR_ON_CHANGE_URL     | http://a b/      | SIDECAR_ON_CHANGE_URL must be an http:// or https:// URL, got "http://a b/"
            SIDECAR_ON_CHANGE_URL     | http://10.1.2.3/ | SIDECAR_ON_CHANGE_URL sends plain http to 10.1.2.3, which is not a loopback address; use https or a loopback address, or set SIDECAR_HTTP_ALLOW_REMOTE=true
            SIDECAR_ON_CHANGE_URL     | http://app:8080/ | sends plain http to app, which is not a loopback address
            SIDECAR_ON_CHANGE_COMMAND | ` `              | SIDECAR_ON_CHANGE_COMMAND must not be blank
            SIDECAR_ON_CHANGE_SIGNAL  | KILL             | SIDECAR_ON_CHANGE_SIGNAL must be one of HUP, INT, TERM, USR1, USR2, QUIT, got KILL
            SIDECAR_ON_CHANGE_SIGNAL  | HUP              | SIDECAR_ON_CHANGE_SIGNAL needs a process to signal: set SIDECAR_ON_CHANGE_PID_FILE or SIDECAR_ON_CHANGE_PROCESS
            SIDECAR_ON_CHANGE_PID_FILE| app.pid          | SIDECAR_ON_CHANGE_PID_FILE must be an absolute path, got app.pid
            SIDECAR_ON_CHANGE_PROCESS | `a\tb`           | SIDECAR_ON_CHANGE_PROCESS must be free of control characters
            SIDECAR_BUNDLES           | yaml:app.yaml    | SIDECAR_BUNDLES: bundle kind must be one of env, dotenv, properties, json, got yaml
            SIDECAR_BUNDLES           | env:../app.env   | SIDECAR_BUNDLES: bundle file ../app.env is not allowed: it starts with '.'
            SIDECAR_BUNDLES           | env:a/b.env      | bundle file a/b.env is not allowed: it contains '/', a path separator
            SIDECAR_BUNDLES           | env:.token       | bundle file .token is not allowed: it starts with '.', which is reserved
            SIDECAR_BUNDLES           | env              | SIDECAR_BUNDLES: each item must be kind:file[:mode], got env
            SIDECAR_BUNDLES           | env:a:0440:x     | SIDECAR_BUNDLES: each item must be kind:file[:mode], got env:a:0440:x
            SIDECAR_BUNDLES           | env:             | SIDECAR_BUNDLES: an item has no file; each item is kind:file[:mode]
            SIDECAR_BUNDLES           | env:a.env:0044   | SIDECAR_BUNDLES: the mode of a.env must be an octal file mode from 0400 to 0777
            SIDECAR_BUNDLES           | env:a,json:a     | bundle file a is also written as bundle file a; give each output its own name
            SIDECAR_TEMPLATES         | /nope.tmpl:out   | SIDECAR_TEMPLATES: template source /nope.tmpl is not a readable file
            SIDECAR_TEMPLATES         | x                | SIDECAR_TEMPLATES: each item must be src:dest[:mode], got x
            SIDECAR_LOG_FORMAT        | xml              | SIDECAR_LOG_FORMAT must be one of text, json, got xml
            SIDECAR_LOG_LEVEL         | trace            | SIDECAR_LOG_LEVEL must be one of debug, info, warn, error, got trace
            """)
    void load_rejectsInvalidValue_namingSettingValueAndRange(String env, String value, String message) {
        ConfigException e = failure(Map.of(env, value));

        assertThat(e.problems()).hasSize(1);
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void load_namesTheFlag_whenTheBadValueCameFromAFlag() {
        assertThat(failure(Map.of(), "--refresh-interval", "3s").getMessage())
                .isEqualTo("--refresh-interval must be between 10s and 24h, got 3s");
    }

    @Test
    void load_namesTheConfigKeyAndFile_whenTheBadValueCameFromTheFile() throws IOException {
        Path config = write("c.json", "{\"refreshInterval\": \"3s\"}");

        assertThat(failure(Map.of(), "--config=" + config).getMessage())
                .isEqualTo("refreshInterval in " + config + " must be between 10s and 24h, got 3s");
    }

    @Test
    void load_allowsNonLoopbackAddress_onlyWithAllowRemote() throws ConfigException {
        assertThat(load(Map.of("SIDECAR_HTTP_ADDRESS", "0.0.0.0", "SIDECAR_HTTP_ALLOW_REMOTE", "true")).http().address())
                .isEqualTo("0.0.0.0");
        assertThat(load(Map.of("SIDECAR_ON_CHANGE_URL", "http://app:8080/r"), "--http-allow-remote").onChange().url())
                .contains(URI.create("http://app:8080/r"));
    }

    @Test
    void load_maxStaleness_followsTheRefreshInterval() throws ConfigException {
        assertThat(load(Map.of("SIDECAR_REFRESH_INTERVAL", "10s", "SIDECAR_MAX_STALENESS", "20s")).refresh().maxStaleness())
                .contains(Duration.ofSeconds(20));
        assertThat(failure(Map.of("SIDECAR_REFRESH_INTERVAL", "1h", "SIDECAR_MAX_STALENESS", "90m")).getMessage())
                .contains("at least twice the refresh interval (2h)");
    }

    @Test
    void load_signal_defaultsToHup_andAcceptsSigPrefix() throws ConfigException {
        assertThat(load(Map.of("SIDECAR_ON_CHANGE_PROCESS", "nginx")).onChange().signal()).contains("HUP");
        assertThat(load(Map.of("SIDECAR_ON_CHANGE_PROCESS", "nginx", "SIDECAR_ON_CHANGE_SIGNAL", "sigusr1"))
                .onChange().signal()).contains("USR1");
        assertThat(failure(Map.of("SIDECAR_ON_CHANGE_PROCESS", "nginx", "SIDECAR_ON_CHANGE_PID_FILE", "/run/a.pid"))
                .getMessage()).isEqualTo("set only one of SIDECAR_ON_CHANGE_PID_FILE and SIDECAR_ON_CHANGE_PROCESS"
                + " (which process to signal)");
    }

    @Test
    void load_bundles_parseKindFileAndMode_withTheFileModeAsDefault() throws ConfigException {
        Settings s = load(Map.of("SIDECAR_BUNDLES", "env:app.env, json:secrets.json:0400", "SIDECAR_FILE_MODE", "0600"));

        assertThat(s.output().bundles()).containsExactly(new Settings.Bundle("env", "app.env", 0600),
                new Settings.Bundle("json", "secrets.json", 0400));
    }

    @Test
    void load_bundleNamedLikeASecret_isAnError() {
        assertThat(failure(Map.of("DB", "ssm:///db", "SIDECAR_BUNDLES", "env:DB")).getMessage())
                .isEqualTo("bundle file DB is also written as the secret DB; give each output its own name");
    }

    @Test
    void load_templates_fromEnvAndFromStructuredConfig() throws Exception {
        Path tmpl = write("app.tmpl", "password={{DB}}");
        Settings fromEnv = load(Map.of("SIDECAR_TEMPLATES", tmpl + ":app.conf:0400"));
        Path config = write("c.json", """
                {"templates": [{"source": "%s", "dest": "app.conf"}, "%s:other.conf"],
                 "bundles": [{"kind": "env", "file": "app.env", "mode": "0400"}, "json:all.json"]}"""
                .formatted(tmpl, tmpl));
        Settings fromFile = load(Map.of("SIDECAR_CONFIG_FILE", config.toString(), "SIDECAR_FILE_MODE", "0444"));

        assertThat(fromEnv.output().templates()).containsExactly(new Settings.Template(tmpl, "app.conf", 0400));
        assertThat(fromFile.output().templates()).containsExactly(new Settings.Template(tmpl, "app.conf", 0444),
                new Settings.Template(tmpl, "other.conf", 0444));
        assertThat(fromFile.output().bundles()).containsExactly(new Settings.Bundle("env", "app.env", 0400),
                new Settings.Bundle("json", "all.json", 0444));
    }

    @Test
    void load_structuredItem_withUnknownField_isAnErrorWithSuggestion() throws IOException {
        Path config = write("c.json", "{\"bundles\": [{\"kind\": \"env\", \"fiel\": \"a.env\"}]}");

        assertThat(failure(Map.of(), "--config", config.toString()).getMessage())
                .isEqualTo("bundles in " + config + ": unknown field fiel in an item; fields are kind, file, mode"
                        + " (did you mean file?)");
    }

    // ---- precedence ---------------------------------------------------------------------------------------

    @Test
    void load_precedence_isFlagThenEnvThenFileThenDefault() throws Exception {
        Path config = write("c.json", """
                {"httpPort": 1001, "cacheSize": 11, "maxConnections": 21, "logLevel": "warn"}""");
        Map<String, String> env = Map.of("SIDECAR_CONFIG_FILE", config.toString(),
                "SIDECAR_HTTP_PORT", "1002", "SIDECAR_CACHE_SIZE", "12");

        Settings s = load(env, "--http-port", "1003");

        assertThat(s.http().port()).as("flag over env and file").isEqualTo(1003);
        assertThat(s.onDemand().cacheSize()).as("env over file").isEqualTo(12);
        assertThat(s.http().maxConnections()).as("file over default").isEqualTo(21);
        assertThat(s.logging().level()).as("file").isEqualTo(Log.Level.WARN);
        assertThat(s.refresh().interval()).as("default").isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void load_configFlag_winsOverConfigEnv() throws Exception {
        Path flagFile = write("flag.json", "{\"httpPort\": 1}");
        Path envFile = write("env.json", "{\"httpPort\": 2}");

        Settings s = load(Map.of("SIDECAR_CONFIG_FILE", envFile.toString()), "--config-file=" + flagFile);

        assertThat(s.http().port()).isEqualTo(1);
    }

    @Test
    void load_emptyEnvValue_countsAsUnset() throws ConfigException {
        assertThat(load(Map.of("SIDECAR_HTTP_PORT", "", "SIDECAR_TOKEN", "")))
                .isEqualTo(Settings.defaults(List.of()));
    }

    // ---- references ----------------------------------------------------------------------------------------

    @Test
    void load_collectsReferences_fromEnvAndConfigFile_envWinning() throws Exception {
        Path config = write("c.json", """
                {"secrets": {"DB": "ssm:///file/db", "API": "ssm:///file/api?optional"}}""");
        Map<String, String> env = Map.of("SIDECAR_CONFIG_FILE", config.toString(), "DB", "ssm:///env/db",
                "SIDECAR_EXTRA", "ssm:///env/extra", "HOME", "/root");

        List<Reference> refs = load(env).references();

        assertThat(refs).extracting(Reference::key, Reference::name, Reference::optional).containsExactly(
                org.assertj.core.groups.Tuple.tuple("API", "/file/api", true),
                org.assertj.core.groups.Tuple.tuple("DB", "/env/db", false),
                org.assertj.core.groups.Tuple.tuple("SIDECAR_EXTRA", "/env/extra", false));
    }

    @Test
    void load_reportsBadReferences_fromEnvAndFile() throws IOException {
        Path config = write("c.json", "{\"secrets\": {\"A\": \"ssm://\", \"B\": \"plain-secret-value\"}}");

        ConfigException e = failure(Map.of("SIDECAR_CONFIG_FILE", config.toString(), "C", "ssm:///x?bad"));

        assertThat(e.problems()).containsExactly(
                "secrets in " + config + ": A=ssm://: no parameter name after ssm://",
                "secrets in " + config + ": B: the value does not start with ssm:// or sm:// (it is not shown, as it may be a secret)",
                "C=ssm:///x?bad: unknown option bad after '?'; allowed options: optional");
        assertThat(e.getMessage()).doesNotContain("plain-secret-value");
    }

    @Test
    void load_settingWithAReferenceValue_isAnError() {
        assertThat(failure(Map.of("SIDECAR_OUTPUT_DIR", "ssm:///x")).getMessage())
                .isEqualTo("SIDECAR_OUTPUT_DIR is a setting, so its value cannot be an ssm:// reference");
    }

    // ---- unknown names ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SIDECAR_REFRESH_INTERVALL | unknown setting SIDECAR_REFRESH_INTERVALL (did you mean SIDECAR_REFRESH_INTERVAL?); a variable that declares a secret has a value starting with ssm://
            SIDECAR_OUTPUTDIR         | unknown setting SIDECAR_OUTPUTDIR (did you mean SIDECAR_OUTPUT_DIR?)
            SIDECAR_TOKENFILE         | (did you mean SIDECAR_TOKEN_FILE?)
            SIDECAR_BANANA            | unknown setting SIDECAR_BANANA; a variable that declares a secret has a value starting with ssm://
            """)
    void load_unknownEnvVar_isNamed_withClosestKnownName(String name, String message) {
        assertThat(failure(Map.of(name, "1")).getMessage()).contains(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            --refresh-intervall=5m | unknown flag --refresh-intervall (did you mean --refresh-interval?)
            --outputdir=/x         | unknown flag --outputdir (did you mean --output-dir?)
            --sidecar-log-level=x  | unknown flag --sidecar-log-level (did you mean --log-level?)
            --verbose              | unknown flag --verbose
            --token=abc            | --token is not a flag, because a token on the command line shows in process listings; use SIDECAR_TOKEN or --token-file
            stray                  | unexpected argument stray; settings are given as --name VALUE or --name=VALUE
            --                     | unexpected argument --; settings are given as --name VALUE or --name=VALUE
            """)
    void load_unknownFlag_isNamed_withClosestKnownFlag(String flag, String message) {
        assertThat(failure(Map.of(), flag).getMessage()).isEqualTo(message);
    }

    @Test
    void load_flagProblems_missingValue_repeatedFlag_booleanWithSpace() {
        assertThat(failure(Map.of(), "--output-dir").getMessage())
                .isEqualTo("--output-dir needs a value: --output-dir DIR or --output-dir=DIR");
        assertThat(failure(Map.of(), "--output-dir", "--http-port=1").getMessage())
                .isEqualTo("--output-dir needs a value: --output-dir DIR or --output-dir=DIR");
        assertThat(failure(Map.of(), "--http-port=1", "--http-port=2").getMessage())
                .isEqualTo("--http-port is given more than once");
        assertThat(failure(Map.of(), "--http-allow-remote", "false").getMessage())
                .isEqualTo("unexpected argument false; write --http-allow-remote=false");
    }

    @Test
    void load_unknownConfigKey_isNamed_withClosestKnownKey() throws IOException {
        Path config = write("c.json", "{\"refresh_interval\": \"5m\", \"outputDirectory\": \"/x\", \"zzz\": 1,"
                + " \"token\": \"t0ps3cret\"}");

        ConfigException e = failure(Map.of(), "--config", config.toString());

        assertThat(e.problems()).containsExactly(
                "unknown key refresh_interval in config file " + config + " (did you mean refreshInterval?)",
                "unknown key outputDirectory in config file " + config,
                "unknown key zzz in config file " + config,
                "unknown key token in config file " + config
                        + " (the token is not read from the config file; use tokenFile or SIDECAR_TOKEN)");
        assertThat(e.getMessage()).doesNotContain("t0ps3cret");
    }

    // ---- config file errors -------------------------------------------------------------------------------------

    @Test
    void load_malformedJson_namesFileLineAndColumn() throws IOException {
        Path config = write("c.json", "{\n  \"httpPort\": 8080,\n  \"logLevel\" \"info\"\n}");

        String message = failure(Map.of(), "--config", config.toString()).getMessage();

        assertThat(message).startsWith("config file " + config + " is not valid JSON at line 3, column 14: ");
    }

    @Test
    void load_configFileProblems_areNamed() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertThat(failure(Map.of("SIDECAR_CONFIG_FILE", missing.toString())).getMessage())
                .isEqualTo("config file " + missing + " (SIDECAR_CONFIG_FILE) cannot be read: it does not exist");
        assertThat(failure(Map.of(), "--config", dir.toString()).getMessage())
                .isEqualTo("config file " + dir + " (--config) cannot be read: it is a directory");
        Path array = write("array.json", "[1, 2]");
        assertThat(failure(Map.of(), "--config", array.toString()).getMessage())
                .isEqualTo("config file " + array + " must hold a JSON object ({...})");
        Path empty = write("empty.json", "");
        assertThat(failure(Map.of(), "--config", empty.toString()).getMessage())
                .isEqualTo("config file " + empty + " must hold a JSON object ({...})");
        Path twice = write("twice.json", "{\"httpPort\": 1, \"httpPort\": 2}");
        assertThat(failure(Map.of(), "--config", twice.toString()).getMessage())
                .startsWith("config file " + twice + " is not valid JSON at line 1, column ")
                .contains("Duplicate field 'httpPort'");
        Path trailing = write("trailing.json", "{} {}");
        assertThat(failure(Map.of(), "--config", trailing.toString()).getMessage())
                .startsWith("config file " + trailing + " is not valid JSON at line 1");
        Path types = write("types.json", "{\"httpPort\": null, \"logLevel\": [\"info\"], \"secrets\": {\"A\": 1}}");
        assertThat(failure(Map.of(), "--config", types.toString()).problems()).containsExactly(
                "httpPort in " + types + " must be a string, number or boolean, got null",
                "logLevel in " + types + " must be a string, number or boolean, got an array",
                "secrets in " + types + ": the value of A must be a string such as \"ssm:///prod/db/password\"");
    }

    @Test
    void load_collectsEveryProblem_notJustTheFirst() {
        ConfigException e = failure(Map.of("SIDECAR_HTTP_PORT", "99999", "SIDECAR_LOG_LEVEL", "loud",
                "SIDECAR_FOO", "1", "BAD", "ssm://"), "--refresh-interval=1s", "--nope");

        assertThat(e.problems()).hasSize(6);
        assertThat(e.getMessage()).startsWith("6 configuration problems:\n  ")
                .contains("unknown flag --nope", "unknown setting SIDECAR_FOO", "BAD=ssm://: no parameter name",
                        "--refresh-interval must be between 10s and 24h, got 1s",
                        "SIDECAR_HTTP_PORT must be between 0 and 65535, got 99999",
                        "SIDECAR_LOG_LEVEL must be one of debug, info, warn, error, got loud");
    }

    // ---- token ---------------------------------------------------------------------------------------------

    @Test
    void token_comesFromTheFirstSourceGiven() throws Exception {
        Path flagFile = write("flag.token", "from-flag\n");
        Path envFile = write("env.token", "from-env-file\r\n");
        Path fileFile = write("file.token", "from-config-file");
        Path config = write("c.json", "{\"tokenFile\": \"" + fileFile + "\"}");
        Map<String, String> all = new HashMap<>(Map.of("SIDECAR_TOKEN", "literal", "SIDECAR_TOKEN_FILE",
                envFile.toString(), "SIDECAR_CONFIG_FILE", config.toString(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-aws"));

        assertThat(load(all, "--token-file", flagFile.toString()).http().token()).contains("from-flag");
        assertThat(load(all).http().token()).contains("literal");
        all.remove("SIDECAR_TOKEN");
        assertThat(load(all).http().token()).contains("from-env-file");
        all.remove("SIDECAR_TOKEN_FILE");
        assertThat(load(all).http().token()).contains("from-config-file");
        all.remove("SIDECAR_CONFIG_FILE");
        assertThat(load(all).http().token()).contains("from-aws");
        all.remove("AWS_CONTAINER_AUTHORIZATION_TOKEN");
        assertThat(load(all).http().token()).isEmpty();
    }

    @Test
    void token_fileUrl_inSidecarToken_readsTheFile() throws Exception {
        Path file = write("t", "url-token\n\n");

        assertThat(load(Map.of("SIDECAR_TOKEN", "file://" + file)).http().token()).contains("url-token");
        assertThat(failure(Map.of("SIDECAR_TOKEN", "file://host/x")).getMessage())
                .isEqualTo("SIDECAR_TOKEN names a file as file:///absolute/path; the host part must be empty");
    }

    @Test
    void token_problems_neverShowTheToken() throws Exception {
        Path missing = dir.resolve("nope.token");
        Path spaced = write("spaced.token", "s3cret with-space\n");
        Path multi = write("multi.token", "s3cret\nsecond-line\n");
        Path empty = write("empty.token", "\n");

        assertThat(failure(Map.of("SIDECAR_TOKEN_FILE", missing.toString())).getMessage())
                .isEqualTo("token file " + missing + " (SIDECAR_TOKEN_FILE) cannot be read: it does not exist");
        assertThat(failure(Map.of("SIDECAR_TOKEN_FILE", spaced.toString())).getMessage())
                .isEqualTo("token file " + spaced + " (SIDECAR_TOKEN_FILE): the token may hold only visible ASCII"
                        + " characters (no spaces, control characters or non-ASCII letters)")
                .doesNotContain("s3cret");
        assertThat(failure(Map.of(), "--token-file", multi.toString()).getMessage())
                .startsWith("token file " + multi + " (--token-file): the token may hold only visible ASCII")
                .doesNotContain("s3cret", "second-line");
        assertThat(failure(Map.of("SIDECAR_TOKEN_FILE", empty.toString())).getMessage())
                .isEqualTo("token file " + empty + " (SIDECAR_TOKEN_FILE) is empty; write the token into it, or unset"
                        + " SIDECAR_TOKEN_FILE to have one generated");
        assertThat(failure(Map.of("SIDECAR_TOKEN", "s3cret\u00e9")).getMessage())
                .isEqualTo("SIDECAR_TOKEN: the token may hold only visible ASCII characters (no spaces, control"
                        + " characters or non-ASCII letters)");
        assertThat(failure(Map.of("AWS_CONTAINER_AUTHORIZATION_TOKEN", "x".repeat(4097))).getMessage())
                .isEqualTo("AWS_CONTAINER_AUTHORIZATION_TOKEN: the token is longer than 4096 characters");
    }

    @Test
    void token_isMaskedInToString() throws ConfigException {
        Settings s = load(Map.of("SIDECAR_TOKEN", "t0ps3cret-token",
                "SIDECAR_ON_CHANGE_URL", "https://user:pa55word@app.example.com/reload"));

        assertThat(s.http().token()).contains("t0ps3cret-token");
        assertThat(s.toString()).doesNotContain("t0ps3cret-token", "pa55word")
                .contains("token=****", "fileMode=0440", "url=https://****@app.example.com/reload", "port=2773",
                        "interval=PT5M");
        assertThat(Settings.defaults(List.of()).toString()).contains("token=none").startsWith("Settings[references=[]");
    }

    // ---- help ----------------------------------------------------------------------------------------------

    @Test
    void flagsHelp_listsEveryEnvVarAndFlag() {
        for (Option o : Option.values()) {
            assertThat(SettingsLoader.FLAGS_HELP).contains(o.env());
            if (o.flag() != null) {
                assertThat(SettingsLoader.FLAGS_HELP).contains(o.flag());
            }
        }
        assertThat(SettingsLoader.FLAGS_HELP).contains("--http-allow-remote ", "--output-dir DIR",
                "Default: 5m. Allowed: 10s..24h.");
    }

    /**
     * Each setting is one field of one group of {@link Settings}, named as its config key ({@code fileMode}) or by
     * the key's last words ({@code output.dir} for {@code outputDir}); and each field of a group is one setting.
     */
    @Test
    void everySetting_isAFieldOfSettings_orAFileOrTokenSource() {
        List<String> fields = new ArrayList<>();
        for (java.lang.reflect.RecordComponent group : Settings.class.getRecordComponents()) {
            if (group.getType().isRecord()) {
                Stream.of(group.getType().getRecordComponents()).forEach(c -> fields.add(group.getName() + "." + c.getName()));
            }
        }
        List<String> matched = new ArrayList<>();
        for (Option o : Option.values()) {
            if (o != Option.CONFIG_FILE && o != Option.TOKEN_FILE) {
                // SIDECAR_TOKEN has no config key (a token belongs in no file); it is the field http.token.
                // A family of variables (one per account or region) has no config key: it is one map field.
                String key = o == Option.TOKEN ? "token" : o == Option.ROLE_ARN_ACCOUNT ? "accountRoles"
                        : o == Option.ENDPOINT_URL_REGION ? "regionEndpoints" : o.configKey;
                // A field named exactly as the key wins over one named by the key's last words (restartSignal is
                // supervision.restartSignal, not onChange.signal).
                List<String> exact = fields.stream().filter(f -> key.equals(f.substring(f.indexOf('.') + 1))).toList();
                List<String> of = !exact.isEmpty() ? exact
                        : fields.stream().filter(f -> names(key, f.substring(f.indexOf('.') + 1))).toList();
                assertThat(of).as(o.name()).hasSize(1);
                matched.addAll(of);
                if (o != Option.TOKEN && o.familyPrefix() == null) {
                    assertThat(configKeyOf(o.env())).isEqualTo(o.configKey);
                }
            }
        }
        assertThat(matched).as("fields that are a setting").containsExactlyInAnyOrderElementsOf(fields);
    }

    private static boolean names(String configKey, String field) {
        return configKey.equals(field)
                || configKey.endsWith(Character.toUpperCase(field.charAt(0)) + field.substring(1));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
