package io.ssmsidecar.store;

import io.ssmsidecar.log.Log;
import io.ssmsidecar.source.FetchResult;
import io.ssmsidecar.source.Parameter;
import io.ssmsidecar.source.ParameterSource;
import io.ssmsidecar.source.SourceException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Parameters asked for through the AWS-compatible endpoints that were not declared: fetched on first use if
 * their name matches an allowed prefix, cached (least recently used dropped beyond {@code maxEntries}) and
 * refreshed with every full cycle in batches of ten. The lock guards the map only; misses are fetched by the
 * {@link OnDemandFetcher} (one call per name at once, bounded capacity), never under the lock.
 */
public final class OnDemandCache {
    private static final Log LOG = Log.get(OnDemandCache.class);
    /** How a {@code SIDECAR_ALLOW} entry names secrets read from Secrets Manager directly. */
    static final String SECRET_ENTRY = "sm://";

    private final ParameterSource source;
    private final OnDemandFetcher fetcher;
    private final List<String> allow;
    /** The {@code sm://} entries of {@code SIDECAR_ALLOW}, without {@code sm://}: secret name or ARN prefixes. */
    private final List<String> allowSecrets;
    private final int maxEntries;
    private final Map<String, Parameter> entries;
    /** What each cached secret (keyed by {@link OnDemandFetcher#secretKey}) was asked for, to refresh it. */
    private final Map<String, SecretRead> secretReads = new java.util.HashMap<>();

    private record SecretRead(String secretId, String versionId, String versionStage) { }
    /** The account plain names resolve in, learned from a parameter SSM returned for one; null until then. */
    private volatile String ownAccount;

