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
 * range are declared once, on its {@code Option}, and listed in docs/settings.md.
 *
 * @param references       every declared {@code ssm://} reference, in a stable order (sorted by key)
 * @param outputDir        {@code SIDECAR_OUTPUT_DIR}
 * @param fileMode         {@code SIDECAR_FILE_MODE}, octal
 * @param fileUid          {@code SIDECAR_FILE_UID}
 * @param fileGid          {@code SIDECAR_FILE_GID}
 * @param httpAddress      {@code SIDECAR_HTTP_ADDRESS}
 * @param httpPort         {@code SIDECAR_HTTP_PORT} (0 picks a free port)
 * @param httpAllowRemote  {@code SIDECAR_HTTP_ALLOW_REMOTE}: must be true to bind a non-loopback address
 * @param allowedHosts     {@code SIDECAR_ALLOWED_HOSTS}: Host names the API accepts besides loopback ones
 * @param token            the API token from {@code SIDECAR_TOKEN}, {@code SIDECAR_TOKEN_FILE} or
 *                         {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}; empty means generate one
 * @param maxConnections   {@code SIDECAR_MAX_CONNECTIONS}, concurrent requests before 429
 * @param allow            {@code SIDECAR_ALLOW}: name prefixes fetchable on demand; empty = declared only
 * @param cacheSize        {@code SIDECAR_CACHE_SIZE}: on-demand entries kept
 * @param refreshInterval  {@code SIDECAR_REFRESH_INTERVAL}
 * @param maxStaleness     {@code SIDECAR_MAX_STALENESS}, empty when off
 * @param startupTimeout   {@code SIDECAR_STARTUP_TIMEOUT}: how long init retries transient failures
 * @param onChangeUrl      {@code SIDECAR_ON_CHANGE_URL}
 * @param onChangeCommand  {@code SIDECAR_ON_CHANGE_COMMAND} (run through {@code /bin/sh -c})
 * @param onChangeSignal   {@code SIDECAR_ON_CHANGE_SIGNAL}, e.g. HUP
 * @param onChangePidFile  {@code SIDECAR_ON_CHANGE_PID_FILE}: whom to signal
 * @param onChangeProcess  {@code SIDECAR_ON_CHANGE_PROCESS}: whom to signal, by command name
 * @param notifyWindow     {@code SIDECAR_NOTIFY_WINDOW}: changes within it make one notification
 * @param bundles          {@code SIDECAR_BUNDLES}: e.g. {@code env:app.env,json:secrets.json}
 * @param templates        {@code SIDECAR_TEMPLATES}: {@code src:dest[:mode],...}
 * @param logFormat        {@code SIDECAR_LOG_FORMAT}: text or json
 * @param logLevel         {@code SIDECAR_LOG_LEVEL}: debug, info, warn, error
 * @param onDemandCalls    {@code SIDECAR_ON_DEMAND_CALLS}: SSM calls at once for HTTP requests
 * @param notFoundTtl      {@code SIDECAR_NOT_FOUND_TTL}: how long a not-found name is remembered
 * @param sdkEndpoint      {@code SIDECAR_SDK_ENDPOINT}: who may call the SSM-protocol endpoint on {@code POST /}
 * @param templateMaxBytes {@code SIDECAR_TEMPLATE_MAX_BYTES}: the most one template may render to
 */
public record Settings(
        List<Reference> references,
        Path outputDir,
        int fileMode,
        OptionalInt fileUid,
        OptionalInt fileGid,
        String httpAddress,
        int httpPort,
        boolean httpAllowRemote,
        List<String> allowedHosts,
        Optional<String> token,
        int maxConnections,
        List<String> allow,
        int cacheSize,
        Duration refreshInterval,
        Optional<Duration> maxStaleness,
        Duration startupTimeout,
        Optional<URI> onChangeUrl,
        Optional<String> onChangeCommand,
        Optional<String> onChangeSignal,
        Optional<Path> onChangePidFile,
        Optional<String> onChangeProcess,
        Duration notifyWindow,
        List<Bundle> bundles,
        List<Template> templates,
        Log.Format logFormat,
        Log.Level logLevel,
        int onDemandCalls,
        Duration notFoundTtl,
        SdkEndpoint sdkEndpoint,
        int templateMaxBytes) {

    /** The signals {@code SIDECAR_ON_CHANGE_SIGNAL} may name (without {@code SIG}): checked here, sent by output. */
    public static final List<String> ON_CHANGE_SIGNALS = List.of("HUP", "INT", "TERM", "USR1", "USR2", "QUIT");

    public Settings {
        references = List.copyOf(references);
        allow = List.copyOf(allow);
        allowedHosts = List.copyOf(allowedHosts);
        bundles = List.copyOf(bundles);
        templates = List.copyOf(templates);
    }

    /**
     * Who may call the endpoint that answers the app's own AWS SDK: nobody ({@code off}), requests whose SigV4
     * signature verifies with the sidecar's own credentials ({@code verify}), or any loopback caller
     * ({@code trust-loopback}, for hosts where containers hold different credentials).
     */
    public enum SdkEndpoint { OFF, VERIFY, TRUST_LOOPBACK }

    /** One bundle file: {@code kind} is env, dotenv, properties or json; {@code file} a name in the output dir. */
    public record Bundle(String kind, String file, int mode) { }

    /** One template: rendered from {@code source} to {@code dest} (a name in the output dir) with {@code mode}. */
    public record Template(Path source, String dest, int mode) { }

    /**
     * Every field as a record prints it, except that the token is masked and so is any user info in
     * {@code onChangeUrl}: settings get logged, the token must not be.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Settings[");
        for (RecordComponent c : Settings.class.getRecordComponents()) {
            Object value;
            try {
                value = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (c.getName().equals("token")) {
                value = token.isPresent() ? "****" : "none";
            } else if (c.getName().equals("fileMode")) {
                value = String.format("0%o", fileMode);
            } else if (c.getName().equals("onChangeUrl")) {
                value = onChangeUrl.map(Settings::withoutUserInfo).orElse("none");
            }
            b.append(b.length() > "Settings[".length() ? ", " : "").append(c.getName()).append('=').append(value);
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
        return new Settings(references, Path.of(Option.OUTPUT_DIR.defaultText),
                Integer.parseInt(Option.FILE_MODE.defaultText, 8), OptionalInt.empty(), OptionalInt.empty(),
                Option.HTTP_ADDRESS.defaultText, Option.HTTP_PORT.intDefault(),
                Boolean.parseBoolean(Option.HTTP_ALLOW_REMOTE.defaultText), List.of(), Optional.empty(),
                Option.MAX_CONNECTIONS.intDefault(), List.of(), Option.CACHE_SIZE.intDefault(),
                Option.REFRESH_INTERVAL.durationDefault(), Optional.empty(), Option.STARTUP_TIMEOUT.durationDefault(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Option.NOTIFY_WINDOW.durationDefault(), List.of(), List.of(),
                choice(Log.Format.values(), Option.LOG_FORMAT), choice(Log.Level.values(), Option.LOG_LEVEL),
                Option.ON_DEMAND_CALLS.intDefault(), Option.NOT_FOUND_TTL.durationDefault(),
                choice(SdkEndpoint.values(), Option.SDK_ENDPOINT), Option.TEMPLATE_MAX_BYTES.intDefault());
    }

    private static <E extends Enum<E>> E choice(E[] values, Option option) {
        String name = option.defaultText.toUpperCase(Locale.ROOT).replace('-', '_');
        return List.of(values).stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException(option + " default " + option.defaultText));
    }
}
