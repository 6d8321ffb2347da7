package io.ssmsidecar.source;

import io.ssmsidecar.reference.Reference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Maps SDK answers to our {@link Parameter}s: each name asked for is matched to the answer that is provably its own,
 * and becomes that parameter's {@link Parameter#requestedName()}. {@code SourceResult} becomes a {@link SecretMetadata}, stripped of any secret value.
 * <p>
 * AWS answers a request for {@code name:3} with {@code Name=name} and {@code Selector=":3"}, a request by ARN with the
 * bare {@code Name} and the {@code ARN}, and a Secrets Manager reference with the reference path as {@code Name}.
 * Other implementations differ (moto 5: no {@code Selector}, and the secret's own name for a reference), so an answer
 * is matched, in this order:
 * <ol>
 *   <li>by name (or ARN) and the {@code Selector} it echoes;</li>
 *   <li>without a {@code Selector}, for a version asked for: by name and {@code Version} (a version has one value);</li>
 *   <li>without a {@code Selector}, for a bare name or a label: by name alone, when one answer is left that no other
 *       open request could claim, or when every answer left for it carries the same version and value.</li>
 * </ol>
 * A Secrets Manager reference ({@code /aws/reference/secretsmanager/<id>}) also matches an answer named by the
 * secret's id or its Secrets Manager ARN. Names that none of these settle in a batch of several are returned as
 * {@linkplain Matched#ambiguous() ambiguous}, for the caller to ask one at a time; in a batch of one, no answer that
 * fits is an {@code UnmatchedAnswer} error. A value is never put under a name it was not proven to answer.
 */
final class SsmAnswers {
    private static final String PARAMETER_ARN_MARK = ":parameter/";
    private static final String SECRET_ARN_MARK = ":secret:";
    /** Secrets Manager appends a dash and six random characters to a secret's name in its ARN. */
    private static final int SECRET_ARN_SUFFIX = 7;

    /** A requested name taken apart: the name or ARN, and the version or label after it (or null). */
    record Asked(String base, String selector) {
        boolean versionSelector() {
            return selector != null && !selector.isEmpty() && selector.chars().allMatch(c -> c >= '0' && c <= '9')
                    && selector.length() <= 18;
        }
    }

    /**
     * What one answer settled.
     *
     * @param result    the parameters matched to the names asked for, and the names SSM listed as invalid
     * @param ambiguous names whose answers could not be told apart in this batch: ask each of them alone
     */
    record Matched(FetchResult result, List<String> ambiguous) {
        Matched {
            ambiguous = List.copyOf(ambiguous);
        }
    }

    private SsmAnswers() {
    }

    static Matched match(List<String> asked, List<software.amazon.awssdk.services.ssm.model.Parameter> answers,
                         List<String> invalid) throws SourceException {
        Set<String> invalidNames = new HashSet<>(invalid);
        Map<String, Asked> open = new LinkedHashMap<>();
        for (String name : asked) {
            if (!invalidNames.contains(name)) {
                open.put(name, split(name));
            }
        }
        Map<String, software.amazon.awssdk.services.ssm.model.Parameter> matched = new HashMap<>();
        Set<Integer> claimed = new HashSet<>();
        // 1. The answer echoes the selector (AWS's shape): exact.
        claim(open, matched, claimed, answers, (a, p) -> hasSelector(p) && sameSelector(a.selector(), p.selector()));
        // 2. No selector, a version asked for: name and version pin the value.
        claim(open, matched, claimed, answers, (a, p) -> !hasSelector(p) && a.versionSelector()
                && p.version() != null && p.version() == Long.parseLong(a.selector()));
        // 3. No selector, a bare name or a label: only when nothing else could claim the answer.
        Map<String, Asked> left = new LinkedHashMap<>(open);
        left.keySet().removeAll(matched.keySet());
        for (Map.Entry<String, Asked> e : left.entrySet()) {
            Asked a = e.getValue();
            if (a.versionSelector()) {
                continue;
            }
            List<Integer> candidates = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                var p = answers.get(i);
                if (!claimed.contains(i) && !hasSelector(p) && belongs(a, p)) {
                    candidates.add(i);
                }
            }
            if (candidates.isEmpty()) {
                continue;
            }
            var first = answers.get(candidates.get(0));
            boolean alone = candidates.size() == 1
                    && left.values().stream().filter(other -> belongs(other, first)).count() == 1;
            boolean allSame = candidates.stream().map(answers::get).allMatch(p -> Objects.equals(p.name(), first.name())
                    && Objects.equals(p.version(), first.version()) && Objects.equals(p.value(), first.value()));
            if (alone || allSame) {
                claimed.add(candidates.get(0));
                matched.put(e.getKey(), first);
            }
        }
        List<Parameter> found = new ArrayList<>();
        List<String> unsettled = new ArrayList<>();
        for (String name : open.keySet()) {
            var p = matched.get(name);
            if (p == null) {
                unsettled.add(name);
            } else {
                found.add(convert(name, p));
            }
        }
        if (!unsettled.isEmpty() && asked.size() == 1) {
            throw new SourceException("UnmatchedAnswer", 200, false, "GetParameters " + asked + ": the answer holds "
                    + "no parameter for " + unsettled + " and does not list it as invalid", null);
        }
        return new Matched(new FetchResult(found, invalid), unsettled);
    }

    private static void claim(Map<String, Asked> open,
                              Map<String, software.amazon.awssdk.services.ssm.model.Parameter> matched,
                              Set<Integer> claimed, List<software.amazon.awssdk.services.ssm.model.Parameter> answers,
                              BiPredicate<Asked, software.amazon.awssdk.services.ssm.model.Parameter> fits) {
        for (Map.Entry<String, Asked> e : open.entrySet()) {
            if (matched.containsKey(e.getKey())) {
                continue;
            }
            for (int i = 0; i < answers.size(); i++) {
                var p = answers.get(i);
                if (!claimed.contains(i) && belongs(e.getValue(), p) && fits.test(e.getValue(), p)) {
                    claimed.add(i);
                    matched.put(e.getKey(), p);
                    break;
                }
            }
        }
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

    /** Whether {@code p} names what {@code a} asked for: its name, its ARN, or the secret a reference points at. */
    private static boolean belongs(Asked a, software.amazon.awssdk.services.ssm.model.Parameter p) {
        if (a.base().startsWith("arn:")) {
            return a.base().equals(p.arn());
        }
        if (a.base().equals(p.name())) {
            return true;
        }
        if (!a.base().startsWith(Reference.SECRETS_MANAGER_PREFIX) || p.name() == null) {
            return false;
        }
        String id = a.base().substring(Reference.SECRETS_MANAGER_PREFIX.length());
        return id.equals(p.name()) || id.equals(secretNameOf(p.name()));
    }

    /** The secret's name in a Secrets Manager ARN ({@code arn:aws:secretsmanager:r:a:secret:NAME-AbCdEf}), or null. */
    private static String secretNameOf(String arn) {
        int mark = arn.startsWith("arn:") ? arn.indexOf(SECRET_ARN_MARK) : -1;
        if (mark < 0 || arn.length() - mark - SECRET_ARN_MARK.length() <= SECRET_ARN_SUFFIX
                || arn.charAt(arn.length() - SECRET_ARN_SUFFIX) != '-') {
            return null;
        }
        return arn.substring(mark + SECRET_ARN_MARK.length(), arn.length() - SECRET_ARN_SUFFIX);
    }

    private static boolean hasSelector(software.amazon.awssdk.services.ssm.model.Parameter p) {
        return p.selector() != null && !p.selector().isEmpty();
    }

    private static boolean sameSelector(String asked, String answered) {
        String given = answered.startsWith(":") ? answered.substring(1) : answered;
        if (asked == null) {
            return false;
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
                SecretMetadata.parse(p.sourceResult()), p.lastModifiedDate(), p.arn(), p.dataType());
    }
}
