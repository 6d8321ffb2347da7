package io.ssmsidecar.config;

import io.ssmsidecar.log.Log;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Every setting's names and documentation: the env var {@code SIDECAR_<NAME>}, the flag derived from it
 * ({@code --name-in-lower-case}) and the config file key, and the one declaration of its default, range and help:
 * {@link Validator} checks against the range, {@link Settings#defaults} parses the default, {@code --help} prints
 * them, and ReadmeSettingsTest fails when the table of docs/settings.md says otherwise.
 */
enum Option {
    CONFIG_FILE(null, "FILE", "none", "a readable JSON file, at most 1 MiB",
            "JSON config file: settings by config key, plus \"secrets\", \"bundles\" and \"templates\""),
    OUTPUT_DIR("outputDir", "DIR", "/run/secrets",
            "an absolute directory path other than / and the system directories (/etc, /usr, /tmp, ...), without .. segments",
            "Directory the secret files are written to"),
    FILE_MODE("fileMode", "MODE", "0440", "octal 0400..0777 that lets the owner read",
            "Mode of every file written (per-key files, bundles and templates unless they set their own)"),
    FILE_UID("fileUid", "UID", "the process's own", Range.ints(0, Integer.MAX_VALUE),
            "Owner of the files written (the process needs the privilege to chown)"),
    FILE_GID("fileGid", "GID", "the process's own", Range.ints(0, Integer.MAX_VALUE), "Group of the files written"),
    HTTP_ADDRESS("httpAddress", "ADDRESS", "127.0.0.1", "an IP address (::1, [::1]) or localhost, never resolved;"
            + " a non-loopback address needs SIDECAR_HTTP_ALLOW_REMOTE=true", "Address the HTTP API listens on"),
    HTTP_PORT("httpPort", "PORT", "2773", Range.ints(0, 65535).written("%s..%s (0 picks a free port)"),
            "Port the HTTP API listens on"),
    HTTP_ALLOW_REMOTE("httpAllowRemote", null, "false", "true, false",
            "Allow a non-loopback listen address, and plain-http change notifications to other hosts"),
    ALLOWED_HOSTS("allowedHosts", "NAMES", "none: loopback names only (and the listen address when it is not loopback)",
            "comma-separated host names or IP addresses, without port (a JSON array in the file)",
            "Host header values the HTTP API accepts besides localhost, 127.0.0.0/8 and [::1]"),
    TOKEN(null, null, "generated into <output dir>/.token",
            "1.." + ApiToken.MAX_LENGTH + " visible ASCII characters, or file:///path",
            "API token the HTTP API demands (env only: a flag would show in process listings)"),
    TOKEN_FILE("tokenFile", "FILE", "none", "a readable, non-empty file",
            "File holding the API token (trailing newlines are dropped)"),
    MAX_CONNECTIONS("maxConnections", "N", "800", Range.ints(1, 10_000),
            "Requests waiting at once, per kind (long-polls; on-demand fetches), before 429"),
    ALLOW("allow", "PREFIXES", "none: declared secrets only",
            "comma-separated prefixes of letters, digits and _ . - / + = @; sm:// and a secret name or ARN prefix"
                    + " for Secrets Manager read directly (a JSON array in the file)",
            "Names the AWS-compatible endpoints may fetch on demand"),
    SDK_ENDPOINT("sdkEndpoint", "MODE", "off", "off, verify (SigV4 checked with the sidecar's credentials),"
            + " trust-loopback (any loopback caller)",
            "Answer the app's own AWS SDK (SSM and Secrets Manager wire protocol) on POST /; verify checks SigV4"),
    CACHE_SIZE("cacheSize", "N", "1000", Range.ints(0, 100_000), "On-demand entries kept"),
    ON_DEMAND_CALLS("onDemandCalls", "N", "4", Range.ints(1, 64),
            "SSM calls made at once on behalf of HTTP requests (on-demand misses, refreshNow); beyond, 429"),
    NOT_FOUND_TTL("notFoundTtl", "DURATION", "30s", Range.durations("0", "1h").written("%s..%s (0 turns it off)"),
            "How long a name SSM does not know is answered ParameterNotFound from memory"),
    REFRESH_INTERVAL("refreshInterval", "DURATION", "5m", Range.durations("10s", "24h"),
            "Time between refreshes (jittered)"),
    /** The lower bound, twice the refresh interval, depends on that setting: the Validator checks it. */
    MAX_STALENESS("maxStaleness", "DURATION", "off",
            Range.durations("0", "720h").written("off, or from twice the refresh interval to %2$s"),
            "/readyz turns 503 when a required secret has not refreshed for longer"),
    REFRESH_MAX_STRETCH("refreshMaxStretch", "PERCENT", "250", Range.ints(100, 1000),
            "Longest refresh interval SSM throttling may stretch to, jitter included, in percent of the refresh interval"
                    + " (below 110 = never)"),
    THROTTLE_BACKOFF_CAP("throttleBackoffCap", "DURATION", "15m", Range.durations("1s", "1h"),
            "Longest wait before retrying after SSM throttled the sidecar"),
    STARTUP_TIMEOUT("startupTimeout", "DURATION", "60s", Range.durations("1s", "1h"),
            "How long start-up retries transient SSM failures"),
    ROLE_ARN("roleArn", "ARN", "none: the task's own credentials",
            "an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/NAME",
            "Role assumed (sts:AssumeRole) for every AWS call; SIDECAR_ROLE_ARN_<ACCOUNT> wins for its account"),
    /** A family: one variable per account, {@code SIDECAR_ROLE_ARN_123456789012}. Environment only. */
    ROLE_ARN_ACCOUNT(null, null, "SIDECAR_ROLE_ARN if set", "ACCOUNT 12 digits; the value an IAM role ARN",
            "Role assumed for references by ARN into account ACCOUNT (sm:// secret or ssm:// parameter ARNs)"),
    ROLE_EXTERNAL_ID("roleExternalId", "ID", "none", "2..1224 letters, digits and _ + = , . @ : / -",
            "External id sent with every AssumeRole, when the role's trust policy demands one"),
    ROLE_SESSION_NAME("roleSessionName", "NAME", "ssm-sidecar", "2..64 letters, digits and _ + = , . @ -",
            "Session name of the assumed roles (shows in the owning account's CloudTrail)"),
    FAILOVER_REGIONS("failoverRegions", "REGIONS", "none",
            "comma-separated AWS region names such as us-west-2 (a JSON array in the file)",
            "Regions read, in order, when the primary region fails with a transient error"),
    /** A family: one variable per region, {@code SIDECAR_ENDPOINT_URL_US_WEST_2}. Environment only. */
    ENDPOINT_URL_REGION(null, null, "the SDK's regional endpoints",
            "REGION upper-cased with _ (US_WEST_2); the value an http:// or https:// URL",
            "Endpoint of both SSM and Secrets Manager in region REGION (local endpoints, tests)"),
    ON_CHANGE_URL("onChangeUrl", "URL", "none", "an http:// or https:// URL; plain http only to a loopback host"
            + " unless SIDECAR_HTTP_ALLOW_REMOTE=true",
            "URL POSTed to (changed keys and versions, never values) after a change"),
    ON_CHANGE_COMMAND("onChangeCommand", "COMMAND", "none", "a non-blank command line",
            "Command run through /bin/sh -c after a change"),
    ON_CHANGE_SIGNAL("onChangeSignal", "SIGNAL", "HUP when a process to signal is set",
            String.join(", ", Settings.ON_CHANGE_SIGNALS)
                    + " (any case, SIG prefix optional); needs a pid file or a process name",
            "Signal sent after a change"),
    ON_CHANGE_PID_FILE("onChangePidFile", "FILE", "none", "an absolute path; not together with a process name",
            "Process to signal, by pid file"),
    ON_CHANGE_PROCESS("onChangeProcess", "NAME", "none", "a command name without control characters",
            "Process to signal, by command name"),
    NOTIFY_WINDOW("notifyWindow", "DURATION", "1s", Range.durations("0", "1m"),
            "Changes within this window make one notification"),
    BUNDLES("bundles", "LIST", "none",
            "kind:file[:mode],... with kind " + oneOf(Validator.BUNDLE_KINDS) + ", file a name following the key rule",
            "Extra files holding every secret in one format"),
    TEMPLATES("templates", "LIST", "none",
            "src:dest[:mode],... with src a readable file, dest a name following the key rule",
            "Templates rendered into the output directory"),
    TEMPLATE_MAX_BYTES("templateMaxBytes", "BYTES", "4194304", Range.ints(1024, 64 * 1024 * 1024),
            "Largest file one template may render to; a larger one is not written (exit 2 at start)"),
    RESTART_ON_CHANGE("restartOnChange", null, "false", "true, false",
            "exec: stay as the command's parent, refresh, and restart the command when a value it received changes"),
    RESTART_SIGNAL("restartSignal", "SIGNAL", "TERM", String.join(", ", Settings.ON_CHANGE_SIGNALS)
            + " (any case, SIG prefix optional)",
            "exec --restart-on-change: signal that stops the command (and its process tree) for a restart"),
    RESTART_GRACE("restartGrace", "DURATION", "10s", Range.durations("0", "10m"),
            "exec --restart-on-change: how long the command may take to exit after the restart signal before SIGKILL"),
    RESTART_MIN_INTERVAL("restartMinInterval", "DURATION", "30s", Range.durations("0", "24h"),
            "exec --restart-on-change: shortest time from one start of the command to the next restart;"
                    + " changes in between wait and make one restart"),
    SIGNAL_ON_CHANGE("signalOnChange", "SIGNAL", "none: restart", String.join(", ", Settings.ON_CHANGE_SIGNALS)
            + " (any case, SIG prefix optional)",
            "exec --restart-on-change: send this signal to the command instead of restarting it"),
    RESTART_KEYS("restartKeys", "KEYS", "none: every variable that came from a reference",
            "comma-separated variable names (a JSON array in the file)",
            "exec --restart-on-change: only changes to these variables restart (or signal) the command"),
    RESTART_ON_EXIT("restartOnExit", "POLICY", "never", "never, on-failure, always",
            "exec --restart-on-change: whether the command's own exit ends exec (never) or restarts the command"
                    + " with backoff (on-failure: a non-zero exit or a death by signal; always)"),
    EXEC_HTTP("execHttp", null, "false", "true, false",
            "exec --restart-on-change: also serve the HTTP API (the SIDECAR_HTTP_* settings, as run) while supervising;"
                    + " off, nothing listens and no HTTP server class is loaded"),
    LOG_FORMAT("logFormat", "FORMAT", "text", String.join(", ", names(Log.Format.values())), "Log line format"),
    LOG_LEVEL("logLevel", "LEVEL", "info", String.join(", ", names(Log.Level.values())), "Lowest level logged");

    static final String ENV_PREFIX = "SIDECAR_";

    /** The key in the JSON config file, or null when the setting cannot be given there. */
    final String configKey;
    /** The flag's value placeholder in help; null for a boolean flag (or for no flag). */
    final String valueName;
    /**
     * The default as written in help and docs/settings.md; for a setting with a default value, that value in the
     * setting's own syntax, which {@link Settings#defaults} parses (so it cannot differ from what is documented).
     */
    final String defaultText;
    /** What the setting accepts, as help and the Allowed column of docs/settings.md say it. */
    final String allowed;
    /** The bounds the validator enforces, for numbers and durations; null for other settings. */
    final Range range;
    final String help;

    Option(String configKey, String valueName, String defaultText, String allowed, String help) {
        this(configKey, valueName, defaultText, allowed, null, help);
    }

    Option(String configKey, String valueName, String defaultText, Range range, String help) {
        this(configKey, valueName, defaultText, range.text(), range, help);
    }

    private Option(String configKey, String valueName, String defaultText, String allowed, Range range,
                   String help) {
        this.configKey = configKey;
        this.valueName = valueName;
        this.defaultText = defaultText;
        this.allowed = allowed;
        this.range = range;
        this.help = help;
    }

    /** The values of a choice as settings spell them: lower case, multi-word ones with a hyphen (trust-loopback). */
    static List<String> names(Enum<?>[] values) {
        return Stream.of(values).map(v -> v.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
    }

    private static String oneOf(List<String> values) {
        return String.join(", ", values.subList(0, values.size() - 1)) + " or " + values.get(values.size() - 1);
    }

    /** The default of a whole-number setting. */
    int intDefault() {
        return Integer.parseInt(defaultText);
    }

    /** The default of a duration setting. */
    Duration durationDefault() {
        return Durations.parse(defaultText).orElseThrow(() -> new IllegalStateException(name() + " default"));
    }

    /**
     * A setting's inclusive bounds, as whole numbers or durations (held in milliseconds), and how its Allowed text
     * is written: {@code format} gets the lower and the upper bound as written ({@code 0}, {@code 10s}, {@code 24h}).
     */
    record Range(long min, long max, boolean isDuration, String format) {
        static Range ints(int min, int max) {
            return new Range(min, max, false, "%s..%s");
        }

        static Range durations(String min, String max) {
            return new Range(millis(min), millis(max), true, "%s..%s");
        }

        private static long millis(String duration) {
            return Durations.parse(duration).orElseThrow(() -> new IllegalArgumentException(duration)).toMillis();
        }

        Range written(String newFormat) {
            return new Range(min, max, isDuration, newFormat);
        }

        int intMin() {
            return Math.toIntExact(min);
        }

        int intMax() {
            return Math.toIntExact(max);
        }

        Duration durationMin() {
            return Duration.ofMillis(min);
        }

        Duration durationMax() {
            return Duration.ofMillis(max);
        }

        String text() {
            return String.format(Locale.ROOT, format, text(min), text(max));
        }

        private String text(long bound) {
            // The docs write a zero duration as 0, which Durations reads too; format() would say 0s.
            return !isDuration ? Long.toString(bound) : bound == 0 ? "0" : Durations.format(Duration.ofMillis(bound));
        }
    }

    String env() {
        return switch (this) {
            case ROLE_ARN_ACCOUNT -> ENV_PREFIX + "ROLE_ARN_<ACCOUNT>";
            case ENDPOINT_URL_REGION -> ENV_PREFIX + "ENDPOINT_URL_<REGION>";
            default -> ENV_PREFIX + name();
        };
    }

    /**
     * For a family of variables (one per account, one per region), the prefix its members share
     * ({@code SIDECAR_ROLE_ARN_}); null for an ordinary setting.
     */
    String familyPrefix() {
        return switch (this) {
            case ROLE_ARN_ACCOUNT -> ENV_PREFIX + "ROLE_ARN_";
            case ENDPOINT_URL_REGION -> ENV_PREFIX + "ENDPOINT_URL_";
            default -> null;
        };
    }

    /** The flag, or null for env-only settings. {@code --config} is short for the derived {@code --config-file}. */
    String flag() {
        if (this == TOKEN || familyPrefix() != null) {
            return null;
        }
        return this == CONFIG_FILE ? "--config" : derivedFlag();
    }

    /** The flag spelt from the env var's name, e.g. {@code --output-dir}. */
    String derivedFlag() {
        return "--" + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The commands that read this setting, so their {@code --help} lists it (every command still validates every
     * setting, so one config file or environment serves them all). A new setting is {@code run}'s until said here.
     */
    Set<String> readBy() {
        return switch (this) {
            case CONFIG_FILE, STARTUP_TIMEOUT, LOG_FORMAT, LOG_LEVEL, ROLE_ARN, ROLE_ARN_ACCOUNT, ROLE_EXTERNAL_ID,
                 ROLE_SESSION_NAME, FAILOVER_REGIONS, ENDPOINT_URL_REGION -> Set.of("init", "run", "get", "exec");
            case OUTPUT_DIR, FILE_MODE, FILE_UID, FILE_GID, BUNDLES, TEMPLATES, TEMPLATE_MAX_BYTES -> Set.of("init", "run");
            case RESTART_ON_CHANGE, RESTART_SIGNAL, RESTART_GRACE, RESTART_MIN_INTERVAL, SIGNAL_ON_CHANGE, RESTART_KEYS,
                 RESTART_ON_EXIT, EXEC_HTTP -> Set.of("exec");
            default -> Set.of("run");
        };
    }

    boolean isBoolean() {
        return this == HTTP_ALLOW_REMOTE || this == RESTART_ON_CHANGE || this == EXEC_HTTP;
    }

    /** Settings that take a list: comma-separated in env and flags, a JSON array (or that string) in the file. */
    boolean isList() {
        return this == ALLOW || this == ALLOWED_HOSTS || this == BUNDLES || this == TEMPLATES || this == RESTART_KEYS
                || this == FAILOVER_REGIONS;
    }
}
