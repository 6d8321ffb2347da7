package io.ssmsidecar.localssm;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** SSM's rules for parameter names, paths, selectors and labels, and the parsing of a requested name. */
final class Names {
    /** Its own copy of {@code Reference.SECRETS_MANAGER_PREFIX}: this package depends on nothing but {@code log}. */
    static final String SECRETS_PREFIX = "/aws/reference/secretsmanager/";
    static final int MAX_NAME_LENGTH = 2048;
    static final int MAX_LEVELS = 15;

    /** The message SSM answers for a malformed name (its wording, including the odd grammar). */
    static final String NAME_RULES = "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). "
            + "If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be "
            + "formed as a mix of letters, numbers and the following 3 symbols .-_";

    private static final Pattern NAME_CHARS = Pattern.compile("[a-zA-Z0-9_.\\-/]+");
    private static final Pattern LABEL_CHARS = Pattern.compile("[a-zA-Z0-9_.\\-]{1,100}");
    private static final Pattern SECRET_ID = Pattern.compile("[a-zA-Z0-9/_+=.@\\-]{1,512}");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    private Names() {
    }

    /**
     * A name as a request carries it, taken apart.
     *
     * @param candidates the stored names it may denote, in order (an ARN {@code parameter/x} may mean {@code x} or {@code /x})
     * @param selector   the version or label after the colon, or null
     * @param secretId   for {@code /aws/reference/secretsmanager/<id>} names, the secret id, else null
     * @param foreign    an ARN of another account or region: never found here
     */
    record Requested(String asked, List<String> candidates, String selector, String secretId, boolean foreign) {
        /** The name the answer carries: the stored name, never the ARN, never the selector. */
        String primary() {
            return candidates.get(0);
        }

        Long version() {
            return selector != null && DIGITS.matcher(selector).matches() ? Long.valueOf(selector) : null;
        }
    }

    /** Parses a name, {@code name:selector} or parameter ARN; throws ValidationException when malformed. */
    static Requested parse(String asked, String region, String account) {
        if (asked == null || asked.isEmpty() || asked.length() > MAX_NAME_LENGTH + 110) {
            throw SsmError.validation("1 validation error detected: Value at 'name' failed to satisfy constraint: "
                    + "Member must have length between 1 and " + MAX_NAME_LENGTH);
        }
        if (asked.startsWith("arn:")) {
            return parseArn(asked, region, account);
        }
        int colon = asked.indexOf(':');
        String name = colon < 0 ? asked : asked.substring(0, colon);
        String selector = colon < 0 ? null : asked.substring(colon + 1);
        checkSelector(selector);
        if (name.startsWith(SECRETS_PREFIX)) {
            String id = name.substring(SECRETS_PREFIX.length());
            if (!SECRET_ID.matcher(id).matches()) {
                throw SsmError.validation("Invalid secret id in " + name);
            }
            return new Requested(asked, List.of(name), selector, id, false);
        }
        checkName(name, false);
        return new Requested(asked, List.of(name), selector, null, false);
    }

    private static Requested parseArn(String asked, String region, String account) {
        String[] p = asked.split(":", 6);
        if (p.length < 6 || !p[2].equals("ssm") || !p[5].startsWith("parameter/")) {
            throw SsmError.validation("Parameter ARN " + asked + " is not valid: expected "
                    + "arn:<partition>:ssm:<region>:<account>:parameter/<name>");
        }
        String resource = p[5].substring("parameter/".length());
        int colon = resource.indexOf(':');
        String rest = colon < 0 ? resource : resource.substring(0, colon);
        String selector = colon < 0 ? null : resource.substring(colon + 1);
        checkSelector(selector);
        List<String> candidates = rest.contains("/") ? List.of("/" + rest) : List.of(rest, "/" + rest);
        checkName(candidates.get(0), false);
        boolean foreign = !p[3].equals(region) || !p[4].equals(account);
        return new Requested(asked, candidates, selector, null, foreign);
    }

    private static void checkSelector(String selector) {
        if (selector == null) {
            return;
        }
        if (selector.isEmpty() || !(DIGITS.matcher(selector).matches() || LABEL_CHARS.matcher(selector).matches())) {
            throw SsmError.validation("Invalid label or version selector ':" + selector + "'. A version is a number; "
                    + "a label is 1 to 100 letters, digits, '.', '-' or '_'");
        }
        if (DIGITS.matcher(selector).matches() && Long.parseLong(selector) < 1) {
            throw SsmError.validation("Parameter version must be 1 or greater, got " + selector);
        }
    }

    /** Checks a parameter name; {@code forWrite} adds the rule that names may not start with aws or ssm. */
    static void checkName(String name, boolean forWrite) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || !NAME_CHARS.matcher(name).matches()
                || (name.contains("/") && (!name.startsWith("/") || name.endsWith("/") || name.contains("//")))) {
            throw SsmError.validation(NAME_RULES);
        }
        if (forWrite) {
            String bare = name.startsWith("/") ? name.substring(1) : name;
            String lower = bare.toLowerCase(Locale.ROOT);
            // As SSM answers: "aws" is reserved (AccessDeniedException, a bare name or a path alike), "ssm" invalid.
            if (lower.startsWith("aws")) {
                throw new SsmError("AccessDeniedException", 400, "No access to reserved parameter name: " + name + ".");
            }
            if (lower.startsWith("ssm")) {
                throw SsmError.validation(NAME_RULES);
            }
        }
        if (levels(name) > MAX_LEVELS) {
            throw new SsmError("HierarchyLevelLimitExceededException", 400,
                    "A hierarchy can have a maximum of 15 levels. " + name + " has " + levels(name) + ".");
        }
    }

    /** Checks a {@code GetParametersByPath} path and returns it without a trailing slash (except the root). */
    static String checkPath(String path) {
        if (path == null || !path.startsWith("/") || path.length() > MAX_NAME_LENGTH
                || !NAME_CHARS.matcher(path).matches() || path.contains("//")) {
            throw SsmError.validation("The parameter doesn't meet the parameter name requirements. The parameter name "
                    + "must begin with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" "
                    + "(case-insensitive). It must use only letters, numbers, or the following symbols: . "
                    + "(period), - (hyphen), _ (underscore). Got: " + path);
        }
        String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (levels(trimmed) > MAX_LEVELS) {
            throw new SsmError("HierarchyLevelLimitExceededException", 400,
                    "A hierarchy can have a maximum of 15 levels.");
        }
        return trimmed;
    }

    /** True for a label {@code LabelParameterVersion} accepts; the others come back in {@code InvalidLabels}. */
    static boolean isValidLabel(String label) {
        if (!LABEL_CHARS.matcher(label).matches() || Character.isDigit(label.charAt(0))) {
            return false;
        }
        String lower = label.toLowerCase(Locale.ROOT);
        return !lower.startsWith("aws") && !lower.startsWith("ssm");
    }

    static boolean isSecretReference(String name) {
        return name.startsWith(SECRETS_PREFIX);
    }

    /** The ARN SSM gives a parameter: {@code parameter/} followed by the name without its leading slash. */
    static String arn(String region, String account, String name) {
        return "arn:aws:ssm:" + region + ":" + account + ":parameter" + (name.startsWith("/") ? name : "/" + name);
    }

    private static int levels(String name) {
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }
}
