package io.ssmsidecar.config;

import java.util.Locale;
import java.util.Set;

/**
 * Every setting's names and documentation: the env var {@code SIDECAR_<NAME>}, the flag derived from it
 * ({@code --name-in-lower-case}) and the config file key. The settings table of docs/settings.md and {@code --help}
 * describe the same list.
 */
enum Option {
    CONFIG_FILE(null, "FILE", "none", "a readable JSON file (at most 1 MiB)",
            "JSON config file: settings by config key, plus \"secrets\", \"bundles\" and \"templates\""),
    OUTPUT_DIR("outputDir", "DIR", "/run/secrets", "an absolute directory path other than /, without .. segments",
            "Directory the secret files are written to"),
    FILE_MODE("fileMode", "MODE", "0440", "octal 0400..0777, must let the owner read",
            "Mode of every file written (per-key files, bundles and templates unless they set their own)"),
    FILE_UID("fileUid", "UID", "the process's own", "0..2147483647",
            "Owner of the files written (the process needs the privilege to chown)"),
    FILE_GID("fileGid", "GID", "the process's own", "0..2147483647", "Group of the files written"),
    HTTP_ADDRESS("httpAddress", "ADDRESS", "127.0.0.1",
            "an IP address or localhost; a non-loopback address needs SIDECAR_HTTP_ALLOW_REMOTE=true",
            "Address the HTTP API listens on"),
    HTTP_PORT("httpPort", "PORT", "2773", "0..65535 (0 picks a free port)", "Port the HTTP API listens on"),
    HTTP_ALLOW_REMOTE("httpAllowRemote", null, "false", "true, false",
            "Allow a non-loopback listen address, and plain-http change notifications to other hosts"),
    ALLOWED_HOSTS("allowedHosts", "NAMES", "none (loopback names only)",
            "comma-separated host names or IP addresses, without port",
            "Host header values the HTTP API accepts besides localhost, 127.0.0.0/8 and [::1]"),
    TOKEN(null, null, "generated into <output dir>/.token",
            "1..4096 visible ASCII characters, or file:///path to read it from a file",
            "API token the HTTP API demands (env only: a flag would show in process listings)"),
    TOKEN_FILE("tokenFile", "FILE", "none", "a readable file (trailing newlines are dropped)",
            "File holding the API token"),
    MAX_CONNECTIONS("maxConnections", "N", "800", "1..10000", "Concurrent HTTP requests served before 429"),
    ALLOW("allow", "PREFIXES", "none (declared secrets only)", "comma-separated parameter name prefixes",
            "Names the AWS-compatible endpoints may fetch on demand"),
    SDK_ENDPOINT("sdkEndpoint", "MODE", "off", "off, verify, trust-loopback",
            "Answer the app's own AWS SDK (SSM and Secrets Manager wire protocol) on POST /; verify checks SigV4"),
    CACHE_SIZE("cacheSize", "N", "1000", "0..100000", "On-demand entries kept"),
    ON_DEMAND_CALLS("onDemandCalls", "N", "4", "1..64",
            "SSM calls made at once on behalf of HTTP requests (on-demand misses, refreshNow); beyond, 429"),
    NOT_FOUND_TTL("notFoundTtl", "DURATION", "30s", "0..1h (0 turns it off)",
            "How long a name SSM does not know is answered ParameterNotFound from memory"),
    REFRESH_INTERVAL("refreshInterval", "DURATION", "5m", "10s..24h", "Time between refreshes (jittered)"),
    MAX_STALENESS("maxStaleness", "DURATION", "off", "off, or twice the refresh interval..720h",
            "/readyz turns 503 when a required secret has not refreshed for longer"),
    STARTUP_TIMEOUT("startupTimeout", "DURATION", "60s", "1s..1h",
            "How long start-up retries transient SSM failures"),
    ON_CHANGE_URL("onChangeUrl", "URL", "none",
            "an http(s) URL; plain http only to loopback unless SIDECAR_HTTP_ALLOW_REMOTE=true",
            "URL POSTed to (changed keys and versions, never values) after a change"),
    ON_CHANGE_COMMAND("onChangeCommand", "COMMAND", "none", "a non-empty command line",
            "Command run through /bin/sh -c after a change"),
    ON_CHANGE_SIGNAL("onChangeSignal", "SIGNAL", "HUP, when a process to signal is set",
            "HUP, INT, TERM, USR1, USR2, QUIT (SIG prefix optional)", "Signal sent after a change"),
    ON_CHANGE_PID_FILE("onChangePidFile", "FILE", "none", "an absolute path", "Process to signal, by pid file"),
    ON_CHANGE_PROCESS("onChangeProcess", "NAME", "none", "a command name", "Process to signal, by command name"),
    NOTIFY_WINDOW("notifyWindow", "DURATION", "1s", "0..1m", "Changes within this window make one notification"),
    BUNDLES("bundles", "LIST", "none",
            "kind:file[:mode],... with kind env, dotenv, properties or json; file a key-like name",
            "Extra files holding every secret in one format"),
    TEMPLATES("templates", "LIST", "none", "src:dest[:mode],... with dest a key-like name",
            "Templates rendered into the output directory"),
    LOG_FORMAT("logFormat", "FORMAT", "text", "text, json", "Log line format"),
    LOG_LEVEL("logLevel", "LEVEL", "info", "debug, info, warn, error", "Lowest level logged");

    static final String ENV_PREFIX = "SIDECAR_";

    /** The key in the JSON config file, or null when the setting cannot be given there. */
    final String configKey;
    /** The flag's value placeholder in help; null for a boolean flag (or for no flag). */
    final String valueName;
    final String defaultText;
    final String allowed;
    final String help;

    Option(String configKey, String valueName, String defaultText, String allowed, String help) {
        this.configKey = configKey;
        this.valueName = valueName;
        this.defaultText = defaultText;
        this.allowed = allowed;
        this.help = help;
    }

    String env() {
        return ENV_PREFIX + name();
    }

    /** The flag, or null for env-only settings. {@code --config} is short for the derived {@code --config-file}. */
    String flag() {
        if (this == TOKEN) {
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
            case CONFIG_FILE, STARTUP_TIMEOUT, LOG_FORMAT, LOG_LEVEL -> Set.of("init", "run", "get", "exec");
            case OUTPUT_DIR, FILE_MODE, FILE_UID, FILE_GID, BUNDLES, TEMPLATES -> Set.of("init", "run");
            default -> Set.of("run");
        };
    }

    boolean isBoolean() {
        return this == HTTP_ALLOW_REMOTE;
    }

    /** Settings that take a list: comma-separated in env and flags, a JSON array (or that string) in the file. */
    boolean isList() {
        return this == ALLOW || this == ALLOWED_HOSTS || this == BUNDLES || this == TEMPLATES;
    }
}
