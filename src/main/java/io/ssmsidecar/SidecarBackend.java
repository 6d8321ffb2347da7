package io.ssmsidecar;

import io.ssmsidecar.http.SecretsBackend;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.store.KeyStatus;
import io.ssmsidecar.store.NotAllowedException;
import io.ssmsidecar.store.OnDemandCache;
import io.ssmsidecar.store.OnDemandFetcher;
import io.ssmsidecar.store.Readiness;
import io.ssmsidecar.store.RefreshEngine;
import io.ssmsidecar.store.Secret;
import io.ssmsidecar.store.Snapshot;
import io.ssmsidecar.store.SnapshotStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Adapts the store, the refresh engine and the on-demand cache to what the HTTP API needs. */
final class SidecarBackend implements SecretsBackend {
    private final List<Reference> references;
    private final SnapshotStore store;
    private final RefreshEngine engine;
    private final OnDemandCache onDemand;
    private final OnDemandFetcher fetcher;
    /** Keys of references that deliver one key of a JSON value ({@code #key}): their parameter is not served whole. */
    private final Set<String> jsonKeyReferences;
    /** Keys of {@code sm://} references: served by {@link #declaredSecret}, never as Parameter Store parameters. */
    private final Set<String> secretReferences;
    /** Keys of {@code sm://PREFIX/*} references: the secrets they load are Secrets Manager secrets too. */
    private final Set<String> secretPrefixReferences;
    private volatile Index index = new Index(-1, Map.of());
    private volatile SecretIndex secretIndex = new SecretIndex(-1, List.of());

    private record Index(long generation, Map<String, Parameter> byName) { }

    private record SecretIndex(long generation, List<Parameter> secrets) { }

