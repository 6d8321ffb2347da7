package io.ssmsidecar.migrate;

import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.reference.ReferenceParser;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One ECS {@code secrets[].valueFrom} turned into the {@code ssm://} reference that reads the same value, or the
 * reason it cannot be carried exactly. Pure. The forms ECS takes:
 * <ul>
 *   <li>a Parameter Store name ({@code /prod/db/password}, {@code my.secret}, with an optional {@code :version} or
 *       {@code :label}, which ECS hands to {@code GetParameters} as it is): {@code ssm://} + the same text;</li>
 *   <li>a parameter ARN: {@code ssm://} + the ARN, when it is in the task's region (the sidecar asks its own region's
 *       Parameter Store; ECS also reads other regions);</li>
 *   <li>a Secrets Manager ARN {@code arn:P:secretsmanager:R:A:secret:NAME[-SUFFIX][:json-key[:version-stage[:version-id]]]}:
 *       {@code ssm:///aws/reference/secretsmanager/NAME[:version-stage][#json-key]}, when the secret is in the
 *       task's account and region (Parameter Store reads only those) and no {@code version-id} is given (Parameter
 *       Store selects a secret's version by staging label only).</li>
 * </ul>
 */
final class ValueFrom {
    /** What SSM allows in a name (and an ARN, with its colons), optionally followed by {@code :selector}. */
    private static final Pattern SSM_TEXT = Pattern.compile("[A-Za-z0-9_.\\-/:]+");
    /** The six characters Secrets Manager appends to a secret's name in its ARN. */
    private static final Pattern ARN_SUFFIX = Pattern.compile("-[A-Za-z0-9]{6}$");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");

    /**
     * A converted entry.
     *
     * @param reference         the {@code ssm://} reference, parsed
     * @param secretsManager    true when ECS read it from Secrets Manager (the execution role's
     *                          {@code secretsmanager:GetSecretValue}), false for Parameter Store ({@code ssm:GetParameters})
     * @param executionResource what the execution role was granted for it: the parameter's or secret's ARN, or the
     *                          parameter's name when the task's account or region is unknown
     */
    record Converted(Reference reference, boolean secretsManager, String executionResource) {
    }

    /** Why an entry cannot be carried over: the message names the {@code valueFrom} and what to do. */
    static final class Unsupported extends Exception {
        Unsupported(String message) {
            super(message, null, false, false);
        }
    }

    private ValueFrom() {
    }

    /**
     * Converts {@code valueFrom}, declared as the variable {@code name}, for a task in {@code region} and
     * {@code account} (empty when unknown: then an ARN that needs them is refused, naming the flag).
     */
    static Converted convert(String name, String valueFrom, Optional<String> region, Optional<String> account)
            throws Unsupported {
        if (valueFrom.startsWith("arn:")) {
            String[] parts = valueFrom.split(":", -1);
            if (parts.length >= 6 && parts[2].equals("secretsmanager")) {
                return secret(name, valueFrom, parts, region, account);
            }
            if (parts.length >= 6 && parts[2].equals("ssm")) {
                return parameterArn(name, valueFrom, parts, region);
            }
            throw new Unsupported("an ARN of neither Parameter Store (arn:aws:ssm:...:parameter/NAME) nor Secrets "
                    + "Manager (arn:aws:secretsmanager:...:secret:NAME)");
        }
        Reference ref = parse(name, valueFrom, Reference.SCHEME + valueFrom);
        String resource = ref.name();
        if (region.isPresent() && account.isPresent()) {
            resource = "arn:" + partition(region.get()) + ":ssm:" + region.get() + ":" + account.get() + ":parameter"
                    + (ref.name().startsWith("/") ? "" : "/") + ref.name();
        }
        return new Converted(ref, false, resource);
    }

    private static Converted parameterArn(String name, String valueFrom, String[] parts, Optional<String> region)
            throws Unsupported {
        sameRegion(parts[3], region, "Parameter Store reads parameters in its own region");
        Reference ref = parse(name, valueFrom, Reference.SCHEME + valueFrom);
        return new Converted(ref, false, ref.name());
    }

    private static Converted secret(String name, String valueFrom, String[] parts, Optional<String> region,
                                    Optional<String> account) throws Unsupported {
        if (parts.length < 7 || !parts[5].equals("secret") || parts[6].isEmpty()) {
            throw new Unsupported("a Secrets Manager ARN has the form "
                    + "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME[:json-key[:version-stage[:version-id]]]");
        }
        if (parts.length > 10) {
            throw new Unsupported("a Secrets Manager valueFrom has at most three fields after the secret's name "
                    + "(json-key:version-stage:version-id), got " + (parts.length - 7));
        }
        String jsonKey = field(parts, 7);
        String stage = field(parts, 8);
        String versionId = field(parts, 9);
        sameRegion(parts[3], region, "Parameter Store reads Secrets Manager secrets in its own region");
        if (account.isEmpty()) {
            throw new Unsupported("the task's account is needed to tell whether the secret is in another account "
                    + "(which Parameter Store cannot read): give --account");
        }
        if (!parts[4].equals(account.get())) {
            throw new Unsupported("the secret is in account " + parts[4] + ", the task in " + account.get()
                    + ": Parameter Store's /aws/reference/secretsmanager/ reads secrets of its own account only, so "
                    + "a cross-account secret cannot be carried over");
        }
        if (!versionId.isEmpty()) {
            throw new Unsupported("version-id " + versionId + " cannot be carried: the sidecar reads Secrets Manager "
                    + "through Parameter Store, which selects a secret's version by staging label only; give the "
                    + "version's staging label instead (or leave both empty for AWSCURRENT)");
        }
        if (!stage.isEmpty() && DIGITS.matcher(stage).matches()) {
            throw new Unsupported("version-stage " + stage + " is all digits, which Parameter Store would read as a "
                    + "version number, not a staging label");
        }
        // A full ARN names the secret plus '-' and six characters; Secrets Manager itself reads a name ending that
        // way as a full ARN, and so does this (its documentation asks not to end secret names so).
        String secretName = ARN_SUFFIX.matcher(parts[6]).replaceFirst("");
        String text = Reference.SCHEME + Reference.SECRETS_MANAGER_PREFIX + secretName
                + (stage.isEmpty() ? "" : ":" + stage) + (jsonKey.isEmpty() ? "" : "#" + jsonKey);
        Reference ref = parse(name, valueFrom, text);
        String resource = String.join(":", List.of(parts).subList(0, 7));
        return new Converted(ref, true, resource);
    }

    private static String field(String[] parts, int index) {
        return index < parts.length ? parts[index] : "";
    }

    private static void sameRegion(String arnRegion, Optional<String> region, String why) throws Unsupported {
        if (region.isEmpty()) {
            throw new Unsupported("the task's region is needed to check the ARN's region " + arnRegion
                    + ": give --region (or set AWS_REGION)");
        }
        if (!arnRegion.equals(region.get())) {
            throw new Unsupported("the ARN is in region " + arnRegion + " and the task in " + region.get() + ": "
                    + why + ", so it cannot be carried over");
        }
    }

    private static Reference parse(String name, String valueFrom, String text) throws Unsupported {
        String checked = text.startsWith(Reference.SCHEME + Reference.SECRETS_MANAGER_PREFIX) ? "" : valueFrom;
        if (!SSM_TEXT.matcher(checked.isEmpty() ? "x" : checked).matches()) {
            // '?', '#', '*' and the like are not name characters: they would change the reference's meaning.
            throw new Unsupported("a Parameter Store name or ARN uses letters, digits and _ . - / : only");
        }
        try {
            Reference ref = ReferenceParser.parse(name, text);
            if (ref.kind() != Reference.Kind.PARAMETER || ref.optional()) {
                throw new Unsupported("it does not name one parameter");
            }
            return ref;
        } catch (ReferenceException e) {
            throw new Unsupported("as " + text + " it is not a reference the sidecar reads: " + e.getMessage());
        }
    }

    /** The partition of a region, as ARNs spell it. */
    static String partition(String region) {
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    }
}
