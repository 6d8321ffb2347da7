package io.ssmsidecar.config;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.reference.Keys;
import io.ssmsidecar.reference.Printable;
import io.ssmsidecar.reference.Reference;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns the raw settings into typed values, adding one message per bad value to {@code problems}. The only place
 * settings are checked: numbers and durations against their {@link Option#range}, and absent ones take
 * {@link Settings#defaults}; the HTTP server trusts what it gets.
 */
final class Validator {
    static final List<String> BUNDLE_KINDS = List.of("env", "dotenv", "properties", "json");
    static final List<String> SIGNALS = Settings.ON_CHANGE_SIGNALS;

    private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");
    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final Pattern HOST_NAME = Pattern.compile("(?=.{1,253}\\.?$)" + LABEL + "(\\." + LABEL + ")*\\.?");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Directories the output may not be: the sidecar writes, links, locks and removes its leftovers there. */
    private static final java.util.Set<String> SYSTEM_DIRS = java.util.Set.of("/bin", "/boot", "/dev", "/etc", "/home",
            "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv",
            "/sys", "/tmp", "/usr", "/var");
    private static final Pattern NAME_PREFIX = Pattern.compile("[A-Za-z0-9_.\\-/+=@]{1,2048}");
    /**
     * A {@code SIDECAR_ALLOW} entry read from Secrets Manager directly: {@code sm://} and a secret name prefix (maybe
     * empty), or {@code sm://} and a secret ARN prefix that names its partition, region and account in full.
     */
    private static final Pattern SECRET_PREFIX = Pattern.compile("sm://(arn:aws(-cn|-us-gov)?:secretsmanager:"
            + "[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:secret:)?[A-Za-z0-9_.\\-/+=@]{0,512}");

    private final Map<Option, Raw> given;
    private final List<String> problems;

    Validator(Map<Option, Raw> given, List<String> problems) {
        this.given = given;
        this.problems = problems;
    }

    Settings settings(List<Reference> references, Optional<String> token) {
        Settings d = Settings.defaults(references);
        Path outputDir = outputDir(d.output().dir());
        int fileMode = mode(Option.FILE_MODE, d.output().fileMode());
        boolean allowRemote = bool(Option.HTTP_ALLOW_REMOTE, d.http().allowRemote());
        Duration refresh = duration(Option.REFRESH_INTERVAL, d.refresh().interval());
        Optional<Path> pidFile = pidFile();
        Optional<String> process = text(Option.ON_CHANGE_PROCESS).filter(p -> printable(Option.ON_CHANGE_PROCESS, p));
        List<Settings.Bundle> bundles = bundles(fileMode);
        List<Settings.Template> templates = templates(fileMode);
        outputNames(references, bundles, templates);
        return new Settings(references,
                new Settings.Output(outputDir, fileMode, id(Option.FILE_UID), id(Option.FILE_GID), bundles, templates,
                        integer(Option.TEMPLATE_MAX_BYTES, d.output().templateMaxBytes())),
                new Settings.Http(httpAddress(allowRemote, d.http().address()),
                        integer(Option.HTTP_PORT, d.http().port()), allowRemote, allowedHosts(), token, integer(Option.MAX_CONNECTIONS, d.http().maxConnections()),
                        choice(Option.SDK_ENDPOINT, Settings.SdkEndpoint.values(), d.http().sdkEndpoint())),
                new Settings.OnDemand(allow(), integer(Option.CACHE_SIZE, d.onDemand().cacheSize()),
                        integer(Option.ON_DEMAND_CALLS, d.onDemand().calls()),
                        duration(Option.NOT_FOUND_TTL, d.onDemand().notFoundTtl())),
                new Settings.Refresh(refresh, maxStaleness(refresh),
                        duration(Option.STARTUP_TIMEOUT, d.refresh().startupTimeout()),
                        integer(Option.REFRESH_MAX_STRETCH, d.refresh().maxStretch()),
                        duration(Option.THROTTLE_BACKOFF_CAP, d.refresh().throttleBackoffCap())),
                new Settings.OnChange(onChangeUrl(allowRemote),
                        text(Option.ON_CHANGE_COMMAND).filter(c -> notBlank(Option.ON_CHANGE_COMMAND, c)),
                        signal(pidFile, process), pidFile, process,
                        duration(Option.NOTIFY_WINDOW, d.onChange().window())),
                new Settings.Logging(choice(Option.LOG_FORMAT, Log.Format.values(), d.logging().format()),
                        choice(Option.LOG_LEVEL, Log.Level.values(), d.logging().level())),
                supervision(d.supervision()), aws(d.aws()));
    }

    // ---- AWS: roles, regions, endpoints ----------------------------------------------------------------------

    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    /** STS's pattern for RoleSessionName. */
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final String ROLE_ARN_TEXT = "an IAM role ARN such as arn:aws:iam::123456789012:role/secrets-reader";

    private Settings.Aws aws(Settings.Aws d) {
        Optional<String> role = text(Option.ROLE_ARN).filter(r -> matches(Option.ROLE_ARN, ROLE_ARN, ROLE_ARN_TEXT, r));
        Map<String, String> accountRoles = new java.util.TreeMap<>();
        for (Map<String, String> member : family(Option.ROLE_ARN_ACCOUNT)) {
            String variable = Option.ENV_PREFIX + "ROLE_ARN_" + member.get("name");
            if (!ACCOUNT.matcher(member.get("name")).matches()) {
                problems.add(Printable.of(variable) + " must name a 12-digit account id, such as"
                        + " SIDECAR_ROLE_ARN_123456789012");
            } else if (!ROLE_ARN.matcher(member.get("value")).matches()) {
                problems.add(variable + " must be " + ROLE_ARN_TEXT + ", got " + Printable.of(member.get("value")));
            } else {
                accountRoles.put(member.get("name"), member.get("value"));
            }
        }
        Optional<String> externalId = text(Option.ROLE_EXTERNAL_ID).filter(x -> matches(Option.ROLE_EXTERNAL_ID,
                EXTERNAL_ID, "2 to 1224 letters, digits and _ + = , . @ : / -", x));
        String sessionName = text(Option.ROLE_SESSION_NAME).filter(x -> matches(Option.ROLE_SESSION_NAME,
                SESSION_NAME, "2 to 64 letters, digits and _ + = , . @ - (STS's pattern)", x)).orElse(d.sessionName());
        if (!given.containsKey(Option.ROLE_ARN) && !given.containsKey(Option.ROLE_ARN_ACCOUNT)
                && given.containsKey(Option.ROLE_EXTERNAL_ID)) {
            problems.add(origin(Option.ROLE_EXTERNAL_ID) + " is set but no role is: set SIDECAR_ROLE_ARN or"
                    + " SIDECAR_ROLE_ARN_<ACCOUNT>");
        }
        List<String> regions = new ArrayList<>();
        for (Object item : items(Option.FAILOVER_REGIONS)) {
            String region = String.valueOf(item);
            if (!(item instanceof String) || !REGION.matcher(region).matches()) {
                bad(Option.FAILOVER_REGIONS, "a list of AWS region names such as us-west-2,eu-central-1", region);
            } else if (!regions.contains(region)) {
                regions.add(region);
            }
        }
        Map<String, URI> endpoints = new java.util.TreeMap<>();
        for (Map<String, String> member : family(Option.ENDPOINT_URL_REGION)) {
            String variable = Option.ENV_PREFIX + "ENDPOINT_URL_" + member.get("name");
            String region = member.get("name").toLowerCase(Locale.ROOT).replace('_', '-');
            if (!member.get("name").equals(member.get("name").toUpperCase(Locale.ROOT))
                    || !REGION.matcher(region).matches()) {
                problems.add(Printable.of(variable) + " must name a region upper-cased with _, such as"
                        + " SIDECAR_ENDPOINT_URL_US_WEST_2");
                continue;
            }
            URI uri = null;
            try {
                uri = new URI(member.get("value"));
            } catch (URISyntaxException e) {
                // reported below
            }
            if (uri == null || uri.getHost() == null
                    || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                problems.add(variable + " must be an http:// or https:// URL such as https://ssm.us-west-2.amazonaws.com,"
                        + " got " + Printable.of(member.get("value")));
            } else {
                endpoints.put(region, uri);
            }
        }
        return new Settings.Aws(role, accountRoles, externalId, sessionName, regions, endpoints);
    }

    private boolean matches(Option option, Pattern pattern, String expected, String value) {
        if (!pattern.matcher(value).matches()) {
            bad(option, expected, value);
            return false;
        }
        return true;
    }

    /** The members of a family of variables, each {@code {name: the part after the prefix, value}}. */
    @SuppressWarnings("unchecked")
    private List<Map<String, String>> family(Option option) {
        Raw raw = given.get(option);
        return raw == null ? List.of() : raw.items().stream().map(i -> (Map<String, String>) i).toList();
    }

    private Settings.Supervision supervision(Settings.Supervision d) {
        List<String> keys = new ArrayList<>();
        for (Object item : items(Option.RESTART_KEYS)) {
            if (!(item instanceof String key) || !ENV_NAME.matcher(key).matches()) {
                bad(Option.RESTART_KEYS, "a list of environment variable names ([A-Za-z_][A-Za-z0-9_]*), such as"
                        + " DB_PASSWORD,API_KEY", String.valueOf(item));
            } else if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        return new Settings.Supervision(bool(Option.RESTART_ON_CHANGE, d.restartOnChange()),
                signalName(Option.RESTART_SIGNAL).orElse(d.restartSignal()),
                duration(Option.RESTART_GRACE, d.restartGrace()),
                duration(Option.RESTART_MIN_INTERVAL, d.restartMinInterval()),
                signalName(Option.SIGNAL_ON_CHANGE), keys,
                choice(Option.RESTART_ON_EXIT, Settings.RestartOnExit.values(), d.restartOnExit()),
                bool(Option.EXEC_HTTP, d.http()));
    }

    /** A signal of {@link #SIGNALS}, in any case and with or without {@code SIG}, as its bare upper-case name. */
    private Optional<String> signalName(Option option) {
        Optional<String> text = text(option);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String name = text.get().toUpperCase(Locale.ROOT);
        name = name.startsWith("SIG") ? name.substring(3) : name;
        if (!SIGNALS.contains(name)) {
            bad(option, "one of " + String.join(", ", SIGNALS), text.get());
            return Optional.empty();
        }
        return Optional.of(name);
    }

    // ---- scalar kinds -------------------------------------------------------------------------------------

    private Optional<String> text(Option option) {
        Raw raw = given.get(option);
        if (raw == null) {
            return Optional.empty();
        }
        if (raw.text() == null) {
            problems.add(raw.origin() + " must be a single value, not a list");
            return Optional.empty();
        }
        return Optional.of(raw.text());
    }

    private String origin(Option option) {
        Raw raw = given.get(option);
        return raw == null ? option.env() : raw.origin();
    }

    private void bad(Option option, String expected, String got) {
        problems.add(origin(option) + " must be " + expected + ", got " + Printable.of(got));
    }

    private int integer(Option option, int fallback) {
        int min = option.range.intMin();
        int max = option.range.intMax();
        Optional<String> text = text(option);
        if (text.isEmpty()) {
            return fallback;
        }
        String s = text.get();
        if (!DIGITS.matcher(s).matches()) {
            bad(option, "a whole number between " + min + " and " + max, s);
            return fallback;
        }
        long n = Long.parseLong(s);
        if (n < min || n > max) {
            bad(option, "between " + min + " and " + max, s);
            return fallback;
        }
        return (int) n;
    }

    private OptionalInt id(Option option) {
        return text(option).isEmpty() ? OptionalInt.empty() : OptionalInt.of(integer(option, 0));
    }

    private boolean bool(Option option, boolean fallback) {
        Optional<String> text = text(option);
        if (text.isEmpty()) {
            return fallback;
        }
        return switch (text.get().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> {
                bad(option, "true or false", text.get());
                yield fallback;
            }
        };
    }

    private Duration duration(Option option, Duration fallback) {
        Optional<String> text = text(option);
        return text.isEmpty() ? fallback : duration(option, text.get()).orElse(fallback);
    }

    private Optional<Duration> duration(Option option, String s) {
        Duration min = option.range.durationMin();
        Duration max = option.range.durationMax();
        Optional<Duration> parsed = Durations.parse(s);
        if (parsed.isEmpty()) {
            bad(option, "a duration such as " + Durations.EXAMPLES
                    + (DIGITS.matcher(s).matches() ? " (a unit is required: " + s + "s? " + s + "m?)" : ""), s);
            return Optional.empty();
        }
        if (parsed.get().compareTo(min) < 0 || parsed.get().compareTo(max) > 0) {
            bad(option, "between " + Durations.format(min) + " and " + Durations.format(max), s);
            return Optional.empty();
        }
        return parsed;
    }

    private <E extends Enum<E>> E choice(Option option, E[] values, E fallback) {
        Optional<String> text = text(option);
        if (text.isEmpty()) {
            return fallback;
        }
        for (E value : values) {
            // Multi-word values are written with a hyphen (trust-loopback); the underscore is accepted too.
            if (value.name().equalsIgnoreCase(text.get().replace('-', '_'))) {
                return value;
            }
        }
        bad(option, "one of " + String.join(", ", Option.names(values)), text.get());
        return fallback;
    }

    /** An octal file mode that lets the owner read, e.g. 0440 or 640. */
    private Integer mode(String s, String origin) {
        if (!MODE.matcher(s).matches() || (Integer.parseInt(s, 8) & 0400) == 0) {
            problems.add(origin + " must be an octal file mode from 0400 to 0777 that lets the owner read"
                    + " (such as 0440), got " + Printable.of(s));
            return null;
        }
        return Integer.parseInt(s, 8);
    }

    private int mode(Option option, int fallback) {
        Optional<String> text = text(option);
        if (text.isEmpty()) {
            return fallback;
        }
        Integer mode = mode(text.get(), origin(option));
        return mode == null ? fallback : mode;
    }

    private boolean notBlank(Option option, String s) {
        if (s.isBlank()) {
            problems.add(origin(option) + " must not be blank");
            return false;
        }
        return true;
    }

    private boolean printable(Option option, String s) {
        if (!notBlank(option, s)) {
            return false;
        }
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            bad(option, "free of control characters", s);
            return false;
        }
        return true;
    }

    private Optional<Path> path(Option option, String s) {
        try {
            return Optional.of(Path.of(s));
        } catch (InvalidPathException e) {
            bad(option, "a usable path", s);
            return Optional.empty();
        }
    }

    // ---- settings with their own rules ----------------------------------------------------------------------

    private Path outputDir(Path fallback) {
        Optional<String> text = text(Option.OUTPUT_DIR);
        if (text.isEmpty() || !notBlank(Option.OUTPUT_DIR, text.get())) {
            return fallback;
        }
        Optional<Path> path = path(Option.OUTPUT_DIR, text.get());
        if (path.isEmpty()) {
            return fallback;
        }
        // Relative paths depend on the working directory and .. walks out of the directory the operator named
        // (/run/secrets/.. is /run): both would put the lock, the cleanup and the secrets somewhere unintended.
        if (!path.get().isAbsolute() || List.of(text.get().split("/")).contains("..")) {
            bad(Option.OUTPUT_DIR, "an absolute directory path without .. segments (such as /run/secrets)", text.get());
            return fallback;
        }
        // Judged after normalising: /. /./. //. and /.// are the root directory too (issue 18).
        Path dir = path.get().normalize();
        if (dir.getNameCount() == 0) {
            bad(Option.OUTPUT_DIR, "a directory other than the root", text.get());
            return fallback;
        }
        if (SYSTEM_DIRS.contains(dir.toString()) || dir.startsWith("/proc") || dir.startsWith("/sys")) {
            bad(Option.OUTPUT_DIR, "a directory of its own, not a system directory such as " + dir
                    + " (the sidecar writes, locks and cleans up in it; use e.g. /run/secrets)", text.get());
            return fallback;
        }
        return dir;
    }

    private Optional<Path> pidFile() {
        Optional<String> text = text(Option.ON_CHANGE_PID_FILE);
        if (text.isEmpty() || !printable(Option.ON_CHANGE_PID_FILE, text.get())) {
            return Optional.empty();
        }
        Optional<Path> path = path(Option.ON_CHANGE_PID_FILE, text.get());
        if (path.isPresent() && !path.get().isAbsolute()) {
            bad(Option.ON_CHANGE_PID_FILE, "an absolute path", text.get());
            return Optional.empty();
        }
        return path;
    }

    private Optional<Duration> maxStaleness(Duration refresh) {
        Optional<String> text = text(Option.MAX_STALENESS);
        if (text.isEmpty() || text.get().equalsIgnoreCase("off")) {
            return Optional.empty();
        }
        Duration min = refresh.multipliedBy(2);
        Optional<Duration> staleness = duration(Option.MAX_STALENESS, text.get());
        if (staleness.isPresent() && staleness.get().compareTo(min) < 0) {
            bad(Option.MAX_STALENESS, "off or at least twice the refresh interval (" + Durations.format(min)
                    + "), so one late, jittered refresh does not fail readiness", text.get());
            return Optional.empty();
        }
        return staleness;
    }

    private String httpAddress(boolean allowRemote, String fallback) {
        Optional<String> text = text(Option.HTTP_ADDRESS);
        if (text.isEmpty()) {
            return fallback;
        }
        String s = text.get();
        String bare = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        Optional<InetAddress> address = ipLiteral(bare);
        if (address.isEmpty() && !bare.equalsIgnoreCase("localhost")) {
            bad(Option.HTTP_ADDRESS, "an IP address (such as 127.0.0.1 or ::1) or localhost; host names are not"
                    + " resolved", s);
            return fallback;
        }
        if (address.isPresent() && !address.get().isLoopbackAddress() && !allowRemote) {
            problems.add(origin(Option.HTTP_ADDRESS) + " " + Printable.of(s) + " is not a loopback address: other"
                    + " hosts could reach the secrets; set SIDECAR_HTTP_ALLOW_REMOTE=true (--http-allow-remote)"
                    + " to bind it anyway");
            return fallback;
        }
        return bare;
    }

    /** The address an IP literal denotes, without any DNS lookup; empty if {@code s} is not one. */
    static Optional<InetAddress> ipLiteral(String s) {
        boolean v4 = IPV4.matcher(s).matches();
        if (!v4 && !(s.indexOf(':') >= 0 && IPV6.matcher(s).matches())) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(s));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isLoopbackHost(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return bare.equalsIgnoreCase("localhost") || ipLiteral(bare).map(InetAddress::isLoopbackAddress).orElse(false);
    }

    private Optional<URI> onChangeUrl(boolean allowRemote) {
        Optional<String> text = text(Option.ON_CHANGE_URL);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String s = text.get();
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            bad(Option.ON_CHANGE_URL, "an http:// or https:// URL", s);
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            bad(Option.ON_CHANGE_URL, "an http:// or https:// URL with a host", s);
            return Optional.empty();
        }
        if (scheme.equals("http") && !isLoopbackHost(uri.getHost()) && !allowRemote) {
            problems.add(origin(Option.ON_CHANGE_URL) + " sends plain http to " + Printable.of(uri.getHost())
                    + ", which is not a loopback address; use https or a loopback address, or set"
                    + " SIDECAR_HTTP_ALLOW_REMOTE=true");
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    private Optional<String> signal(Optional<Path> pidFile, Optional<String> process) {
        Optional<String> text = text(Option.ON_CHANGE_SIGNAL);
        if (pidFile.isPresent() && process.isPresent()) {
            problems.add("set only one of " + origin(Option.ON_CHANGE_PID_FILE) + " and "
                    + origin(Option.ON_CHANGE_PROCESS) + " (which process to signal)");
        }
        if (text.isEmpty()) {
            return pidFile.isPresent() || process.isPresent() ? Optional.of("HUP") : Optional.empty();
        }
        Optional<String> name = signalName(Option.ON_CHANGE_SIGNAL);
        if (name.isEmpty()) {
            return name;
        }
        if (pidFile.isEmpty() && process.isEmpty() && !given.containsKey(Option.ON_CHANGE_PID_FILE)
                && !given.containsKey(Option.ON_CHANGE_PROCESS)) {
            problems.add(origin(Option.ON_CHANGE_SIGNAL) + " needs a process to signal: set "
                    + Option.ON_CHANGE_PID_FILE.env() + " or " + Option.ON_CHANGE_PROCESS.env());
        }
        return name;
    }

    // ---- lists -------------------------------------------------------------------------------------------

    /** The items of a list setting: comma-separated text, or the config file's JSON array. */
    private List<Object> items(Option option) {
        Raw raw = given.get(option);
        if (raw == null) {
            return List.of();
        }
        if (raw.items() != null) {
            return raw.items();
        }
        List<Object> items = new ArrayList<>();
        for (String item : raw.text().split(",", -1)) {
            if (item.isBlank()) {
                problems.add(raw.origin() + " has an empty item; separate items with single commas, got "
                        + Printable.of(raw.text()));
                return List.of();
            }
            items.add(item.strip());
        }
        return items;
    }

    private List<String> allow() {
        List<String> prefixes = new ArrayList<>();
        for (Object item : items(Option.ALLOW)) {
            if (!(item instanceof String prefix)
                    || !NAME_PREFIX.matcher(prefix).matches() && !SECRET_PREFIX.matcher(prefix).matches()) {
                bad(Option.ALLOW, "a list of parameter name prefixes (letters, digits and _ . - / + = @), or secret"
                        + " name or ARN prefixes after sm:// (an ARN up to its account and 'secret:'), such as"
                        + " /prod/app/,sm://prod/,sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/",
                        String.valueOf(item));
            } else if (!prefixes.contains(prefix)) {
                prefixes.add(prefix);
            }
        }
        return prefixes;
    }

    /** Host names (each label 1..63 letters, digits or '-', optional root dot) or IP addresses, no port. */
    private List<String> allowedHosts() {
        List<String> hosts = new ArrayList<>();
        for (Object item : items(Option.ALLOWED_HOSTS)) {
            String host = item instanceof String s ? s : String.valueOf(item);
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            if (!(item instanceof String) || !HOST_NAME.matcher(host).matches() && ipLiteral(bare).isEmpty()) {
                bad(Option.ALLOWED_HOSTS, "a list of host names or IP addresses without port or scheme, such as"
                        + " my-sidecar.internal,10.0.3.7", host);
            } else if (!hosts.contains(host)) {
                hosts.add(host);
            }
        }
        return hosts;
    }

    private List<Settings.Bundle> bundles(int defaultMode) {
        List<Settings.Bundle> bundles = new ArrayList<>();
        for (Object item : items(Option.BUNDLES)) {
            Map<String, String> f = fields(Option.BUNDLES, item, List.of("kind", "file", "mode"), "kind:file[:mode]");
            if (f == null) {
                continue;
            }
            String where = origin(Option.BUNDLES);
            boolean ok = true;
            if (!BUNDLE_KINDS.contains(f.get("kind"))) {
                problems.add(where + ": bundle kind must be one of " + String.join(", ", BUNDLE_KINDS) + ", got "
                        + Printable.of(f.get("kind")));
                ok = false;
            }
            ok &= outputName(where, "bundle file", f.get("file"));
            Integer mode = f.containsKey("mode") ? mode(f.get("mode"), where + ": the mode of " + f.get("file"))
                    : Integer.valueOf(defaultMode);
            if (ok && mode != null) {
                bundles.add(new Settings.Bundle(f.get("kind"), f.get("file"), mode));
            }
        }
        return bundles;
    }

    private List<Settings.Template> templates(int defaultMode) {
        List<Settings.Template> templates = new ArrayList<>();
        for (Object item : items(Option.TEMPLATES)) {
            Map<String, String> f = fields(Option.TEMPLATES, item, List.of("source", "dest", "mode"),
                    "src:dest[:mode]");
            if (f == null) {
                continue;
            }
            String where = origin(Option.TEMPLATES);
            Path source = null;
            try {
                source = Path.of(f.get("source"));
                if (!Files.isRegularFile(source) || !Files.isReadable(source)) {
                    problems.add(where + ": template source " + Printable.of(f.get("source"))
                            + " is not a readable file");
                    source = null;
                }
            } catch (InvalidPathException e) {
                problems.add(where + ": template source " + Printable.of(f.get("source")) + " is not a usable path");
            }
            boolean ok = outputName(where, "template destination", f.get("dest"));
            Integer mode = f.containsKey("mode") ? mode(f.get("mode"), where + ": the mode of " + f.get("dest"))
                    : Integer.valueOf(defaultMode);
            if (ok && source != null && mode != null) {
                templates.add(new Settings.Template(source, f.get("dest"), mode));
            }
        }
        return templates;
    }

    /**
     * One list item as named fields: a string {@code a:b[:c]} gives the fields in order; an object from the
     * config file is checked for unknown and missing fields. Null (with a problem added) when malformed.
     */
    private Map<String, String> fields(Option option, Object item, List<String> names, String syntax) {
        String where = origin(option);
        Map<String, String> fields = new LinkedHashMap<>();
        if (item instanceof String s) {
            String[] parts = s.split(":", -1);
            if (parts.length < 2 || parts.length > names.size()) {
                problems.add(where + ": each item must be " + syntax + ", got " + Printable.of(s));
                return null;
            }
            for (int i = 0; i < parts.length; i++) {
                fields.put(names.get(i), parts[i]);
            }
        } else {
            @SuppressWarnings("unchecked")
            Map<String, String> object = (Map<String, String>) item;
            for (String field : object.keySet()) {
                if (!names.contains(field)) {
                    problems.add(where + ": unknown field " + Printable.of(field) + " in an item; fields are "
                            + String.join(", ", names) + Suggestions.hint(field, names));
                    return null;
                }
            }
            fields.putAll(object);
        }
        for (String required : names.subList(0, 2)) {
            if (fields.getOrDefault(required, "").isEmpty()) {
                problems.add(where + ": an item has no " + required + "; each item is " + syntax);
                return null;
            }
        }
        return fields;
    }

    private boolean outputName(String where, String what, String name) {
        Optional<String> problem = Keys.problem(name);
        problem.ifPresent(p -> problems.add(where + ": " + what + " " + Printable.of(name) + " is not allowed: " + p
                + "; it is a plain file name in the output directory, and keys use letters, digits, '_', '.'"
                + " and '-' and start with a letter, digit or '_'"));
        return problem.isEmpty();
    }

    /** No two outputs (per-key files, bundles, templates) may write the same file. */
    private void outputNames(List<Reference> references, List<Settings.Bundle> bundles,
                             List<Settings.Template> templates) {
        Map<String, String> owners = new LinkedHashMap<>();
        references.stream().filter(r -> !r.isPrefix())
                .forEach(r -> owners.put(r.key(), "the secret " + r.key()));
        claim(owners, bundles, Settings.Bundle::file, "bundle file");
        claim(owners, templates, Settings.Template::dest, "template destination");
    }

    private <T> void claim(Map<String, String> owners, List<T> outputs, Function<T, String> file, String what) {
        for (T output : outputs) {
            String name = file.apply(output);
            String owner = owners.putIfAbsent(name, what + " " + name);
            if (owner != null) {
                problems.add(what + " " + name + " is also written as " + owner + "; give each output its own name");
            }
        }
    }
}
