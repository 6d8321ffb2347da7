package io.ssmsidecar.config;

import io.ssmsidecar.reference.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the API token. First present wins: {@code --token-file}, {@code SIDECAR_TOKEN} (literal, or
 * {@code file:///path} as the AWS agent accepts), {@code SIDECAR_TOKEN_FILE}, {@code tokenFile} in the
 * config file, {@code AWS_CONTAINER_AUTHORIZATION_TOKEN}. No message ever holds the token or file content.
 */
final class ApiToken {
    static final String AWS_ENV = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    static final int MAX_LENGTH = 4096;
    private static final String FILE_SCHEME = "file://";

    private ApiToken() {
    }

    /**
     * The token, or empty when none is configured (the daemon then generates one).
     *
     * @param flagFile the {@code --token-file} flag, or null
     * @param file     {@code SIDECAR_TOKEN_FILE} or {@code tokenFile} from the config file (env first), or null
     */
    static Optional<String> resolve(Raw flagFile, Map<String, String> env, Raw file, List<String> problems) {
        if (flagFile != null) {
            return fromFile(flagFile.text(), flagFile.origin(), problems);
        }
        String literal = env.getOrDefault(Option.TOKEN.env(), "");
        if (literal.startsWith(FILE_SCHEME)) {
            String path = literal.substring(FILE_SCHEME.length());
            if (!path.startsWith("/")) {
                problems.add(Option.TOKEN.env() + " names a file as file:///absolute/path; the host part must be empty");
                return Optional.empty();
            }
            return fromFile(path, Option.TOKEN.env(), problems);
        }
        if (!literal.isEmpty()) {
            return checked(literal, Option.TOKEN.env(), problems);
        }
        if (file != null) {
            return fromFile(file.text(), file.origin(), problems);
        }
        String aws = env.getOrDefault(AWS_ENV, "");
        return aws.isEmpty() ? Optional.empty() : checked(aws, AWS_ENV, problems);
    }

    private static Optional<String> fromFile(String path, String origin, List<String> problems) {
        String where = "token file " + Printable.of(path) + " (" + origin + ")";
        String content;
        try {
            content = new String(SmallFile.read(Path.of(path), MAX_LENGTH + 2), StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(where + " cannot be read: " + SmallFile.reason(e));
            return Optional.empty();
        } catch (InvalidPathException e) {
            problems.add(origin + " is not a usable path: " + Printable.of(path));
            return Optional.empty();
        }
        int end = content.length();
        while (end > 0 && (content.charAt(end - 1) == '\n' || content.charAt(end - 1) == '\r')) {
            end--;
        }
        if (end == 0) {
            problems.add(where + " is empty; write the token into it, or unset " + origin
                    + " to have one generated");
            return Optional.empty();
        }
        return checked(content.substring(0, end), where, problems);
    }

    private static Optional<String> checked(String token, String where, List<String> problems) {
        if (token.length() > MAX_LENGTH) {
            problems.add(where + ": the token is longer than " + MAX_LENGTH + " characters");
            return Optional.empty();
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            problems.add(where + ": the token may hold only visible ASCII characters"
                    + " (no spaces, control characters or non-ASCII letters)");
            return Optional.empty();
        }
        return Optional.of(token);
    }
}
