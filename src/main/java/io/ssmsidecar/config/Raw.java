package io.ssmsidecar.config;

import java.util.List;

/**
 * One setting as given, before validation: a text (env, flag or a scalar in the config file) or the items of
 * a JSON array (each a String or a {@code Map<String, String>}); {@code origin} names it for messages,
 * e.g. {@code SIDECAR_HTTP_PORT}, {@code --http-port} or {@code httpPort in /etc/sidecar.json}.
 */
record Raw(String text, List<Object> items, String origin) {
    Raw {
        items = items == null ? null : List.copyOf(items);
    }

    static Raw text(String text, String origin) {
        return new Raw(text, null, origin);
    }
}
