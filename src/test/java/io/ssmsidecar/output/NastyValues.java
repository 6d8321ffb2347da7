package io.ssmsidecar.output;

import io.ssmsidecar.source.SecretValue;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A corpus of values that break naive quoting, keyed by valid env names. */
final class NastyValues {
    private NastyValues() {
    }

    /** Every value every bundle must carry byte-exact (dotenv included). */
    static Map<String, String> all() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("SINGLE_QUOTE", "it's a 'test'");
        m.put("DOUBLE_QUOTE", "say \"hi\" \"");
        m.put("BOTH_QUOTES", "it's \"both\" '\"'");
        m.put("COMMAND_SUBST", "$(touch pwned) ${HOME} $HOME $1 $$ ${X:-y}");
        m.put("BACKTICKS", "`touch pwned` and `id`");
        m.put("BACKSLASHES", "C:\\new\\raw\\\\path\\t\\\" end\\");
        m.put("TRAILING_BACKSLASH", "ends with \\");
        m.put("CRLF", "line1\r\nline2\r\n");
        m.put("LONE_CR", "a\rb");
        m.put("NEWLINES", "\nfirst\n\nlast\n");
        m.put("TABS", "\tcol1\tcol2\t");
        m.put("UNICODE", "Grüße – 日本語 – emoji 😀🔑 – RTL שלום مرحبا \u200f– combining e\u0301");
        m.put("EMPTY", "");
        m.put("SPACES", "  leading and trailing  ");
        m.put("ONLY_SPACES", "   ");
        m.put("EQUALS_HASH", "a=b#c # not a comment ; ! also not");
        m.put("PROPERTIES_SPECIALS", "!bang :colon =eq #hash \\u0041 \f");
        m.put("LOOKS_LIKE_LINES", "FOO=bar\nexport X='y'\nBAZ=\"q\"\n# comment");
        m.put("JSON_VALUE", "{\"user\":\"admin\",\"password\":\"p@ss\\\"w0rd\",\"n\":1}");
        m.put("PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg+/=\n-----END PRIVATE KEY-----\n");
        m.put("CONTROL_CHARS", "bell\u0007 esc\u001b[31m del\u007f");
        m.put("BIG_8K", big());
        return Collections.unmodifiableMap(m);
    }

    /** 8 KiB of UTF-8 mixing every special character but backticks and CR: the advanced-tier SSM maximum. */
    static String big() {
        String unit = "ab'c\"d$e\\f\ng#h=i é 😀 ";
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        StringBuilder b = new StringBuilder();
        int bytes = 0;
        while (bytes + unitBytes <= 8192) {
            b.append(unit);
            bytes += unitBytes;
        }
        return b.append("z".repeat(8192 - bytes)).toString();
    }

    static Map<String, SecretValue> secrets(Map<String, String> plain) {
        Map<String, SecretValue> m = new LinkedHashMap<>();
        plain.forEach((k, v) -> m.put(k, SecretValue.of(v)));
        return m;
    }
}
