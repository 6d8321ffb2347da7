package io.ssmsidecar.localssm;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.zip.CRC32;

/**
 * The endpoint's data: parameters with their versions and labels, and Secrets Manager secrets with their
 * versions and staging labels. Every method holds the store's lock for its whole (short, in-memory) run, so
 * each SSM operation sees one consistent state. Methods throw {@link SsmError} with SSM's codes.
 */
final class ParameterStore {
    static final int MAX_VERSIONS = 100;
    static final int MAX_LABELS_PER_VERSION = 10;
    static final int STANDARD_MAX_VALUE = 4096;
    static final int ADVANCED_MAX_VALUE = 8192;
    static final String CURRENT = "AWSCURRENT";
    static final String PREVIOUS = "AWSPREVIOUS";

    private static final Set<String> TYPES = Set.of("String", "StringList", "SecureString");
    private static final Set<String> DATA_TYPES = Set.of("text", "aws:ec2:image", "aws:ssm:integration");

    /** One stored version of a parameter. {@code ciphertext} stands in for the KMS blob SSM returns undecrypted. */
    record Version(long number, String type, String value, String ciphertext, String description, String keyId,
                   String tier, String dataType, String allowedPattern, Instant modified, String modifiedBy) {
        @Override
        public String toString() {
            return "Version[" + number + ", " + type + "]";
        }
    }

    /** A parameter version as an answer shows it, with the labels on that version. */
    record Found(String name, Version version, List<String> labels) {
    }

    record PutRequest(String name, String value, String type, boolean overwrite, String description, String keyId,
                      String tier, String dataType, String allowedPattern) {
        @Override
        public String toString() {
            return "PutRequest[" + name + "]";
        }
    }

    record PutResult(long version, String tier) {
    }

    record LabelResult(long version, List<String> invalidLabels) {
    }

    /** One page of a path listing; {@code more} is true when items follow the last one. */
    record Page(List<Found> items, boolean more) {
    }

    /** One version of a Secrets Manager secret as a reference-path answer shows it. */
    record SecretView(String id, String arn, String versionId, String value, byte[] binary, List<String> stages,
                      Instant created, Map<String, String> tags) {
        /** The value as Parameter Store's {@code Value} carries it: the string, or the bytes in base64. */
        String text() {
            return value != null ? value : Base64.getEncoder().encodeToString(binary);
        }

        @Override
        public String toString() {
            return "SecretView[" + id + ", " + versionId + "]";
        }
    }

    private static final class Param {
        final String name;
        final TreeMap<Long, Version> versions = new TreeMap<>();
        final Map<String, Long> labels = new HashMap<>();
        long last;

        Param(String name) {
            this.name = name;
        }
    }

    private static final class SecretVersion {
        final String versionId;
        final String value;
        final byte[] binary;
        final Instant created;
        final Set<String> stages = new TreeSet<>();

        SecretVersion(String versionId, String value, byte[] binary, Instant created) {
            this.versionId = versionId;
            this.value = value;
            this.binary = binary;
            this.created = created;
        }
    }

    private static final class Secret {
        /** The secret's name. */
        final String id;
        final String arn;
        final List<SecretVersion> versions = new ArrayList<>();
        /** Tag key to value, in the order set (Secrets Manager's TagResource). */
        final Map<String, String> tags = new java.util.LinkedHashMap<>();

        Secret(String id, String arn) {
            this.id = id;
            this.arn = arn;
        }
    }

    private final String region;
    private final String account;
    private final java.util.Random random;
    private final TreeMap<String, Param> params = new TreeMap<>();
    /** By ARN: secrets of other accounts and regions may share a name with one of this endpoint's own. */
    private final Map<String, Secret> secrets = new java.util.LinkedHashMap<>();

    ParameterStore(String region, String account, java.util.Random random) {
        this.region = region;
        this.account = account;
        this.random = random;
    }

    String region() {
        return region;
    }

    String account() {
        return account;
    }

