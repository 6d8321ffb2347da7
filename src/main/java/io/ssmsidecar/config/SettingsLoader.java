package io.ssmsidecar.config;

import io.ssmsidecar.reference.Printable;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.reference.References;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds {@link Settings} from command-line flags, {@code SIDECAR_*} environment variables, the optional JSON
 * config file ({@code --config FILE} / {@code SIDECAR_CONFIG_FILE}) and defaults, in that order of precedence.
 * Every environment variable whose value starts with {@code ssm://} declares a secret.
 */
public final class SettingsLoader {
    /** The table of every setting: each flag, its env var, default and allowed values. */
    public static final String FLAGS_HELP = help(null);

    private SettingsLoader() {
    }

    /**
     * Loads and validates every setting and reference.
     *
     * @param flags the command's flags ({@code --name VALUE}, {@code --name=VALUE}, a boolean flag alone means
     *              true); the command removes its own arguments first
     * @param env   the process environment
     * @throws ConfigException listing every problem found: unknown names (with the closest known one), bad
     *                         values with what is allowed, unreadable files, malformed references
     */
    public static Settings load(List<String> flags, Map<String, String> env) throws ConfigException {
        return load(flags, env, Map.of());
    }

    /**
     * As {@link #load(List, Map)}, with a command's own defaults below the config file, e.g. {@code exec -no-fail}'s
     * shorter start-up timeout.
     *
     * @param commandDefaults values by environment variable name ({@code SIDECAR_STARTUP_TIMEOUT} -> {@code 5s}),
     *                        used when neither a flag, the environment nor the config file gives the setting
     */
    public static Settings load(List<String> flags, Map<String, String> env, Map<String, String> commandDefaults)
            throws ConfigException {
        List<String> problems = new ArrayList<>();
        Map<Option, Raw> fromFlags = flags(flags, problems);
        Map<Option, Raw> fromEnv = env(env, problems);
        Raw configPath = fromFlags.containsKey(Option.CONFIG_FILE)
                ? fromFlags.get(Option.CONFIG_FILE) : fromEnv.get(Option.CONFIG_FILE);
        ConfigFile file = configPath == null ? ConfigFile.NONE : ConfigFile.read(configPath, problems);

        Map<Option, Raw> given = new EnumMap<>(Option.class);
        given.putAll(env(commandDefaults, problems));
        given.putAll(file.settings);
        given.putAll(fromEnv);
        given.putAll(fromFlags);

        List<Reference> references = references(env, file, problems);
        Raw tokenFile = fromEnv.containsKey(Option.TOKEN_FILE)
                ? fromEnv.get(Option.TOKEN_FILE) : file.settings.get(Option.TOKEN_FILE);
        Optional<String> token = ApiToken.resolve(fromFlags.get(Option.TOKEN_FILE), env, tokenFile, problems);
        Settings settings = new Validator(given, problems).settings(references, token);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return settings;
    }

    private static Map<Option, Raw> flags(List<String> args, List<String> problems) {
        Map<Option, Raw> raws = new EnumMap<>(Option.class);
        String previousBoolean = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.equals("--")) {
                boolean looksBoolean = arg.equalsIgnoreCase("true") || arg.equalsIgnoreCase("false");
                problems.add("unexpected argument " + Printable.of(arg)
                        + (previousBoolean != null && looksBoolean
                        ? "; write " + previousBoolean + "=" + arg.toLowerCase(java.util.Locale.ROOT)
                        : "; settings are given as --name VALUE or --name=VALUE"));
                previousBoolean = null;
                continue;
            }
            previousBoolean = null;
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String value = eq < 0 ? null : arg.substring(eq + 1);
            Option option = byFlag(name);
            if (option == null) {
                problems.add(unknownFlag(name));
                continue;
            }
            if (value == null) {
                if (option.isBoolean()) {
                    value = "true";
                    previousBoolean = name;
                } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                    value = args.get(++i);
                } else {
                    problems.add(name + " needs a value: " + name + " " + option.valueName + " or " + name + "="
                            + option.valueName);
                    continue;
                }
            }
            if (raws.containsKey(option)) {
                problems.add(name + " is given more than once");
                continue;
            }
            raws.put(option, Raw.text(value, name));
        }
        return raws;
    }

    private static Option byFlag(String flag) {
        return Stream.of(Option.values())
                .filter(o -> flag.equals(o.flag()) || (o.flag() != null && flag.equals(o.derivedFlag())))
                .findFirst().orElse(null);
    }

    private static String unknownFlag(String name) {
        if (name.equals("--token")) {
            return "--token is not a flag, because a token on the command line shows in process listings;"
                    + " use SIDECAR_TOKEN or --token-file";
        }
        List<String> known = Stream.of(Option.values()).map(Option::flag).filter(f -> f != null).toList();
        return "unknown flag " + Printable.of(name) + Suggestions.hint(name, known);
    }

    private static Map<Option, Raw> env(Map<String, String> env, List<String> problems) {
        Map<Option, Raw> raws = new EnumMap<>(Option.class);
        List<String> known = Stream.of(Option.values()).map(Option::env).toList();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            if (!name.startsWith(Option.ENV_PREFIX)) {
                continue;
            }
            Option option = Stream.of(Option.values()).filter(o -> o.env().equals(name)).findFirst().orElse(null);
            boolean reference = Reference.isReference(e.getValue());
            Option family = option != null ? null : Stream.of(Option.values())
                    .filter(o -> o.familyPrefix() != null && name.startsWith(o.familyPrefix())).findFirst().orElse(null);
            if (family != null && !reference) {
                // One variable per account or region: each member is an item {name, value}, checked by the Validator.
                if (!e.getValue().isEmpty()) {
                    Raw before = raws.get(family);
                    List<Object> items = new ArrayList<>(before == null ? List.of() : before.items());
                    items.add(Map.of("name", name.substring(family.familyPrefix().length()), "value", e.getValue()));
                    raws.put(family, new Raw(null, items, family.env()));
                }
            } else if (option == null) {
                if (!reference) {
                    problems.add("unknown setting " + Printable.of(name) + Suggestions.hint(name, known)
                            + "; a variable that declares a secret has a value starting with ssm://");
                }
            } else if (reference && option != Option.ALLOW) {
                // SIDECAR_ALLOW may start with an sm:// entry: the prefixes read from Secrets Manager directly.
                problems.add(name + " is a setting, so its value cannot be an ssm:// reference");
            } else if (!e.getValue().isEmpty()) {
                // An empty variable counts as unset: templates often render VAR= for "no value".
                raws.put(option, Raw.text(e.getValue(), name));
            }
        }
        return raws;
    }

    /** The config file's secrets, overridden by env references with the same key, sorted by key. */
    private static List<Reference> references(Map<String, String> env, ConfigFile file, List<String> problems) {
        Map<String, Reference> byKey = new TreeMap<>();
        for (Map.Entry<String, String> e : file.secrets.entrySet()) {
            try {
                byKey.put(e.getKey(), ReferenceParser.parse(e.getKey(), e.getValue()));
            } catch (ReferenceException ex) {
                problems.add("secrets in " + file.path + ": " + ex.getMessage());
            }
        }
        Map<String, String> declaring = new TreeMap<>(env);
        Stream.of(Option.values()).forEach(o -> declaring.remove(o.env()));
        try {
            References.fromEnv(declaring).forEach(r -> byKey.put(r.key(), r));
        } catch (ReferenceException ex) {
            problems.addAll(ex.problems());
        }
        return List.copyOf(byKey.values());
    }

    /**
     * The settings table for {@code command}'s {@code --help}: only the settings it reads ({@code Option.readBy}).
     * The others are still checked, so a mistake in one is an error for every command.
     */
    public static String help(String command) {
        StringBuilder b = new StringBuilder(4096)
                .append("Settings (flags win over SIDECAR_* environment variables, which win over the config file)")
                .append(command == null ? "" : "; those " + command + " reads").append(":\n");
        for (Option o : Option.values()) {
            if (command != null && !o.readBy().contains(command)) {
                continue;
            }
            String flag = o.flag() == null ? "(environment only)"
                    : o.valueName == null ? o.flag() : o.flag() + " " + o.valueName;
            b.append("  ").append(flag).append(" ".repeat(Math.max(1, 30 - flag.length()))).append(o.env()).append('\n')
                    .append("      ").append(o.help).append(". Default: ").append(o.defaultText)
                    .append(". Allowed: ").append(o.allowed).append(".\n");
        }
        return b.append("Every environment variable whose value starts with ssm:// declares a secret;"
                + " see docs/reference-syntax.md for the reference syntax.\n").toString();
    }
}
