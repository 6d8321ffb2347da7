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

    private final ParameterSource source;
    private final OnDemandFetcher fetcher;
    private final List<String> allow;
    private final int maxEntries;
    private final Map<String, Parameter> entries;
    /** The account plain names resolve in, learned from a parameter SSM returned for one; null until then. */
    private volatile String ownAccount;

    /** Misses are fetched by {@code fetcher}; the refresh of cached names calls {@code source} on the refresh thread. */
    public OnDemandCache(ParameterSource source, OnDemandFetcher fetcher, List<String> allowPrefixes, int maxEntries) {
        this.source = source;
        this.fetcher = fetcher;
        this.allow = List.copyOf(allowPrefixes);
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(16, 0.75f, true);
    }

    /**
     * True when {@code requestName} (name, name:selector or ARN) falls under an allowed prefix. The prefixes are names,
     * and a name means a parameter of the task's own account: an ARN matches only when its account is that account
     * (known from any parameter resolved by plain name, see {@link #learnAccount}); until it is known, no ARN does.
     */
    boolean allowed(String requestName) {
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
            }
        }
    }

    /** Re-fetches every cached name, ten per call. Failures keep the cached value (logged once per cycle). */
    public void refreshAll() {
        List<String> names;
        synchronized (entries) {
            names = new ArrayList<>(entries.keySet());
        }
        int failed = 0;
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