    synchronized PutResult put(PutRequest r, Instant now, String user) {
        Names.checkName(r.name(), true);
        String value = r.value();
        if (value == null || value.isEmpty()) {
            throw SsmError.validation("1 validation error detected: Value at 'value' failed to satisfy constraint: "
                    + "Member must have length greater than or equal to 1");
        }
        Param p = params.get(r.name());
        if (p != null && !r.overwrite()) {
            throw new SsmError("ParameterAlreadyExists", 400,
                    "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.");
        }
        Version prev = p == null ? null : p.versions.lastEntry().getValue();
        String type = r.type() != null ? r.type() : prev != null ? prev.type() : null;
        if (type == null) {
            throw SsmError.validation("A parameter type is required when you create a parameter.");
        }
        if (!TYPES.contains(type)) {
            throw SsmError.validation("1 validation error detected: Value '" + type + "' at 'type' failed to satisfy "
                    + "constraint: Member must satisfy enum value set: [SecureString, StringList, String]");
        }
        String tier = tier(r.tier(), prev, value.length());
        String dataType = r.dataType() != null ? r.dataType() : prev != null ? prev.dataType() : "text";
        if (!DATA_TYPES.contains(dataType)) {
            throw SsmError.validation("The following data type is not supported: " + dataType
                    + " (supported data types: aws:ec2:image, aws:ssm:integration, text)");
        }
        String pattern = r.allowedPattern() != null ? r.allowedPattern() : prev != null ? prev.allowedPattern() : null;
        if (pattern != null && !matches(pattern, value)) {
            throw new SsmError("ParameterPatternMismatchException", 400,
                    "Parameter value, cannot be validated against allowedPattern: " + pattern);
        }
        if (r.keyId() != null && !type.equals("SecureString")) {
            throw SsmError.validation("KeyId is required for SecureString type parameter only.");
        }
        String keyId = type.equals("SecureString") ? (r.keyId() != null ? r.keyId() : "alias/aws/ssm") : null;
        String description = r.description() != null ? r.description() : prev != null ? prev.description() : null;
        if (p == null) {
            p = new Param(r.name());
            params.put(r.name(), p);
        }
        if (p.versions.size() >= MAX_VERSIONS) {
            long oldest = p.versions.firstKey();
            if (p.labels.containsValue(oldest)) {
                throw new SsmError("ParameterMaxVersionLimitExceeded", 400, "You attempted to create a new version of "
                        + r.name() + " by calling the PutParameter API with the overwrite flag. Version " + oldest
                        + ", the oldest version, can't be deleted because it has a label associated with it. Move the "
                        + "label to another version of the parameter, and try again.");
            }
            p.versions.remove(oldest);
        }
        long n = ++p.last;
        p.versions.put(n, new Version(n, type, value, ciphertext(), description, keyId, tier, dataType, pattern, now, user));
        return new PutResult(n, tier);
    }

    private static String tier(String requested, Version prev, int length) {
        if (length > ADVANCED_MAX_VALUE) {
            throw SsmError.validation("Parameter value can't be longer than " + ADVANCED_MAX_VALUE
                    + " characters (advanced tier); got " + length + " characters.");
        }
        String tier = requested != null ? requested : prev != null ? prev.tier() : "Standard";
        return switch (tier) {
            case "Standard" -> {
                if (length > STANDARD_MAX_VALUE) {
                    throw SsmError.validation("Standard tier parameters support a maximum parameter value of "
                            + STANDARD_MAX_VALUE + " characters. To create a larger parameter value, upgrade the "
                            + "parameter to use the advanced-parameter tier.");
                }
                yield "Standard";
            }
            case "Advanced" -> "Advanced";
            case "Intelligent-Tiering" -> length > STANDARD_MAX_VALUE ? "Advanced" : "Standard";
            default -> throw SsmError.validation("1 validation error detected: Value '" + tier + "' at 'tier' failed "
                    + "to satisfy constraint: Member must satisfy enum value set: [Advanced, Intelligent-Tiering, Standard]");
        };
    }

    private static boolean matches(String pattern, String value) {
        try {
            return Pattern.compile(pattern).matcher(value).matches();
        } catch (PatternSyntaxException e) {
            throw new SsmError("InvalidAllowedPatternException", 400, "The request doesn't meet the regular expression "
                    + "requirement: " + pattern);
        }
    }

