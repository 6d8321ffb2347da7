package io.ssmsidecar.store;

import java.util.List;
import java.util.Map;

/**
 * The result of one resolution pass over a set of references.
 *
 * @param secrets  every secret that loaded, by key (path references expanded to one key per parameter)
 * @param failures every reference (or expanded key) that did not load, with its reason
 * @param calls    how many SSM calls the pass made
 */
public record Resolution(Map<String, Secret> secrets, List<Failure> failures, int calls) {
    public Resolution {
        secrets = Map.copyOf(secrets);
        failures = List.copyOf(failures);
    }

    /** Failures of required references (optional ones that are simply absent are not failures). */
    public List<Failure> requiredFailures() {
        return failures.stream().filter(f -> !f.optional()).toList();
    }
}
