package io.ssmsidecar.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses one {@code ssm://} reference (pure, no I/O). The syntax, in URL order:
 * <pre>
 * ssm://NAME[:SELECTOR][?optional][#JSONKEY]      one parameter (NAME may be an ARN)
 * ssm://PATH/*[?optional]                         every parameter below PATH, recursively
 * sm://SECRET[:SELECTOR][?optional][#JSONKEY]     one Secrets Manager secret, read directly (SECRET a name or a
 *                                                 full secret ARN; SELECTOR a version stage or version id)
 * sm://PREFIX/*[?optional][&amp;tag=KEY[=VALUE]]...   every secret whose name starts with PREFIX/, optionally only those
 *                                                 carrying each tag given (KEY with VALUE, or KEY with any value)
 * </pre>
 * Only canonical input is accepted, so {@link Reference#format()} of a result gives back the input.
 * A JSON key is one top-level key, taken literally (a dot is part of the key, not a nested path).
 */
public final class ReferenceParser {
    /** SSM's limit on a parameter name (with its path) or ARN. */
    static final int MAX_NAME_LENGTH = 2048;
    /** SSM's limit on hierarchy levels. */
    static final int MAX_LEVELS = 15;
    static final int MAX_LABEL_LENGTH = 100;
    static final int MAX_STAGE_LENGTH = 256;
    static final int MAX_SECRET_ID_LENGTH = 512;
    static final int MAX_JSON_KEY_LENGTH = 1024;
    /** A version is a long; 18 digits always fit. */
    static final int MAX_VERSION_DIGITS = 18;

    static final String OPTIONAL = "optional";
    static final Set<String> OPTIONS = Set.of(OPTIONAL);
    /** The tag filter option of {@code sm://PREFIX/*}: {@code tag=KEY} or {@code tag=KEY=VALUE}. */
    static final String TAG = "tag=";
    /** Secrets Manager takes 10 filters per call: the name, and a key and a value filter per tag. */
    static final int MAX_TAGS = 4;
    static final int MAX_TAG_KEY_LENGTH = 128;
    static final int MAX_TAG_VALUE_LENGTH = 256;
    /** The most unknown options a message lists. */
    static final int MAX_LISTED = 5;

    static final List<String> PARTITIONS = List.of("aws", "aws-cn", "aws-us-gov");

    private static final String PATH_SUFFIX = "/*";
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    /** A Secrets Manager version id as the services create them: a UUID. */
    private static final Pattern VERSION_ID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final String SECRETS_MANAGER_ROOT =
            Reference.SECRETS_MANAGER_PREFIX.substring(0, Reference.SECRETS_MANAGER_PREFIX.length() - 1);

    private ReferenceParser() {
    }

    /**
     * Parses {@code value}, declared by the variable {@code key}.
     *
     * @throws ReferenceException naming the variable and the reason; it quotes the reference only, and
     *                            nothing at all of a value that is not a reference
     */
    public static Reference parse(String key, String value) throws ReferenceException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (!Reference.isReference(value)) {
            // Not a reference: the value may be anything, even a secret, so it is not shown.
            throw new ReferenceException(Printable.of(key) + ": the value does not start with "
                    + Reference.SCHEME + " or " + Reference.SECRETS_MANAGER_SCHEME
                    + " (it is not shown, as it may be a secret)");
        }
        String keyProblem = Keys.problem(key).orElse(null);
        if (keyProblem != null) {
            throw fail(key, value, "the variable's name cannot be a key: " + keyProblem + "; " + Keys.RULE);
        }
        Attempt attempt = new Attempt(value);
        String reason = attempt.parse();
        if (reason != null) {
            throw fail(key, value, reason);
        }
        return attempt.result(key);
    }

    private static ReferenceException fail(String key, String value, String reason) {
        return new ReferenceException(Printable.of(key) + "=" + Printable.of(value) + ": " + reason);
    }

    /** One parse of one value: {@link #parse()} answers the first problem, or null when the value is good. */
    private static final class Attempt {
        private final String raw;
        private Reference.Kind kind = Reference.Kind.PARAMETER;
        private String name;
        private String selector;
        private String jsonKey;
        private boolean optional;
        private final List<Reference.Tag> tags = new ArrayList<>();

        Attempt(String raw) {
            this.raw = raw;
        }

        Reference result(String key) {
            return new Reference(key, kind, name, selector, jsonKey, optional, raw, tags);
        }

        String parse() {
            boolean secret = raw.startsWith(Reference.SECRETS_MANAGER_SCHEME);
            String body = raw.substring(secret ? Reference.SECRETS_MANAGER_SCHEME.length() : Reference.SCHEME.length());
            int hash = body.indexOf('#');
            if (hash >= 0) {
                jsonKey = body.substring(hash + 1);
                body = body.substring(0, hash);
                String problem = jsonKeyProblem(jsonKey);
                if (problem != null) {
                    return problem;
                }
            }
            int question = body.indexOf('?');
            if (question >= 0) {
                String problem = options(body.substring(question + 1));
                if (problem != null) {
                    return problem;
                }
                body = body.substring(0, question);
            }
            if (secret) {
                kind = Reference.Kind.SECRET;
                String problem = secret(body);
                if (problem == null && !tags.isEmpty() && kind != Reference.Kind.SECRET_PREFIX) {
                    return "a tag filter (?tag=...) only narrows a prefix of secrets, as in sm://prod/app/*?tag=team=pay";
                }
                return problem;
            }
            if (!tags.isEmpty()) {
                return "a tag filter (?tag=...) only narrows a prefix of Secrets Manager secrets (sm://PREFIX/*?tag=KEY=VALUE);"
                        + " Parameter Store references take ?optional only";
            }
            if (body.isEmpty()) {
                return "no parameter name after " + Reference.SCHEME;
            }
            if (body.startsWith("arn:")) {
                return arn(body);
            }
            if (body.endsWith(PATH_SUFFIX)) {
                return path(body.substring(0, body.length() - PATH_SUFFIX.length()));
            }
            if (body.contains(PATH_SUFFIX + ":")) {
                return "a path reference (/*) takes no selector";
            }
            if (body.indexOf('*') >= 0) {
                return "'*' may only end a path reference, as in ssm:///prod/app/*";
            }
            int colon = body.indexOf(':');
            name = colon < 0 ? body : body.substring(0, colon);
            String problem = name.startsWith(Reference.SECRETS_MANAGER_PREFIX)
                    ? secretIdProblem(name.substring(Reference.SECRETS_MANAGER_PREFIX.length()))
                    : nameProblem(name);
            if (problem != null) {
                return problem;
            }
            return colon < 0 ? null : selector(body.substring(colon + 1), name.startsWith(Reference.SECRETS_MANAGER_PREFIX));
        }

        private String options(String query) {
            if (query.isEmpty()) {
                return "nothing follows '?'; allowed options: " + allowed();
            }
            List<String> unknown = new ArrayList<>();
            int index = 0;
            for (String option : query.split("&", -1)) {
                if (option.equals(OPTIONAL)) {
                    if (optional) {
                        return "option '" + option + "' is given twice";
                    }
                    if (index > 0) {
                        return "write ?optional first, before any tag filter, as in sm://prod/app/*?optional&tag=team=pay";
                    }
                    optional = true;
                } else if (option.startsWith(TAG)) {
                    String problem = tag(option.substring(TAG.length()));
                    if (problem != null) {
                        return problem;
                    }
                } else {
                    unknown.add(option.isEmpty() ? "(empty)" : Printable.of(option));
                }
                index++;
            }
            if (!unknown.isEmpty()) {
                // A few are enough to see the mistake; all of them would make the message as long as the input.
                String more = unknown.size() > MAX_LISTED ? " and " + (unknown.size() - MAX_LISTED) + " more" : "";
                return "unknown option" + (unknown.size() > 1 ? "s " : " ")
                        + String.join(", ", unknown.subList(0, Math.min(unknown.size(), MAX_LISTED))) + more
                        + " after '?'; allowed options: " + allowed();
            }
            return null;
        }

        private String allowed() {
            return raw.startsWith(Reference.SECRETS_MANAGER_SCHEME)
                    ? OPTIONAL + ", tag=KEY or tag=KEY=VALUE (after sm://PREFIX/*)" : String.join(", ", OPTIONS);
        }

        /** One {@code tag=KEY[=VALUE]} option, after {@code tag=}: the first '=' ends the key. */
        private String tag(String text) {
            int eq = text.indexOf('=');
            String tagKey = eq < 0 ? text : text.substring(0, eq);
            String tagValue = eq < 0 ? null : text.substring(eq + 1);
            if (tagKey.isEmpty()) {
                return "a tag filter needs a tag key: tag=KEY (any value) or tag=KEY=VALUE";
            }
            String problem = tagTextProblem("tag key", tagKey, MAX_TAG_KEY_LENGTH);
            if (problem == null && tagValue != null) {
                problem = tagTextProblem("tag value", tagValue, MAX_TAG_VALUE_LENGTH);
            }
            if (problem != null) {
                return problem;
            }
            if (tags.stream().anyMatch(t -> t.key().equals(tagKey))) {
                return "tag " + Printable.of(tagKey) + " is filtered twice; give each tag key once";
            }
            if (tags.size() == MAX_TAGS) {
                return "at most " + MAX_TAGS + " tag filters are allowed (Secrets Manager takes 10 filters per call)";
            }
            tags.add(new Reference.Tag(tagKey, tagValue));
            return null;
        }

        /** Secrets Manager's filter values: letters, digits, space and : _ @ / + = . - (no leading '!': negation). */
        private static String tagTextProblem(String what, String text, int max) {
            if (text.length() > max) {
                return "a " + what + " is at most " + max + " characters, got " + text.length();
            }
            if (text.startsWith("!")) {
                return "a " + what + " cannot start with '!' (Secrets Manager reads it as a negation)";
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (!Keys.isKeyChar(c) && " :@/+=".indexOf(c) < 0) {
                    return what + " " + Printable.of(text) + " contains " + Printable.character(c)
                            + "; tag filters use letters, digits, spaces and : _ @ / + = . -";
                }
            }
            return null;
        }

        private String path(String path) {
            kind = Reference.Kind.PATH;
            name = path;
            if (jsonKey != null) {
                return "a path reference (/*) takes no JSON key (#" + Printable.of(jsonKey) + ")";
            }
            if (path.isEmpty()) {
                return "the whole parameter store (ssm:///*) cannot be loaded; name a path such as ssm:///prod/app/*";
            }
            if (!path.startsWith("/")) {
                return "a path must start with '/': write ssm:///" + Printable.of(path + PATH_SUFFIX);
            }
            if (path.indexOf(':') >= 0) {
                return "a path reference (/*) takes no selector, and ':' cannot appear in a path";
            }
            if (path.equals(SECRETS_MANAGER_ROOT) || path.startsWith(Reference.SECRETS_MANAGER_PREFIX)) {
                return "Secrets Manager references cannot be listed by path; name each secret as "
                        + "ssm:///aws/reference/secretsmanager/<secret-id>, or list them from Secrets Manager itself"
                        + " as sm://PREFIX/*";
            }
            if (path.indexOf('*') >= 0) {
                return "'*' may only end a path reference, as in ssm:///prod/app/*";
            }
            return nameProblem(path);
        }

        private String arn(String body) {
            String[] parts = body.split(":", -1);
            if (parts.length < 6) {
                return "an ARN has the form arn:aws:ssm:<region>:<account-id>:parameter/<name>";
            }
            if (parts.length > 7) {
                return "only one selector is allowed (found more than one ':' after the ARN's name)";
            }
            String partition = parts[1];
            String region = parts[3];
            if (!PARTITIONS.contains(partition)) {
                return "the ARN's partition must be one of " + String.join(", ", PARTITIONS) + ", got "
                        + Printable.of(partition);
            }
            if (!parts[2].equals("ssm")) {
                return "the ARN's service must be 'ssm', got " + Printable.of(parts[2])
                        + (parts[2].equals("secretsmanager")
                        ? "; read a Secrets Manager secret as sm://" + Printable.of(body)
                        + " (or by name as ssm:///aws/reference/secretsmanager/<secret-id>)" : "");
            }
            if (!REGION.matcher(region).matches()) {
                return "the ARN's region must look like us-east-1, got " + Printable.of(region);
            }
            String problem = partitionRegionProblem(partition, region);
            if (problem != null) {
                return problem;
            }
            if (!ACCOUNT.matcher(parts[4]).matches()) {
                return "the ARN's account id must be 12 digits, got " + Printable.of(parts[4]);
            }
            String resource = parts[5];
            if (!resource.startsWith("parameter/")) {
                return "the ARN's resource must be parameter/<name>, got " + Printable.of(resource);
            }
            String parameterName = resource.substring("parameter".length());
            if (parameterName.endsWith(PATH_SUFFIX)) {
                return "a path reference cannot be an ARN; write ssm://" + Printable.of(parameterName);
            }
            if (parameterName.startsWith(Reference.SECRETS_MANAGER_PREFIX)) {
                return "write a Secrets Manager reference by name, as ssm://" + Printable.of(parameterName)
                        + ", not as an ARN";
            }
            problem = nameProblem(parameterName);
            if (problem != null) {
                return problem;
            }
            name = String.join(":", List.of(parts).subList(0, 6));
            if (name.length() > MAX_NAME_LENGTH) {
                return "the ARN is " + name.length() + " characters long; at most " + MAX_NAME_LENGTH + " are allowed";
            }
            return parts.length == 7 ? selector(parts[6], false) : null;
        }

        /** {@code sm://} after the scheme, without its options and JSON key. */
        private String secret(String body) {
            if (body.isEmpty()) {
                return "no secret name or ARN after " + Reference.SECRETS_MANAGER_SCHEME;
            }
            if (body.endsWith(PATH_SUFFIX)) {
                return secretPrefix(body.substring(0, body.length() - PATH_SUFFIX.length()));
            }
            if (body.contains(PATH_SUFFIX + ":")) {
                return "a prefix of secrets (sm://PREFIX/*) takes no selector: it loads each secret's AWSCURRENT version";
            }
            if (body.indexOf('*') >= 0) {
                return "'*' cannot appear in a secret name";
            }
            if (body.startsWith("ssm:") || body.startsWith("/aws/reference/secretsmanager/")) {
                return "write the secret's name after sm://, as in sm://prod/db";
            }
            String selectorText;
            if (body.startsWith("arn:")) {
                String[] parts = body.split(":", -1);
                if (parts.length < 7) {
                    return "a secret ARN has the form arn:aws:secretsmanager:<region>:<account-id>:secret:<name>";
                }
                if (parts.length > 8) {
                    return "only one selector is allowed (found more than one ':' after the ARN's secret name)";
                }
                if (!PARTITIONS.contains(parts[1])) {
                    return "the ARN's partition must be one of " + String.join(", ", PARTITIONS) + ", got "
                            + Printable.of(parts[1]);
                }
                if (!parts[2].equals("secretsmanager")) {
                    return "the ARN's service must be 'secretsmanager', got " + Printable.of(parts[2])
                            + (parts[2].equals("ssm") ? "; read a parameter as ssm://" + Printable.of(
                            String.join(":", List.of(parts).subList(0, Math.min(parts.length, 6)))) : "");
                }
                if (!REGION.matcher(parts[3]).matches()) {
                    return "the ARN's region must look like us-east-1, got " + Printable.of(parts[3]);
                }
                String problem = partitionRegionProblem(parts[1], parts[3]);
                if (problem != null) {
                    return problem;
                }
                if (!ACCOUNT.matcher(parts[4]).matches()) {
                    return "the ARN's account id must be 12 digits, got " + Printable.of(parts[4]);
                }
                if (!parts[5].equals("secret")) {
                    return "the ARN's resource must be secret:<name>, got " + Printable.of(parts[5]);
                }
                problem = secretNameProblem(parts[6]);
                if (problem != null) {
                    return problem;
                }
                name = String.join(":", List.of(parts).subList(0, 7));
                selectorText = parts.length == 8 ? parts[7] : null;
            } else {
                int colon = body.indexOf(':');
                name = colon < 0 ? body : body.substring(0, colon);
                String problem = secretNameProblem(name);
                if (problem != null) {
                    return problem;
                }
                selectorText = colon < 0 ? null : body.substring(colon + 1);
            }
            if (selectorText == null) {
                return null;
            }
            if (selectorText.isEmpty()) {
                return "nothing follows ':'; give a version stage (:AWSPREVIOUS) or a version id (a UUID)";
            }
            if (selectorText.indexOf(':') >= 0) {
                return "only one selector is allowed (found more than one ':'); a secret name cannot hold ':'";
            }
            selector = selectorText;
            if (allDigits(selectorText)) {
                return "Secrets Manager has no numbered versions (got " + Printable.of(selectorText)
                        + "); give a version stage (:AWSPREVIOUS) or a version id (a UUID)";
            }
            return isVersionId(selectorText) ? null : stageProblem(selectorText);
        }

        /** {@code sm://PREFIX/*}, given PREFIX. */
        private String secretPrefix(String prefix) {
            kind = Reference.Kind.SECRET_PREFIX;
            name = prefix;
            if (jsonKey != null) {
                return "a prefix of secrets (sm://PREFIX/*) takes no JSON key (#" + Printable.of(jsonKey)
                        + "); name the secret to read one of its keys, as in sm://prod/db#password";
            }
            if (prefix.isEmpty()) {
                return "every secret of the account (sm:///*) cannot be loaded; name a prefix such as sm://prod/app/*";
            }
            if (prefix.startsWith("arn:")) {
                return "a prefix of secrets lists the task's own account and region, so it cannot be an ARN; "
                        + "name another account's secrets one by one, as in sm://arn:aws:secretsmanager:...:secret:NAME";
            }
            if (prefix.indexOf('*') >= 0) {
                return "'*' may only end a prefix of secrets, as in sm://prod/app/*";
            }
            if (prefix.indexOf(':') >= 0) {
                return "a prefix of secrets (sm://PREFIX/*) takes no selector, and ':' cannot appear in a secret name";
            }
            if (prefix.endsWith("/")) {
                return "the prefix ends with '/' twice; write sm://" + Printable.of(prefix.replaceAll("/+$", "")) + "/*";
            }
            return secretNameProblem(prefix);
        }

        private static String secretNameProblem(String secretName) {
            if (secretName.isEmpty()) {
                return "the secret name is empty";
            }
            if (secretName.length() > MAX_SECRET_ID_LENGTH) {
                return "a secret name is at most " + MAX_SECRET_ID_LENGTH + " characters, got " + secretName.length();
            }
            for (int i = 0; i < secretName.length(); i++) {
                char c = secretName.charAt(i);
                // '!' only as the services that own a secret spell its name (RDS: rds!db-<uuid>).
                if (!Keys.isKeyChar(c) && "/+=@!".indexOf(c) < 0) {
                    return "character " + Printable.character(c) + " at position " + (i + 1)
                            + " of the secret name is not allowed; secret names use letters, digits and / _ + = . @ -"
                            + " (and ! in names such as RDS's rds!db-...)";
                }
            }
            return null;
        }

        private static String partitionRegionProblem(String partition, String region) {
            boolean china = region.startsWith("cn-");
            boolean govCloud = region.startsWith("us-gov-");
            if (partition.equals("aws-cn") != china || partition.equals("aws-us-gov") != govCloud) {
                return "region " + region + " is not in partition " + partition;
            }
            return null;
        }

        private String selector(String text, boolean secretsManager) {
            if (text.isEmpty()) {
                return "nothing follows ':'; give a version (:3) or a label (:blue)";
            }
            if (text.indexOf(':') >= 0) {
                return "only one selector is allowed (found more than one ':')";
            }
            selector = text;
            if (allDigits(text)) {
                if (text.charAt(0) == '0') {
                    return "a version is a positive number without leading zeros, got " + Printable.of(text);
                }
                if (text.length() > MAX_VERSION_DIGITS) {
                    return "version " + Printable.of(text) + " is too large";
                }
                return null;
            }
            return secretsManager ? stageProblem(text) : labelProblem(text);
        }

        private static String labelProblem(String label) {
            if (label.length() > MAX_LABEL_LENGTH) {
                return "a label is at most " + MAX_LABEL_LENGTH + " characters, got " + label.length();
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!Keys.isKeyChar(c)) {
                    return "label " + Printable.of(label) + " contains " + Printable.character(c)
                            + "; labels use letters, digits, '_', '.' and '-'";
                }
            }
            if (label.charAt(0) >= '0' && label.charAt(0) <= '9') {
                return "label " + Printable.of(label) + " starts with a digit, which SSM does not allow"
                        + " (a version is digits only)";
            }
            String lower = label.toLowerCase(Locale.ROOT);
            if (lower.startsWith("aws") || lower.startsWith("ssm")) {
                return "label " + Printable.of(label) + " starts with 'aws' or 'ssm', which SSM reserves";
            }
            return null;
        }

        private static String stageProblem(String stage) {
            if (stage.length() > MAX_STAGE_LENGTH) {
                return "a Secrets Manager stage is at most " + MAX_STAGE_LENGTH + " characters, got " + stage.length();
            }
            for (int i = 0; i < stage.length(); i++) {
                char c = stage.charAt(i);
                if (!Keys.isKeyChar(c) && c != '+' && c != '=' && c != '@') {
                    return "Secrets Manager stage " + Printable.of(stage) + " contains " + Printable.character(c)
                            + "; stages use letters, digits and _ . - + = @ (e.g. AWSPREVIOUS)";
                }
            }
            return null;
        }

        private static String secretIdProblem(String id) {
            if (id.isEmpty()) {
                return "no secret id after " + Reference.SECRETS_MANAGER_PREFIX;
            }
            if (id.length() > MAX_SECRET_ID_LENGTH) {
                return "a secret id is at most " + MAX_SECRET_ID_LENGTH + " characters, got " + id.length();
            }
            for (int i = 0; i < id.length(); i++) {
                char c = id.charAt(i);
                if (!Keys.isKeyChar(c) && "/+=@".indexOf(c) < 0) {
                    return "character " + Printable.character(c) + " at position " + (i + 1)
                            + " of the secret id is not allowed; secret ids use letters, digits and / _ + = . @ -";
                }
            }
            if (id.startsWith("/") || id.endsWith("/") || id.contains("//")) {
                return "the secret id must not start or end with '/' or have an empty level ('//')";
            }
            return null;
        }

        private String jsonKeyProblem(String key) {
            if (key.isEmpty()) {
                return "nothing follows '#'; give a JSON key, as in ssm:///prod/db#password";
            }
            if (key.endsWith("?" + OPTIONAL)) {
                return "the JSON key ends in '?optional': write ?optional before #, as in ssm:///prod/db?optional#"
                        + Printable.of(key.substring(0, key.length() - OPTIONAL.length() - 1));
            }
            if (key.length() > MAX_JSON_KEY_LENGTH) {
                return "a JSON key is at most " + MAX_JSON_KEY_LENGTH + " characters, got " + key.length();
            }
            for (int i = 0; i < key.length(); i++) {
                char c = key.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    return "the JSON key contains the control character " + Printable.character(c);
                }
            }
            return null;
        }

        private static boolean allDigits(String s) {
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
            return true;
        }
    }

    /** True when {@code selector} of an {@code sm://} reference is a version id (a UUID) rather than a stage. */
    static boolean isVersionId(String selector) {
        return VERSION_ID.matcher(selector).matches();
    }

    /** Why {@code name} is not a parameter name SSM accepts, or null if it is one. */
    static String nameProblem(String name) {
        if (name.isEmpty()) {
            return "the parameter name is empty";
        }
        if (name.length() > MAX_NAME_LENGTH) {
            return "the parameter name is " + name.length() + " characters long; at most " + MAX_NAME_LENGTH
                    + " are allowed";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!Keys.isKeyChar(c) && c != '/') {
                return "character " + Printable.character(c) + " at position " + (i + 1)
                        + " of the parameter name is not allowed; names use letters, digits and _ . - /"
                        + (c == '%' ? " (no percent-encoding: write the name as it is)" : "");
            }
        }
        if (name.charAt(0) != '/' && name.indexOf('/') > 0) {
            return "a name with '/' must start with '/': write ssm:///" + Printable.of(name);
        }
        if (name.contains("//")) {
            return "the parameter name has an empty level ('//')";
        }
        if (name.endsWith("/")) {
            return "the parameter name must not end with '/'";
        }
        long levels = name.chars().filter(c -> c == '/').count();
        if (levels > MAX_LEVELS) {
            return "the parameter name has " + levels + " levels; SSM allows at most " + MAX_LEVELS;
        }
        return null;
    }
}