    private String ciphertext() {
        byte[] blob = new byte[48];
        random.nextBytes(blob);
        return "AQICAH" + Base64.getEncoder().encodeToString(blob);
    }

    /** The version {@code r} names (latest, {@code :version} or {@code :label}). */
    synchronized Found find(Names.Requested r) {
        Param p = resolve(r);
        Version v;
        if (r.selector() == null) {
            v = p.versions.lastEntry().getValue();
        } else if (r.version() != null) {
            v = p.versions.get(r.version());
            if (v == null) {
                throw versionNotFound(r.selector(), p.name);
            }
        } else {
            Long n = p.labels.get(r.selector());
            if (n == null) {
                throw new SsmError("ParameterVersionNotFound", 400, "Systems Manager could not find label "
                        + r.selector() + " of " + p.name + ". Verify the label and try again.");
            }
            v = p.versions.get(n);
        }
        return new Found(p.name, v, labelsOf(p, v.number()));
    }

    private static SsmError versionNotFound(Object version, String name) {
        return new SsmError("ParameterVersionNotFound", 400, "Systems Manager could not find version " + version
                + " of " + name + ". Verify the version and try again.");
    }

    private Param resolve(Names.Requested r) {
        if (!r.foreign()) {
            for (String candidate : r.candidates()) {
                Param p = params.get(candidate);
                if (p != null) {
                    return p;
                }
            }
        }
        throw SsmError.parameterNotFound(r.asked());
    }

    private static List<String> labelsOf(Param p, long version) {
        List<String> labels = new ArrayList<>();
        p.labels.forEach((label, v) -> {
            if (v == version) {
                labels.add(label);
            }
        });
        labels.sort(null);
        return labels;
    }

    /**
     * Up to {@code limit} latest versions below {@code path} (already checked and trimmed), in name order,
     * starting after the name {@code after} (null for the first page).
     */
    synchronized Page byPath(String path, boolean recursive, String after, int limit) {
        String prefix = path.equals("/") ? "/" : path + "/";
        NavigableMap<String, Param> tail = after == null ? params.tailMap(prefix, true) : params.tailMap(after, false);
        List<Found> items = new ArrayList<>();
        for (Param p : tail.values()) {
            if (!p.name.startsWith(prefix)) {
                break;
            }
            if (!recursive && p.name.indexOf('/', prefix.length()) >= 0) {
                continue;
            }
            if (items.size() == limit) {
                return new Page(items, true);
            }
            Version v = p.versions.lastEntry().getValue();
            items.add(new Found(p.name, v, labelsOf(p, v.number())));
        }
        return new Page(items, false);
    }

    /** Every kept version of a parameter, oldest first. */
    synchronized List<Found> history(Names.Requested r) {
        Param p = resolve(r);
        List<Found> all = new ArrayList<>();
        for (Version v : p.versions.values()) {
            all.add(new Found(p.name, v, labelsOf(p, v.number())));
        }
        return all;
    }

    /** Attaches labels to a version (latest when null), moving each from whichever version had it. */
    synchronized LabelResult label(Names.Requested r, Long version, List<String> labels) {
        Param p = resolve(r);
        long n = version == null ? p.last : version;
        if (!p.versions.containsKey(n)) {
            throw versionNotFound(n, p.name);
        }
        List<String> invalid = new ArrayList<>();
        Set<String> valid = new LinkedHashSet<>();
        for (String label : labels) {
            if (Names.isValidLabel(label)) {
                valid.add(label);
            } else {
                invalid.add(label);
            }
        }
        Set<String> onVersion = new TreeSet<>(labelsOf(p, n));
        onVersion.addAll(valid);
        if (onVersion.size() > MAX_LABELS_PER_VERSION) {
            throw new SsmError("ParameterVersionLabelLimitExceeded", 400, "An error occurred when attempting to label "
                    + "the parameter version. A parameter version can have a maximum of 10 labels.");
        }
        for (String label : valid) {
            p.labels.put(label, n);
        }
        return new LabelResult(n, invalid);
    }

