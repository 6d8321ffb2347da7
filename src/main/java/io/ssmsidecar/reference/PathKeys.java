package io.ssmsidecar.reference;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The key rule for path references ({@code ssm:///prod/app/*}): each parameter below the path becomes its own
 * key, the part below the prefix upper-cased with {@code /}, {@code -} and {@code .} turned into {@code _},
 * prefixed by the variable's name and {@code _} unless the variable is named {@code _}. Prefixes of Secrets Manager
 * secrets ({@code sm://prod/app/*}) build their keys by the same rule from the part of the name below the prefix.
 */
public final class PathKeys {
    private PathKeys() {
    }

    /**
     * The key of {@code parameterName} found below {@code pathPrefix} for the variable {@code variableName},
     * e.g. {@code ("APP", "/prod/app", "/prod/app/db/pass-word")} gives {@code APP_DB_PASS_WORD}.
     *
     * @throws ReferenceException if the parameter is not below the prefix or the key would be invalid
     */
    public static String keyFor(String variableName, String pathPrefix, String parameterName) throws ReferenceException {
        return keyFor(variableName, pathPrefix, parameterName, "parameter");
    }

    private static String keyFor(String variableName, String pathPrefix, String parameterName, String noun)
            throws ReferenceException {
        String prefix = pathPrefix.endsWith("/") ? pathPrefix : pathPrefix + "/";
        if (!parameterName.startsWith(prefix) || parameterName.length() == prefix.length()) {
            throw new ReferenceException(Printable.of(variableName) + ": " + noun + " " + Printable.of(parameterName)
                    + " is not below " + (noun.equals("parameter") ? "the path " : "the prefix ") + Printable.of(pathPrefix));
        }
        String below = parameterName.substring(prefix.length()).toUpperCase(Locale.ROOT)
                .replace('/', '_').replace('-', '_').replace('.', '_');
        String key = variableName.equals("_") ? below : variableName + "_" + below;
        String problem = Keys.problem(key).orElse(null);
        if (problem != null) {
            throw new ReferenceException(Printable.of(variableName) + ": " + noun + " " + Printable.of(parameterName)
                    + " maps to key " + Printable.of(key) + ", which is not allowed: " + problem + "; " + Keys.RULE);
        }
        return key;
    }

    /**
     * The keys of every parameter found below {@code pathPrefix}, as key to parameter name, sorted by key.
     * Repeated names count once.
     *
     * @throws ReferenceException listing every parameter that maps to an invalid key and every set of
     *                            parameters that map to one key (naming all of them)
     */
    public static SortedMap<String, String> keysFor(String variableName, String pathPrefix,
                                                    Collection<String> parameterNames) throws ReferenceException {
        return keysFor(variableName, pathPrefix, parameterNames, "parameter");
    }

    /**
     * As {@link #keysFor(String, String, Collection)}, naming what was found {@code noun} in messages
     * ({@code "secret"} for {@code sm://PREFIX/*}).
     */
    public static SortedMap<String, String> keysFor(String variableName, String pathPrefix,
                                                    Collection<String> parameterNames, String noun)
            throws ReferenceException {
        List<String> problems = new ArrayList<>();
        Map<String, TreeSet<String>> byKey = new TreeMap<>();
        for (String name : new TreeSet<>(parameterNames)) {
            try {
                byKey.computeIfAbsent(keyFor(variableName, pathPrefix, name, noun), k -> new TreeSet<>()).add(name);
            } catch (ReferenceException e) {
                problems.addAll(e.problems());
            }
        }
        SortedMap<String, String> keys = new TreeMap<>();
        byKey.forEach((key, names) -> {
            if (names.size() == 1) {
                keys.put(key, names.first());
            } else {
                problems.add(Printable.of(variableName) + ": " + noun + "s "
                        + String.join(" and ", names.stream().map(Printable::of).toList())
                        + (names.size() == 2 ? " both" : " all") + " map to key " + key
                        + "; rename one of them or load them separately");
            }
        });
        if (!problems.isEmpty()) {
            throw new ReferenceException(problems);
        }
        return Collections.unmodifiableSortedMap(keys);
    }
}
