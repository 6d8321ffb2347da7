package io.ssmsidecar.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Maps SDK answers to our {@link Parameter}s. SSM answers a request for {@code name:3} with {@code Name=name} and
 * {@code Selector=":3"}, and a request by ARN with the bare {@code Name} and the {@code ARN}; so each name asked for
 * is matched to the answer with the same base (name, or ARN for an ARN request) and the same selector, and becomes
 * that parameter's {@link Parameter#requestedName()}. {@code SourceResult} is stripped of any secret value.
 */
final class SsmAnswers {
    /** Built on first use (a Secrets Manager reference): plain parameters never load Jackson's object mapper. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper();
    }
    private static final String PARAMETER_ARN_MARK = ":parameter/";

    /** A requested name taken apart: the name or ARN, and the version or label after it (or null). */
    record Asked(String base, String selector) {
    }

    private SsmAnswers() {
    }

    static FetchResult match(List<String> asked, List<software.amazon.awssdk.services.ssm.model.Parameter> answers,
                             List<String> invalid) throws SourceException {
        Set<String> invalidNames = new HashSet<>(invalid);
        List<Parameter> found = new ArrayList<>();
        List<String> unmatched = new ArrayList<>();
        for (String name : asked) {
            if (invalidNames.contains(name)) {
                continue;
            }
            Asked a = split(name);
            software.amazon.awssdk.services.ssm.model.Parameter answer = null;
            for (software.amazon.awssdk.services.ssm.model.Parameter p : answers) {
                if (matches(a, p)) {
                    answer = p;
                    break;
                }
            }
            if (answer == null) {
                unmatched.add(name);
            } else {
                found.add(convert(name, answer));
            }
        }
        if (!unmatched.isEmpty()) {
            throw new SourceException("UnmatchedAnswer", 200, false, "GetParameters " + asked + ": the answer holds "
                    + "no parameter for " + unmatched + " and does not list it as invalid", null);
        }
        return new FetchResult(found, invalid);
    }

    static Asked split(String name) {
        if (name.startsWith("arn:")) {
            int mark = name.indexOf(PARAMETER_ARN_MARK);
            int colon = mark < 0 ? -1 : name.indexOf(':', mark + PARAMETER_ARN_MARK.length());
            return colon < 0 ? new Asked(name, null) : new Asked(name.substring(0, colon), name.substring(colon + 1));
        }
        int colon = name.indexOf(':');
        return colon < 0 ? new Asked(name, null) : new Asked(name.substring(0, colon), name.substring(colon + 1));
    }

    private static boolean matches(Asked a, software.amazon.awssdk.services.ssm.model.Parameter p) {
        boolean sameBase = a.base().equals(p.name()) || (a.base().startsWith("arn:") && a.base().equals(p.arn()));
        return sameBase && sameSelector(a.selector(), p.selector());
    }

    private static boolean sameSelector(String asked, String answered) {
        String given = answered == null || answered.isEmpty() ? null
                : answered.startsWith(":") ? answered.substring(1) : answered;
        if (asked == null || given == null) {
            return asked == null && given == null;
        }
        if (asked.equals(given)) {
            return true;
        }
        try {
            return Long.parseLong(asked) == Long.parseLong(given);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Our parameter for an SDK one; {@code requested} is the name asked for (the bare name for path listings). */
    static Parameter convert(String requested, software.amazon.awssdk.services.ssm.model.Parameter p)
            throws SourceException {
        if (p.value() == null) {
            throw new SourceException("NoStringValue", 200, false, "parameter " + p.name() + " has no string value "
                    + "(a binary Secrets Manager secret?); only string values are supported", null);
        }
        return new Parameter(requested, p.name(), p.typeAsString(), SecretValue.of(p.value()),
                p.version() == null ? 0 : p.version(), p.selector() == null || p.selector().isEmpty() ? null : p.selector(),
                valueFreeSourceResult(p.sourceResult()), p.lastModifiedDate(), p.arn(), p.dataType());
    }

    /**
     * {@code SourceResult} without {@code secretString}/{@code secretBinary}: Parameter Store copies the whole Secrets
     * Manager answer into it, value included, and our {@link Parameter} promises metadata only. Null when it is not a
     * JSON object (then it cannot be checked).
     */
    static String valueFreeSourceResult(String sourceResult) {
        if (sourceResult == null || sourceResult.isEmpty()) {
            return null;
        }
        try {
            JsonNode n = Mapper.JSON.readTree(sourceResult);
            if (!(n instanceof ObjectNode object)) {
                return null;
            }
            List<String> drop = new ArrayList<>();
            object.fieldNames().forEachRemaining(k -> {
                String lower = k.toLowerCase(Locale.ROOT);
                if (lower.equals("secretstring") || lower.equals("secretbinary")) {
                    drop.add(k);
                }
            });
            object.remove(drop);
            return Mapper.JSON.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
