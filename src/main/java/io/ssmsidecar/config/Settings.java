package io.ssmsidecar.config;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Reference;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Every setting of the sidecar, validated. Built only by {@link SettingsLoader} from flags, {@code SIDECAR_*}
 * environment variables and the optional JSON config file (flags win over env, env over file).
 * Immutable; no field is null (absent settings are empty Optionals or empty lists). Each setting's default and
 * range are declared once, on its {@code Option}, and listed in docs/settings.md. The settings come in groups, one
 * per part of the sidecar they configure; the composition root ({@code Wiring}) turns each group into the options
 * record of the component it configures, so no component sees {@code Settings}.
 *
 * @param references every declared {@code ssm://} reference, in a stable order (sorted by key)
 * @param output     the files: directory, mode, owner, bundles, templates
 * @param http       the local API: address, port, token, caps, the SDK endpoint
 * @param onDemand   undeclared names fetched for HTTP requests
 * @param refresh    how often values are refreshed, and how long a load may retry
 * @param onChange   whom to tell after files change
 * @param logging    the log format and level
 * @param supervision {@code exec --restart-on-change} and its {@code SIDECAR_RESTART_*} settings
 * @param aws        as whom (assumed roles) and where (failover regions, endpoints) the AWS calls go
 */
public record Settings(
        List<Reference> references,
        Output output,
        Http http,
        OnDemand onDemand,
        Refresh refresh,
        OnChange onChange,
        Logging logging,
        Supervision supervision,
        Aws aws) {

    /** The signals {@code SIDECAR_ON_CHANGE_SIGNAL} may name (without {@code SIG}): checked here, sent by output. */
    public static final List<String> ON_CHANGE_SIGNALS = List.of("HUP", "INT", "TERM", "USR1", "USR2", "QUIT");

    public Settings {
        references = List.copyOf(references);
    }

    /**
     * @param dir       {@code SIDECAR_OUTPUT_DIR}
     * @param fileMode  {@code SIDECAR_FILE_MODE}, octal
     * @param fileUid   {@code SIDECAR_FILE_UID}
     * @param fileGid   {@code SIDECAR_FILE_GID}
     * @param bundles   {@code SIDECAR_BUNDLES}: e.g. {@code env:app.env,json:secrets.json}
     * @param templates {@code SIDECAR_TEMPLATES}: {@code src:dest[:mode],...}
     * @param templateMaxBytes {@code SIDECAR_TEMPLATE_MAX_BYTES}: the most one template may render to
     */
    public record Output(Path dir, int fileMode, OptionalInt fileUid, OptionalInt fileGid, List<Bundle> bundles,
                         List<Template> templates, int templateMaxBytes) {
        public Output {
            bundles = List.copyOf(bundles);
            templates = List.copyOf(templates);
        }

        @Override
        public String toString() {
            return print(this, "fileMode", String.format("0%o", fileMode));
        }
    }

    /**
     * @param address        {@code SIDECAR_HTTP_ADDRESS}
     * @param port           {@code SIDECAR_HTTP_PORT} (0 picks a free port)
     * @param allowRemote    {@code SIDECAR_HTTP_ALLOW_REMOTE}: must be true to bind a non-loopback address
     * @param allowedHosts   {@code SIDECAR_ALLOWED_HOSTS}: Host names the API accepts besides loopback ones
     * @param token          the API token from {@code SIDECAR_TOKEN}, {@code SIDECAR_TOKEN_FILE} or
     *                       {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}; empty means generate one
     * @param maxConnections {@code SIDECAR_MAX_CONNECTIONS}, concurrent requests before 429
     * @param sdkEndpoint    {@code SIDECAR_SDK_ENDPOINT}: who may call the SSM-protocol endpoint on {@code POST /}
     */
    public record Http(String address, int port, boolean allowRemote, List<String> allowedHosts,
                       Optional<String> token, int maxConnections, SdkEndpoint sdkEndpoint) {
        public Http {
            allowedHosts = List.copyOf(allowedHosts);
        }

        /** The token is masked: settings get logged, the token must not be. */
        @Override
        public String toString() {
            return print(this, "token", token.isPresent() ? "****" : "none");
        }
    }

    /**
     * @param allow       {@code SIDECAR_ALLOW}: name prefixes fetchable on demand; empty = declared only
     * @param cacheSize   {@code SIDECAR_CACHE_SIZE}: on-demand entries kept
     * @param calls       {@code SIDECAR_ON_DEMAND_CALLS}: SSM calls at once for HTTP requests
     * @param notFoundTtl {@code SIDECAR_NOT_FOUND_TTL}: how long a not-found name is remembered
     */
    public record OnDemand(List<String> allow, int cacheSize, int calls, Duration notFoundTtl) {
        public OnDemand {
            allow = List.copyOf(allow);
        }
    }

    /**
     * @param interval       {@code SIDECAR_REFRESH_INTERVAL}
     * @param maxStaleness   {@code SIDECAR_MAX_STALENESS}, empty when off
     * @param startupTimeout {@code SIDECAR_STARTUP_TIMEOUT}: how long a one-shot load retries transient failures
     * @param maxStretch     {@code SIDECAR_REFRESH_MAX_STRETCH}: how far SSM throttling may stretch the interval, in
     *                       percent of it
     * @param throttleBackoffCap {@code SIDECAR_THROTTLE_BACKOFF_CAP}: the longest wait before retrying a throttled call
     */
    public record Refresh(Duration interval, Optional<Duration> maxStaleness, Duration startupTimeout, int maxStretch,
                          Duration throttleBackoffCap) { }

    /**
     * @param url     {@code SIDECAR_ON_CHANGE_URL}
     * @param command {@code SIDECAR_ON_CHANGE_COMMAND} (run through {@code /bin/sh -c})
     * @param signal  {@code SIDECAR_ON_CHANGE_SIGNAL}, e.g. HUP
     * @param pidFile {@code SIDECAR_ON_CHANGE_PID_FILE}: whom to signal
     * @param process {@code SIDECAR_ON_CHANGE_PROCESS}: whom to signal, by command name
     * @param window  {@code SIDECAR_NOTIFY_WINDOW}: changes within it make one notification
     */
    public record OnChange(Optional<URI> url, Optional<String> command, Optional<String> signal,
                           Optional<Path> pidFile, Optional<String> process, Duration window) {
        /** Any user info in the URL is masked: settings get logged. */
        @Override
        public String toString() {
            return print(this, "url", url.map(Settings::withoutUserInfo).orElse("none"));
        }
    }

    /**
     * @param format {@code SIDECAR_LOG_FORMAT}: text or json
     * @param level  {@code SIDECAR_LOG_LEVEL}: debug, info, warn, error
     */
    public record Logging(Log.Format format, Log.Level level) { }

    /**
     * Who may call the endpoint that answers the app's own AWS SDK: nobody ({@code off}), requests whose SigV4
     * signature verifies with the sidecar's own credentials ({@code verify}), or any loopback caller
     * ({@code trust-loopback}, for hosts where containers hold different credentials).
     */
    public enum SdkEndpoint { OFF, VERIFY, TRUST_LOOPBACK }

    /** What {@code exec --restart-on-change} does when the command exits on its own. */
    public enum RestartOnExit { NEVER, ON_FAILURE, ALWAYS }

    /**
     * {@code exec --restart-on-change}: exec stays as the command's parent and restarts (or signals) it when a value
     * it received changes.
     *
     * @param restartOnChange    {@code SIDECAR_RESTART_ON_CHANGE}: the mode is on
     * @param restartSignal      {@code SIDECAR_RESTART_SIGNAL}, without {@code SIG}: stops the command for a restart
     * @param restartGrace       {@code SIDECAR_RESTART_GRACE}: from the restart signal to SIGKILL
     * @param restartMinInterval {@code SIDECAR_RESTART_MIN_INTERVAL}: from one start to the next restart at the earliest
     * @param signalOnChange     {@code SIDECAR_SIGNAL_ON_CHANGE}: signal the command instead of restarting it
     * @param restartKeys        {@code SIDECAR_RESTART_KEYS}: only these variables count; empty = every one
     * @param restartOnExit      {@code SIDECAR_RESTART_ON_EXIT}
     * @param http               {@code SIDECAR_EXEC_HTTP}: also serve the HTTP API (off: nothing listens)
     */
    public record Supervision(boolean restartOnChange, String restartSignal, Duration restartGrace,
                              Duration restartMinInterval, Optional<String> signalOnChange, List<String> restartKeys,
                              RestartOnExit restartOnExit, boolean http) {
        public Supervision {
            restartKeys = List.copyOf(restartKeys);
        }
    }

    /**
     * As whom and where the AWS calls go.
     *
     * @param roleArn         {@code SIDECAR_ROLE_ARN}: assumed for every call; empty = the task's own credentials
     * @param accountRoles    {@code SIDECAR_ROLE_ARN_<ACCOUNT>}: by 12-digit account id, for references by ARN into it
     * @param externalId      {@code SIDECAR_ROLE_EXTERNAL_ID}
     * @param sessionName     {@code SIDECAR_ROLE_SESSION_NAME}
     * @param failoverRegions {@code SIDECAR_FAILOVER_REGIONS}, in the order they are tried
     * @param regionEndpoints {@code SIDECAR_ENDPOINT_URL_<REGION>}: by region name ({@code us-west-2})
     */
    public record Aws(Optional<String> roleArn, java.util.Map<String, String> accountRoles, Optional<String> externalId,
                      String sessionName, List<String> failoverRegions, java.util.Map<String, URI> regionEndpoints) {
        public Aws {
            accountRoles = java.util.Map.copyOf(accountRoles);
            failoverRegions = List.copyOf(failoverRegions);
            regionEndpoints = java.util.Map.copyOf(regionEndpoints);
        }
    }

    /** One bundle file: {@code kind} is env, dotenv, properties or json; {@code file} a name in the output dir. */
    public record Bundle(String kind, String file, int mode) { }

    /** One template: rendered from {@code source} to {@code dest} (a name in the output dir) with {@code mode}. */
    public record Template(Path source, String dest, int mode) { }

    /** Every component as a record prints it, but {@code masked} printed in place of component {@code name}. */
    private static String print(Record r, String name, Object masked) {
        StringBuilder b = new StringBuilder(r.getClass().getSimpleName()).append('[');
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            Object value;
            try {
                value = c.getName().equals(name) ? masked : c.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            b.append(b.charAt(b.length() - 1) == '[' ? "" : ", ").append(c.getName()).append('=').append(value);
        }
        return b.append(']').toString();
    }

    private static String withoutUserInfo(URI uri) {
        String s = uri.toString();
        return uri.getRawUserInfo() == null ? s : s.replace(uri.getRawUserInfo() + "@", "****@");
    }

    /**
     * Defaults with the given references; the starting point for tests and the loader. Each value is parsed from the
     * default its setting declares (and documents), so there is no second copy of it here.
     */
    public static Settings defaults(List<Reference> references) {
        return new Settings(references,
                new Output(Path.of(Option.OUTPUT_DIR.defaultText), Integer.parseInt(Option.FILE_MODE.defaultText, 8),
                        OptionalInt.empty(), OptionalInt.empty(), List.of(), List.of(),
                        Option.TEMPLATE_MAX_BYTES.intDefault()),
                new Http(Option.HTTP_ADDRESS.defaultText, Option.HTTP_PORT.intDefault(),
                        Boolean.parseBoolean(Option.HTTP_ALLOW_REMOTE.defaultText), List.of(), Optional.empty(),
                        Option.MAX_CONNECTIONS.intDefault(), choice(SdkEndpoint.values(), Option.SDK_ENDPOINT)),
                new OnDemand(List.of(), Option.CACHE_SIZE.intDefault(), Option.ON_DEMAND_CALLS.intDefault(),
                        Option.NOT_FOUND_TTL.durationDefault()),
                new Refresh(Option.REFRESH_INTERVAL.durationDefault(), Optional.empty(),
                        Option.STARTUP_TIMEOUT.durationDefault(), Option.REFRESH_MAX_STRETCH.intDefault(),
                        Option.THROTTLE_BACKOFF_CAP.durationDefault()),
                new OnChange(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Option.NOTIFY_WINDOW.durationDefault()),
                new Logging(choice(Log.Format.values(), Option.LOG_FORMAT),
                        choice(Log.Level.values(), Option.LOG_LEVEL)),
                new Supervision(Boolean.parseBoolean(Option.RESTART_ON_CHANGE.defaultText),
                        Option.RESTART_SIGNAL.defaultText, Option.RESTART_GRACE.durationDefault(),
                        Option.RESTART_MIN_INTERVAL.durationDefault(), Optional.empty(), List.of(),
                        choice(RestartOnExit.values(), Option.RESTART_ON_EXIT),
                        Boolean.parseBoolean(Option.EXEC_HTTP.defaultText)),
                new Aws(Optional.empty(), java.util.Map.of(), Optional.empty(), Option.ROLE_SESSION_NAME.defaultText,
                        List.of(), java.util.Map.of()));
    }

    private static <E extends Enum<E>> E choice(E[] values, Option option) {
        String name = option.defaultText.toUpperCase(Locale.ROOT).replace('-', '_');
        return List.of(values).stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(option + " default " + option.defaultText));
    }
}