    /** Misses are fetched by {@code fetcher}; the refresh of cached names calls {@code source} on the refresh thread. */
    public OnDemandCache(ParameterSource source, OnDemandFetcher fetcher, List<String> allowPrefixes, int maxEntries) {
        this.source = source;
        this.fetcher = fetcher;
        this.allow = allowPrefixes.stream().filter(p -> !p.startsWith(SECRET_ENTRY)).toList();
        this.allowSecrets = allowPrefixes.stream().filter(p -> p.startsWith(SECRET_ENTRY))
                .map(p -> p.substring(SECRET_ENTRY.length())).toList();
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * True when {@code requestName} (name, name:selector or ARN) falls under an allowed prefix. The prefixes are names,
     * and a name means a parameter of the task's own account: an ARN matches only when its account is that account
     * (known from any parameter resolved by plain name, see {@link #learnAccount}); until it is known, no ARN does.
     */
    public boolean allowed(String requestName) {
        if (requestName.startsWith("arn:")) {
            String account = arnAccount(requestName);
            if (account == null || !account.equals(ownAccount)) {
                return false;
            }
        }
        String name = baseName(requestName);
        for (String prefix : allow) {
            if (!prefix.isEmpty() && (name.startsWith(prefix) || ("/" + name).startsWith(prefix))) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when an {@code sm://} entry of {@code SIDECAR_ALLOW} covers the secret {@code secretId}: a name under a
     * name prefix ({@code sm://prod/}), or an ARN (full or partial) under an ARN prefix, which names its account
     * ({@code sm://arn:aws:secretsmanager:eu-west-1:210987654321:secret:shared/}). A name prefix never matches an
     * ARN: another account's secret is read only where an entry names that account.
     */
    public boolean allowsSecret(String secretId) {
        boolean arn = secretId.startsWith("arn:");
        for (String prefix : allowSecrets) {
            if (prefix.startsWith("arn:") == arn && secretId.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The cached secret, or a {@code GetSecretValue} on the {@link OnDemandFetcher}'s capacity when absent or
     * {@code bypassCache}; as {@link #get}, but for a secret read from Secrets Manager directly. The future fails with
     * {@link NotAllowedException} when no {@code sm://} entry covers {@code secretId}.
     */
    public CompletableFuture<Parameter> getSecret(String secretId, String versionId, String versionStage,
                                                  boolean bypassCache) {
        if (!allowsSecret(secretId)) {
            return CompletableFuture.failedFuture(new NotAllowedException(secretId, "no sm:// entry of SIDECAR_ALLOW "
                    + "covers it"));
        }
        String key = OnDemandFetcher.secretKey(secretId, versionId, versionStage);
        if (!bypassCache) {
            synchronized (entries) {
                Parameter p = entries.get(key);
                if (p != null) {
                    return CompletableFuture.completedFuture(p);
                }
            }
        }
        return fetcher.fetchSecret(secretId, versionId, versionStage).whenComplete((p, e) -> {
            if (p != null) {
                synchronized (entries) {
                    secretReads.put(key, new SecretRead(secretId, versionId, versionStage));
                }
                put(key, p);
            } else if (OnDemandFetcher.cause(e) instanceof SourceException s && OnDemandFetcher.isNotFound(s)) {
                synchronized (entries) {
                    entries.remove(key);
                    secretReads.remove(key);
                }
            }
        });
    }

    /**
     * The cached parameter, or a fetch on the {@link OnDemandFetcher}'s capacity when absent or {@code bypassCache}.
     * Never blocks: the future fails with {@link NotAllowedException} when the name is not under an allowed prefix,
     * {@link SourceException} when SSM fails ({@code ParameterNotFound} for a name SSM does not know) and
     * {@link CapacityFullException} when the on-demand capacity stayed full.
     */
    public CompletableFuture<Parameter> get(String requestName, boolean bypassCache) {
        if (!allowed(requestName)) {
            return CompletableFuture.failedFuture(new NotAllowedException(requestName));
        }
        if (!bypassCache) {
            synchronized (entries) {
                Parameter p = entries.get(requestName);
                if (p != null) {
                    return CompletableFuture.completedFuture(p);
                }
            }
        }
        return fetcher.fetch(requestName).whenComplete((p, e) -> {
            if (p != null) {
                learnAccount(p);
                put(requestName, p);
            } else if (OnDemandFetcher.cause(e) instanceof SourceException s && "ParameterNotFound".equals(s.errorCode())) {
                synchronized (entries) {
                    entries.remove(requestName);
                }
            }
        });
    }

    /**
     * Learns the task's own account from {@code p} when it was asked for by plain name (SSM resolves a plain name in
     * the caller's account, and answers with its ARN); an ARN request teaches nothing.
     */
    public void learnAccount(Parameter p) {
        if (ownAccount == null && p.arn() != null && !p.requestedName().startsWith("arn:")) {
            ownAccount = arnAccount(p.arn());
        }
    }

    /** The account field of {@code arn:<partition>:<service>:<region>:<account>:...}, or null. */
    static String arnAccount(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length == 6 && parts[4].matches("[0-9]{12}") ? parts[4] : null;
    }

    private void put(String requestName, Parameter p) {
        synchronized (entries) {
            entries.put(requestName, p);
            while (entries.size() > maxEntries) {
                String eldest = entries.keySet().iterator().next();
                entries.remove(eldest);
                secretReads.remove(eldest);
            }
        }
    }

    /**
     * Re-fetches every cached name, ten per call, and every cached secret with one {@code GetSecretValue} each (the
     * one permission the Secrets Manager Agent's users hold; {@code BatchGetSecretValue} would need another). Failures
     * keep the cached value (logged once per cycle); a secret or version that no longer exists is dropped.
     */
    public void refreshAll() {
        List<String> names;
        Map<String, SecretRead> secrets;
        synchronized (entries) {
            names = new ArrayList<>(entries.keySet());
            secrets = new LinkedHashMap<>(secretReads);
        }
        names.removeAll(secrets.keySet());
        int failed = 0;
        for (Map.Entry<String, SecretRead> e : secrets.entrySet()) {
            SecretRead read = e.getValue();
            try {
                Parameter p = source.getSecretValue(read.secretId(), read.versionId(), read.versionStage());
                synchronized (entries) {
                    entries.replace(e.getKey(), p);
                }
            } catch (SourceException failure) {
                if (OnDemandFetcher.isNotFound(failure)) {
                    synchronized (entries) {
                        entries.remove(e.getKey());
                        secretReads.remove(e.getKey());
                    }
                } else {
                    failed++;
                }
            }
        }
        for (int i = 0; i < names.size(); i += ParameterSource.MAX_NAMES_PER_CALL) {
            List<String> batch = names.subList(i, Math.min(names.size(), i + ParameterSource.MAX_NAMES_PER_CALL));
            try {
                FetchResult r = source.getParameters(batch);
                for (Parameter p : r.parameters()) {
                    synchronized (entries) {
                        entries.replace(p.requestedName(), p);
                    }
                }
                synchronized (entries) {
                    r.invalid().forEach(entries::remove);
                }
            } catch (SourceException e) {
                failed += batch.size();
            }
        }
        if (failed > 0) {
            LOG.warn("on-demand refresh failed; serving cached values", "names", failed);
        }
    }

    static String baseName(String requestName) {
        String n = requestName;
        int parameterAt = n.indexOf(":parameter/");
        if (n.startsWith("arn:") && parameterAt > 0) {
            n = n.substring(parameterAt + ":parameter".length());
            if (!n.startsWith("/") || n.startsWith("//")) {
                n = n.substring(1);
            }
        }
        int colon = n.lastIndexOf(':');
        return colon > 0 ? n.substring(0, colon) : n;
    }
}