    synchronized void delete(Names.Requested r) {
        Param p = resolve(r);
        params.remove(p.name);
    }

    /** Stores a new version of a secret: it becomes AWSCURRENT, the old current AWSPREVIOUS. Returns its VersionId. */
    synchronized String putSecret(String id, String value, Instant now) {
        return putSecret(id, value, null, List.of(), now);
    }

    /**
     * Stores a new version of the secret {@code id} (a name in this endpoint's account and region, or a full secret
     * ARN, with its six-character suffix, in any account and region) holding either {@code value} or {@code binary}.
     * With no {@code stages} the version becomes AWSCURRENT; a version that gains AWSCURRENT moves the old current
     * to AWSPREVIOUS, and any stage given is taken from the version that had it. Returns the new VersionId.
     */
    synchronized String putSecret(String id, String value, byte[] binary, List<String> stages, Instant now) {
        if ((value == null) == (binary == null)) {
            throw SsmError.validation("A secret version holds a SecretString or a SecretBinary: give exactly one");
        }
        if (value != null ? value.isEmpty() : binary.length == 0) {
            throw SsmError.validation("A secret value must not be empty");
        }
        String name;
        String arn;
        if (id != null && id.startsWith("arn:")) {
            String[] parts = id.split(":", -1);
            if (parts.length != 7 || !parts[2].equals("secretsmanager") || !parts[5].equals("secret")
                    || !parts[4].matches("[0-9]{12}") || !parts[6].matches(".+-[A-Za-z0-9]{6}")) {
                throw SsmError.validation("Invalid secret ARN '" + id + "': give arn:<partition>:secretsmanager:"
                        + "<region>:<account>:secret:<name>-<6 characters>");
            }
            name = parts[6].substring(0, parts[6].length() - 7);
            arn = id;
        } else {
            name = id;
            arn = null;
        }
        if (name == null || name.contains(":")) {
            throw SsmError.validation("Invalid secret id '" + id + "': letters, digits and /_+=.@- only");
        }
        Names.parse(Names.SECRETS_PREFIX + name, region, account);
        List<String> given = stages.isEmpty() ? List.of(CURRENT) : List.copyOf(stages);
        Secret s = arn != null ? secrets.computeIfAbsent(arn, k -> new Secret(name, arn))
                : local(name) != null ? local(name) : put(new Secret(name, secretArn(name)));
        if (given.contains(CURRENT)) {
            for (SecretVersion v : s.versions) {
                v.stages.remove(PREVIOUS);
            }
            for (SecretVersion v : s.versions) {
                if (v.stages.remove(CURRENT)) {
                    v.stages.add(PREVIOUS);
                }
            }
        }
        for (SecretVersion v : s.versions) {
            v.stages.removeAll(given);
        }
        s.versions.removeIf(v -> v.stages.isEmpty() && s.versions.size() >= MAX_VERSIONS);
        SecretVersion next = new SecretVersion(versionId(), value, binary == null ? null : binary.clone(), now);
        next.stages.addAll(given);
        s.versions.add(next);
        return next.versionId;
    }

    private Secret put(Secret s) {
        secrets.put(s.arn, s);
        return s;
    }

    /** The secret named {@code name} in this endpoint's own account and region, or null. */
    private Secret local(String name) {
        String own = "arn:aws:secretsmanager:" + region + ":" + account + ":secret:";
        for (Secret s : secrets.values()) {
            if (s.id.equals(name) && s.arn.startsWith(own)) {
                return s;
            }
        }
        return null;
    }

    /**
     * The secret {@code secretId} names as Secrets Manager reads it: a name (this account and region), a full ARN,
     * or a partial ARN (without the six-character suffix); null when there is none.
     */
    private Secret find(String secretId) {
        if (secretId == null || !secretId.startsWith("arn:")) {
            return local(secretId);
        }
        for (Secret s : secrets.values()) {
            if (s.arn.equals(secretId) || s.arn.substring(0, s.arn.length() - 7).equals(secretId)) {
                return s;
            }
        }
        return null;
    }

