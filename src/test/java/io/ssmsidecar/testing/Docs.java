package io.ssmsidecar.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documentation the tests check against the code: {@code README.md} at the repository root and one file per
 * topic in {@code docs/}. Tests run with the repository root as working directory (Maven's default).
 */
public final class Docs {
    /** The folder of the topic files. */
    public static final Path DIR = Path.of("docs");

    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) +(.+?) *#*$");
    private static final Pattern LINK = Pattern.compile("\\[([^\\]]*)\\]\\(([^)\\s]+)\\)");

    private Docs() {
    }

    /** The text of {@code docs/NAME} (e.g. {@code "settings.md"}). */
    public static String read(String name) {
        return readFile(DIR.resolve(name));
    }

    /** The text of any Markdown file, by path from the repository root. */
    public static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /**
     * The section of {@code docs/NAME} under the heading whose text is {@code heading} (any level), up to the next
     * heading of the same or a higher level outside code blocks; from the heading line on, including it.
     *
     * @throws AssertionError when the file has no such heading
     */
    public static String section(String name, String heading) {
        List<String> lines = read(name).lines().toList();
        boolean[] code = inCode(lines);
        int start = -1;
        int level = 0;
        for (int i = 0; i < lines.size(); i++) {
            Matcher h = HEADING.matcher(lines.get(i));
            if (code[i] || !h.matches()) {
                continue;
            }
            if (start < 0 && h.group(2).equals(heading)) {
                start = i;
                level = h.group(1).length();
            } else if (start >= 0 && h.group(1).length() <= level) {
                return String.join("\n", lines.subList(start, i)) + "\n";
            }
        }
        if (start < 0) {
            throw new AssertionError("docs/" + name + " has no heading '" + heading + "'");
        }
        return String.join("\n", lines.subList(start, lines.size())) + "\n";
    }

    /** Every heading of a Markdown text outside code blocks, as its text. */
    public static List<String> headings(String markdown) {
        List<String> out = new ArrayList<>();
        for (String line : prose(markdown)) {
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                out.add(h.group(2));
            }
        }
        return out;
    }

    /**
     * The anchors GitHub gives a file's headings: lower case, link and formatting marks dropped, every character
     * but letters, digits, spaces, {@code -} and {@code _} removed, spaces turned into {@code -}; a repeated slug
     * gets {@code -1}, {@code -2}, ...
     */
    public static Set<String> anchors(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String heading : headings(markdown)) {
            String slug = slug(heading);
            int n = seen.merge(slug, 1, Integer::sum) - 1;
            out.add(n == 0 ? slug : slug + "-" + n);
        }
        return out;
    }

    /** GitHub's anchor for one heading's text. */
    public static String slug(String heading) {
        String text = LINK.matcher(heading).replaceAll("$1");
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }

    /** Every link target of a Markdown text outside code blocks and code spans, as written. */
    public static List<String> links(String markdown) {
        List<String> out = new ArrayList<>();
        for (String line : prose(markdown)) {
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
            while (m.find()) {
                out.add(m.group(2));
            }
        }
        return out;
    }

    /** The lines outside fenced code blocks (where a {@code #} starts a comment, not a heading). */
    private static List<String> prose(String markdown) {
        List<String> lines = markdown.lines().toList();
        boolean[] code = inCode(lines);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!code[i]) {
                out.add(lines.get(i));
            }
        }
        return out;
    }

    /** Which lines are fences or inside a fenced code block. */
    private static boolean[] inCode(List<String> lines) {
        boolean[] code = new boolean[lines.size()];
        boolean fence = false;
        for (int i = 0; i < lines.size(); i++) {
            boolean marker = lines.get(i).startsWith("```");
            code[i] = fence || marker;
            if (marker) {
                fence = !fence;
            }
        }
        return code;
    }
}