    SidecarBackend(List<Reference> references, SnapshotStore store, RefreshEngine engine, OnDemandCache onDemand,
                   OnDemandFetcher fetcher) {
        this.references = references;
        this.store = store;
        this.engine = engine;
        this.onDemand = onDemand;
        this.fetcher = fetcher;
        this.jsonKeyReferences = references.stream().filter(r -> r.jsonKey() != null).map(Reference::key)
                .collect(Collectors.toUnmodifiableSet());
        this.secretReferences = references.stream().filter(r -> r.kind() == Reference.Kind.SECRET)
                .map(Reference::key).collect(Collectors.toUnmodifiableSet());
        this.secretPrefixReferences = references.stream().filter(r -> r.kind() == Reference.Kind.SECRET_PREFIX)
                .map(Reference::key).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Snapshot snapshot() {
        return store.current();
    }

    @Override
    public Optional<KeyStatus> status(String key) {
        KeyStatus s = engine.status().get(referenceKeyOf(key));
        return s == null || s.lastErrorCode() == null ? Optional.empty() : Optional.of(s);
    }

    /** The declaring reference's key: the key itself, or the variable of the path reference that produced it. */
    private String referenceKeyOf(String key) {
        for (Reference r : references) {
            if (r.key().equals(key)) {
                return key;
            }
        }
        for (Reference r : references) {
            if (r.isPrefix() && (r.key().equals("_") || key.startsWith(r.key() + "_"))) {
                return r.key();
            }
        }
        return key;
    }

    @Override
    public CompletableFuture<Parameter> fetchParameter(String requestName, boolean bypassCache) {
        Parameter declared = declaredIndex().get(requestName);
        if (declared == null) {
            return onDemand.get(requestName, bypassCache);
        }
        if (!bypassCache) {
            return CompletableFuture.completedFuture(declared);
        }
        return fetcher.fetch(requestName).thenApply(fresh -> {
            engine.requestRefresh();
            return fresh;
        });
    }

    /**
     * A secret declared by an {@code sm://} reference comes from the snapshot, or with {@code bypassCache} from a
     * fresh {@code GetSecretValue} on the on-demand capacity (then a refresh cycle is asked for, so the files follow:
     * as {@code refreshNow} does for a declared parameter). A secret declared through Parameter Store's reference path
     * is served as that parameter. An undeclared one is read from Secrets Manager directly when an {@code sm://}
     * entry of {@code SIDECAR_ALLOW} covers it, else through Parameter Store's reference path (its
     * {@code /aws/reference/secretsmanager/} entries, as before).
     */
    @Override
    public CompletableFuture<Parameter> fetchSecret(String secretId, String versionId, String versionStage,
                                                    boolean bypassCache) {
        String selector = versionId != null ? versionId : versionStage;
        Optional<Parameter> declared = declaredSecret(secretId, selector);
        if (declared.isPresent()) {
            if (!bypassCache) {
                return CompletableFuture.completedFuture(declared.get());
            }
            return fetcher.fetchSecret(secretId, versionId, versionStage).thenApply(fresh -> {
                engine.requestRefresh();
                return fresh;
            });
        }
        String throughParameterStore = Reference.SECRETS_MANAGER_PREFIX + secretId
                + (selector == null ? "" : ":" + selector);
        if (!declaredIndex().containsKey(throughParameterStore)) {
            if (onDemand.allowsSecret(secretId)) {
                return onDemand.getSecret(secretId, versionId, versionStage, bypassCache);
            }
            if (!onDemand.allowed(throughParameterStore)) {
                return CompletableFuture.failedFuture(new NotAllowedException(secretId, "no SIDECAR_ALLOW entry covers"
                        + " it (sm://" + (secretId.startsWith("arn:") ? "<ARN prefix>" : "<name prefix>")
                        + " reads Secrets Manager directly)"));
            }
        }
        return fetchParameter(throughParameterStore, bypassCache);
    }

    /**
     * The parameters declared whole, by requested name, plain name and ARN. A parameter declared only through
     * {@code #key} references is left out: its other keys were not asked for, so it is not served whole.
     */
    private Map<String, Parameter> declaredIndex() {
        Snapshot snap = store.current();
        Index i = index;
        if (i.generation() == snap.generation()) {
            return i.byName();
        }
        Map<String, Parameter> byName = new HashMap<>();
        for (Secret s : snap.secrets().values()) {
            if (jsonKeyReferences.contains(s.key()) || fromSecretsManager(s)) {
                continue;
            }
            Parameter p = s.parameter();
            onDemand.learnAccount(p);
            byName.putIfAbsent(p.requestedName(), p);
            if (p.selector() == null || p.selector().isEmpty()) {
                byName.putIfAbsent(p.name(), p);
            }
            if (p.arn() != null && (p.selector() == null || p.selector().isEmpty())) {
                byName.putIfAbsent(p.arn(), p);
            }
        }
        index = new Index(snap.generation(), Map.copyOf(byName));
        return byName;
    }

    /**
     * A secret declared whole by an {@code sm://} reference (or loaded by an {@code sm://PREFIX/*} one), from the
     * snapshot: {@code secretId} its name (for a secret declared by name), its ARN or its partial ARN; {@code selector} the declared stage or version id
     * (null or AWSCURRENT for a reference without one).
     */
    @Override
    public Optional<Parameter> declaredSecret(String secretId, String selector) {
        if (secretReferences.isEmpty() && secretPrefixReferences.isEmpty()) {
            return Optional.empty();
        }
        for (Parameter p : declaredSecrets()) {
            boolean sameSelector = Objects.equals(p.selector(), selector)
                    || (p.selector() == null && "AWSCURRENT".equals(selector));
            boolean byArn = p.arn() != null && (secretId.equals(p.arn())
                    || (p.arn().length() == secretId.length() + 7 && p.arn().startsWith(secretId + "-")));
            boolean byName = !p.requestedName().startsWith("arn:") && secretId.equals(p.name());
            if (sameSelector && (byArn || byName)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code s} came from an {@code sm://} reference, or from the secrets an {@code sm://PREFIX/*} loaded. */
    private boolean fromSecretsManager(Secret s) {
        return secretReferences.contains(s.key())
                || !secretPrefixReferences.isEmpty() && secretPrefixReferences.contains(referenceKeyOf(s.key()));
    }

    /** The Secrets Manager secrets of the snapshot declared whole (not only through {@code #key} references). */
    private List<Parameter> declaredSecrets() {
        Snapshot snap = store.current();
        SecretIndex i = secretIndex;
        if (i.generation() == snap.generation()) {
            return i.secrets();
        }
        List<Parameter> secrets = snap.secrets().values().stream()
                .filter(s -> fromSecretsManager(s) && !jsonKeyReferences.contains(s.key()))
                .map(Secret::parameter).toList();
        secretIndex = new SecretIndex(snap.generation(), secrets);
        return secrets;
    }

    @Override
    public List<String> declaredPaths() {
        return references.stream().filter(r -> r.kind() == Reference.Kind.PATH).map(Reference::name).toList();
    }

    @Override
    public Readiness readiness() {
        return engine.readiness();
    }

    @Override
    public void requestRefresh() {
        engine.requestRefresh();
    }

    @Override
    public void addSnapshotListener(Consumer<Snapshot> listener) {
        store.addListener(listener);
    }

    @Override
    public void removeSnapshotListener(Consumer<Snapshot> listener) {
        store.removeListener(listener);
    }
}