    /** The secret version {@code r} names: by staging label (AWSCURRENT when none) or by VersionId. */
    synchronized SecretView secret(Names.Requested r) {
        Secret s = local(r.secretId());
        if (s == null) {
            throw new SsmError("ParameterNotFound", 400, "Secret " + r.primary() + " not found.");
        }
        String selector = r.selector() == null ? CURRENT : r.selector();
        for (SecretVersion v : s.versions) {
            if (v.stages.contains(selector) || v.versionId.equals(selector)) {
                return view(s, v);
            }
        }
        throw new SsmError("ParameterVersionNotFound", 400, "Secrets Manager can't find the specified secret value "
                + "for staging label or version: " + selector);
    }

    /**
     * Secrets Manager's own read: the version of {@code secretId} with {@code versionId}, else with {@code stage}
     * (AWSCURRENT when both are null). Throws Secrets Manager's ResourceNotFoundException.
     */
    synchronized SecretView secretValue(String secretId, String versionId, String stage) {
        Secret s = find(secretId);
        if (s == null) {
            throw new SsmError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret.");
        }
        for (SecretVersion v : s.versions) {
            boolean idMatches = versionId == null || v.versionId.equals(versionId);
            boolean stageMatches = stage == null ? versionId != null || v.stages.contains(CURRENT) : v.stages.contains(stage);
            if (idMatches && stageMatches) {
                return view(s, v);
            }
        }
        throw new SsmError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret value "
                + "for " + (versionId != null ? "VersionId: " + versionId : "staging label: " + stage));
    }

    /** Every version of {@code secretId}, oldest first; throws ResourceNotFoundException. */
    synchronized List<SecretView> secretVersions(String secretId) {
        Secret s = find(secretId);
        if (s == null) {
            throw new SsmError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret.");
        }
        return s.versions.stream().map(v -> view(s, v)).toList();
    }

    /**
     * The current version of every secret of this endpoint's own account and region, in the order they were created
     * (for ListSecrets and BatchGetSecretValue by filters, which list the caller's account and region only).
     */
    synchronized List<SecretView> currentSecrets() {
        List<SecretView> out = new ArrayList<>();
        String own = "arn:aws:secretsmanager:" + region + ":" + account + ":secret:";
        for (Secret s : secrets.values()) {
            if (!s.arn.startsWith(own)) {
                continue;
            }
            s.versions.stream().filter(v -> v.stages.contains(CURRENT)).findFirst().ifPresent(v -> out.add(view(s, v)));
        }
        return out;
    }

    private static SecretView view(Secret s, SecretVersion v) {
        return new SecretView(s.id, s.arn, v.versionId, v.value, v.binary == null ? null : v.binary.clone(),
                List.copyOf(v.stages), v.created, java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(s.tags)));
    }

    /** Sets tags on the secret {@code secretId} (Secrets Manager's TagResource); throws ResourceNotFoundException. */
    synchronized void tagSecret(String secretId, Map<String, String> tags) {
        Secret s = find(secretId);
        if (s == null) {
            throw new SsmError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret.");
        }
        s.tags.putAll(tags);
    }

    /** Deletes the secret {@code secretId} with all its versions at once (DeleteSecret without a recovery window). */
    synchronized void deleteSecret(String secretId) {
        Secret s = find(secretId);
        if (s == null) {
            throw new SsmError("ResourceNotFoundException", 400, "Secrets Manager can't find the specified secret.");
        }
        secrets.remove(s.arn);
    }

    private String versionId() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (b[i] & 0xff);
            lo = (lo << 8) | (b[i + 8] & 0xff);
        }
        return new UUID(hi, lo).toString();
    }

    /** Secrets Manager ARNs end in a dash and six random characters; derived from the id so seeds reproduce. */
    private String secretArn(String id) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        long h = crc.getValue();
        StringBuilder suffix = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            suffix.append(alphabet.charAt((int) (h % alphabet.length())));
            h = h / alphabet.length() + 7919L * (i + 1);
        }
        return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + id + "-" + suffix;
    }
}
