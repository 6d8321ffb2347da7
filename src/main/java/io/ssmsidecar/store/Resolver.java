package io.ssmsidecar.store;

import io.ssmsidecar.json.JsonField;
import io.ssmsidecar.reference.PathKeys;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceException;
import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SecretBatch;
import io.ssmsidecar.source.SecretValue;
import io.ssmsidecar.source.SourceException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Resolves references into secrets with the fewest SSM calls: named parameters de-duplicated and sent
 * ten to a {@code GetParameters} call, each path listed with {@code GetParametersByPath}. Never one call
 * per name, except to isolate which names of a batch SSM refused as a whole (access denied, validation). Once SSM
 * throttles a call, the pass sends no more: the rest fail with the same throttling error and are retried with it, so
 * a throttled fleet spends one refused call per task, not one per batch.
 * Secrets Manager ({@code sm://}) secrets read as AWSCURRENT go twenty to a {@code BatchGetSecretValue} call (one
 * alone with {@code GetSecretValue}, which needs no batch permission); those with a stage or version id with
 * {@code GetSecretValue} each. Secrets Manager has its own quota, so SSM's throttling does not stop these calls.
 * Thread-safe; holds no state between passes.
 */
public final class Resolver {
    private final ParameterSource source;
    private final Clock clock;

    public Resolver(ParameterSource source, Clock clock) {
        this.source = source;
        this.clock = clock;
    }

    /** One pass over {@code references}. Never throws for SSM failures: they come back as {@link Failure}s. */
    /** Each reference's value from its fetched outcome, or its failure (an optional one that is not found is neither). */
    private void collect(List<Reference> refs, Map<String, Outcome> outcomes, Function<Reference, String> named,
                         Instant now, Map<String, Secret> secrets, List<Failure> failures) {
        for (Reference ref : refs) {
            Outcome outcome = outcomes.get(ref.requestName());
            if (outcome.parameter != null) {
                toSecret(ref, ref.key(), outcome.parameter, now, secrets, failures);
            } else if (!(ref.optional() && outcome.notFound())) {
                failures.add(new Failure(ref.key(), named.apply(ref), outcome.error.errorCode(),
                        outcome.error.getMessage(), outcome.error.isTransient(), ref.optional()));
            }
        }
    }

    public Resolution resolve(List<Reference> references) {
        Instant now = clock.instant();
        Pass calls = new Pass();
        Map<String, Secret> secrets = new TreeMap<>();
        List<Failure> failures = new ArrayList<>();

        List<Reference> named = references.stream().filter(r -> r.kind() == Reference.Kind.PARAMETER).toList();
        collect(named, fetchNamed(named, calls), Reference::requestName, now, secrets, failures);
        List<Reference> secretRefs = references.stream().filter(r -> r.kind() == Reference.Kind.SECRET).toList();
        // A secret's failure names the reference as written: its request name alone does not say sm://.
        collect(secretRefs, fetchSecrets(secretRefs, calls), Reference::raw, now, secrets, failures);

        for (Reference ref : references) {
            if (ref.kind() == Reference.Kind.PATH) {
                resolvePath(ref, now, calls, secrets, failures);
            } else if (ref.kind() == Reference.Kind.SECRET_PREFIX) {
                resolveSecretPrefix(ref, now, calls, secrets, failures);
            }
        }
        return new Resolution(secrets, failures, calls.count);
    }

    /** Every {@code sm://} secret once, by its request name ({@code id} or {@code id:selector}). */
    private Map<String, Outcome> fetchSecrets(List<Reference> refs, Pass calls) {
        Map<String, Outcome> out = new HashMap<>();
        Set<String> current = new LinkedHashSet<>();
        Map<String, Reference> selected = new java.util.LinkedHashMap<>();
        for (Reference ref : refs) {
            if (ref.selector() == null) {
                current.add(ref.name());
            } else {
                selected.putIfAbsent(ref.requestName(), ref);
            }
        }
        for (List<String> ids : byGroup(current)) {
            if (ids.size() == 1) {
                out.put(ids.get(0), getSecret(ids.get(0), null, null, calls));
                continue;
            }
            for (int i = 0; i < ids.size(); i += ParameterSource.MAX_SECRETS_PER_BATCH) {
                batchSecrets(ids.subList(i, Math.min(ids.size(), i + ParameterSource.MAX_SECRETS_PER_BATCH)), calls, out);
            }
        }
        for (Reference ref : selected.values()) {
            boolean versionId = ref.selectorIsVersionId();
            out.put(ref.requestName(), getSecret(ref.name(), versionId ? ref.selector() : null,
                    versionId ? null : ref.selector(), calls));
        }
        return out;
    }

    private Outcome getSecret(String id, String versionId, String stage, Pass calls) {
        try {
            calls.count++;
            return new Outcome(source.getSecretValue(id, versionId, stage), null);
        } catch (SourceException e) {
            return new Outcome(null, e);
        }
    }

    private void batchSecrets(List<String> batch, Pass calls, Map<String, Outcome> out) {
        try {
            calls.count++;
            SecretBatch result = source.batchGetSecretValue(batch);
            for (Parameter p : result.found()) {
                out.put(p.requestedName(), new Outcome(p, null));
            }
            result.errors().forEach((id, e) -> out.putIfAbsent(id, new Outcome(null, e)));
            for (String id : batch) {
                if (!out.containsKey(id)) {
                    out.put(id, new Outcome(null, new SourceException("ResourceNotFoundException", 400, false,
                            "Secrets Manager did not return secret " + id, null)));
                }
            }
        } catch (SourceException e) {
            if (!e.isTransient() && !sharedByTheClient(e)) {
                // Refused as a whole (no secretsmanager:BatchGetSecretValue, say): each secret on its own.
                for (String id : batch) {
                    out.put(id, getSecret(id, null, null, calls));
                }
                return;
            }
            for (String id : batch) {
                out.put(id, new Outcome(null, e));
            }
        }
    }

    /** The calls one pass made, and the throttling error that ended it, if any. */
    private static final class Pass {
        int count;
        SourceException throttled;

        /** The throttling error to answer instead of calling, when SSM throttled an earlier call of this pass. */
        SourceException skip(String what) {
            return throttled == null ? null : new SourceException(throttled.errorCode(), throttled.statusCode(), true,
                    what + ": not sent, SSM throttled an earlier call of this refresh (" + throttled.errorCode() + ")",
                    null);
        }

        void failed(SourceException e) {
            if (e.isThrottling() && throttled == null) {
                throttled = e;
            }
        }
    }

    private record Outcome(Parameter parameter, SourceException error) {
        boolean notFound() {
            return error != null && !error.isTransient()
                    && ("ParameterNotFound".equals(error.errorCode()) || "ParameterVersionNotFound".equals(error.errorCode())
                    || "ResourceNotFoundException".equals(error.errorCode()));
        }
    }

    private Map<String, Outcome> fetchNamed(List<Reference> named, Pass calls) {
        Set<String> unique = new LinkedHashSet<>();
        named.forEach(r -> unique.add(r.requestName()));
        Map<String, Outcome> out = new HashMap<>();
        for (List<String> names : byGroup(unique)) {
            for (int i = 0; i < names.size(); i += ParameterSource.MAX_NAMES_PER_CALL) {
                fetchBatch(names.subList(i, Math.min(names.size(), i + ParameterSource.MAX_NAMES_PER_CALL)), calls, out);
            }
        }
        return out;
    }

    /**
     * The ids split by the client that serves them (account role, region; see {@link ParameterSource#batchGroup}),
     * in first-seen order: a batch never mixes clients, so a role that cannot be assumed or a region that does not
     * answer fails its own ids only, and the isolation below retries within one client.
     */
    private List<List<String>> byGroup(Set<String> ids) {
        Map<String, List<String>> groups = new java.util.LinkedHashMap<>();
        ids.forEach(id -> groups.computeIfAbsent(source.batchGroup(id), g -> new ArrayList<>()).add(id));
        return List.copyOf(groups.values());
    }

    /** A failure every call through the same client would repeat (its role cannot be assumed): isolating is futile. */
    private static boolean sharedByTheClient(SourceException e) {
        return "AssumeRoleFailed".equals(e.errorCode());
    }

    private void fetchBatch(List<String> batch, Pass calls, Map<String, Outcome> out) {
        SourceException skipped = calls.skip("GetParameters " + batch);
        if (skipped != null) {
            batch.forEach(name -> out.put(name, new Outcome(null, skipped)));
            return;
        }
        try {
            calls.count++;
            FetchResult result = source.getParameters(batch);
            for (Parameter p : result.parameters()) {
                out.put(p.requestedName(), new Outcome(p, null));
            }
            for (String invalid : result.invalid()) {
                out.put(invalid, new Outcome(null, new SourceException("ParameterNotFound", 400, false,
                        "parameter " + invalid + " does not exist (or the selector matches no version)", null)));
            }
            for (String name : batch) {
                // Only for a name SSM left out: an exception per answered name would cost a stack trace each cycle.
                if (!out.containsKey(name)) {
                    out.put(name, new Outcome(null, new SourceException("ParameterNotFound", 400, false,
                            "SSM did not return parameter " + name, null)));
                }
            }
        } catch (SourceException e) {
            calls.failed(e);
            if (!e.isTransient() && batch.size() > 1 && !sharedByTheClient(e)) {
                // SSM refuses a whole batch when one name is denied or invalid: isolate the bad names.
                for (String name : batch) {
                    fetchBatch(List.of(name), calls, out);
                }
                return;
            }
            for (String name : batch) {
                out.put(name, new Outcome(null, e));
            }
        }
    }

    private void resolvePath(Reference ref, Instant now, Pass calls, Map<String, Secret> secrets, List<Failure> failures) {
        List<Parameter> params;
        try {
            SourceException skipped = calls.skip("GetParametersByPath " + ref.name());
            if (skipped != null) {
                throw skipped;
            }
            calls.count++;
            params = source.getParametersByPath(ref.name());
        } catch (SourceException e) {
            calls.failed(e);
            if (!(ref.optional() && !e.isTransient())) {
                failures.add(new Failure(ref.key(), ref.name() + "/*", e.errorCode(), e.getMessage(), e.isTransient(),
                        ref.optional()));
            }
            return;
        }
        if (params.isEmpty()) {
            if (!ref.optional()) {
                failures.add(new Failure(ref.key(), ref.name() + "/*", "ParameterNotFound",
                        "no parameters under path " + ref.name() + " (mark the reference ?optional to allow an empty path)",
                        false, false));
            }
            return;
        }
        Map<String, Parameter> byName = new HashMap<>();
        params.forEach(p -> byName.put(p.name(), p));
        SortedMap<String, String> keys;
        try {
            keys = PathKeys.keysFor(ref.key(), ref.name(), byName.keySet());
        } catch (ReferenceException e) {
            failures.add(new Failure(ref.key(), ref.name() + "/*", "KeyCollision", e.getMessage(), false, ref.optional()));
            return;
        }
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (secrets.containsKey(e.getKey())) {
                failures.add(new Failure(e.getKey(), ref.name() + "/*", "KeyCollision", "parameter " + e.getValue()
                        + " maps to key " + e.getKey() + ", which another reference already declares", false,
                        ref.optional()));
                continue;
            }
            toSecret(ref, e.getKey(), byName.get(e.getValue()), now, secrets, failures);
        }
    }

    /**
     * {@code sm://PREFIX/*}: every secret whose name starts with {@code PREFIX/}, each under the key a path's parameter
     * would get, with the same collision checks. A secret Secrets Manager could not read (its KMS key denied, say)
     * fails the whole reference, as a failed page fails a path: the keys keep their last good values.
     */
    private void resolveSecretPrefix(Reference ref, Instant now, Pass calls, Map<String, Secret> secrets,
                                     List<Failure> failures) {
        String label = ref.prefixLabel();
        Map<String, String> tags = new java.util.LinkedHashMap<>();
        ref.tags().forEach(t -> tags.put(t.key(), t.value()));
        SecretBatch batch;
        try {
            calls.count++;
            batch = source.secretsByPrefix(ref.name() + "/", tags);
        } catch (SourceException e) {
            if (!(ref.optional() && !e.isTransient())) {
                failures.add(new Failure(ref.key(), label, e.errorCode(), e.getMessage(), e.isTransient(), ref.optional()));
            }
            return;
        }
        if (!batch.errors().isEmpty()) {
            Map.Entry<String, SourceException> first = new TreeMap<>(batch.errors()).firstEntry();
            SourceException e = first.getValue();
            failures.add(new Failure(ref.key(), label, e.errorCode(), batch.errors().size() + " of the secrets under "
                    + ref.name() + "/ could not be read; the first: " + e.getMessage(), e.isTransient(), ref.optional()));
            return;
        }
        if (batch.found().isEmpty()) {
            if (!ref.optional()) {
                failures.add(new Failure(ref.key(), label, "ResourceNotFoundException", "no secrets whose name starts"
                        + " with " + ref.name() + "/" + (ref.tags().isEmpty() ? "" : " and that carry the tags asked for")
                        + " (mark the reference ?optional to allow none)", false, false));
            }
            return;
        }
        Map<String, Parameter> byName = new HashMap<>();
        batch.found().forEach(p -> byName.put(p.name(), p));
        SortedMap<String, String> keys;
        try {
            keys = PathKeys.keysFor(ref.key(), ref.name(), byName.keySet(), "secret");
        } catch (ReferenceException e) {
            failures.add(new Failure(ref.key(), label, "KeyCollision", e.getMessage(), false, ref.optional()));
            return;
        }
        for (Map.Entry<String, String> e : keys.entrySet()) {
            if (secrets.containsKey(e.getKey())) {
                failures.add(new Failure(e.getKey(), label, "KeyCollision", "secret " + e.getValue()
                        + " maps to key " + e.getKey() + ", which another reference already declares", false,
                        ref.optional()));
                continue;
            }
            toSecret(ref, e.getKey(), byName.get(e.getValue()), now, secrets, failures);
        }
    }

    private static void toSecret(Reference ref, String key, Parameter p, Instant now, Map<String, Secret> secrets,
                                 List<Failure> failures) {
        SecretValue value = p.value();
        if (ref.jsonKey() != null && value.isBinary()) {
            failures.add(new Failure(key, ref.requestName(), "JsonKeyNotFound", "the value is binary (SecretBinary), "
                    + "so JSON key '" + ref.jsonKey() + "' cannot be read", false, ref.optional()));
            return;
        }
        if (ref.jsonKey() != null) {
            try {
                value = extractJsonKey(p.value(), ref.jsonKey());
            } catch (IllegalArgumentException e) {
                failures.add(new Failure(key, ref.requestName(), "JsonKeyNotFound", e.getMessage(), false, ref.optional()));
                return;
            }
        }
        secrets.put(key, new Secret(key, p.name(), value, p.version(), p.secretMetadata() == null ? null : p.secretMetadata().versionId(), p.lastModified(), now, p));
    }

    /** The value of top-level {@code jsonKey} in a JSON object value; the message names the key, never the value. */
    static SecretValue extractJsonKey(SecretValue json, String jsonKey) {
        try {
            return SecretValue.of(JsonField.read(json.reveal(), jsonKey));
        } catch (JsonField.Missing e) {
            throw new IllegalArgumentException(switch (e.problem()) {
                case NOT_JSON -> "the value is not JSON, so JSON key '" + jsonKey + "' cannot be read";
                case NOT_OBJECT -> "the value is not a JSON object, so JSON key '" + jsonKey + "' cannot be read";
                // Only the count: the other keys' names are part of the value (a key can be a token or a user name).
                case NO_FIELD -> "JSON key '" + jsonKey + "' is not in the value (an object with " + e.keys()
                        + (e.keys() == 1 ? " key" : " keys") + "; names are part of the value and not shown)";
            });
        }
    }
}
