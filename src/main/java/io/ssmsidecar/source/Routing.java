package io.ssmsidecar.source;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * As whom and where {@link SsmParameterSource} makes its calls: the role to assume for every call and the roles for
 * references by ARN into given accounts; the regions to fail over to; and endpoints by region. Built by the
 * composition root from the validated settings ({@code SIDECAR_ROLE_*}, {@code SIDECAR_FAILOVER_REGIONS},
 * {@code SIDECAR_ENDPOINT_URL_<REGION>}), so the values here are already checked.
 *
 * @param roleArn         assumed for every call without a role of its own account; empty = the task's credentials
 * @param accountRoles    by 12-digit account id: assumed for references by ARN into that account
 * @param externalId      sent with every {@code AssumeRole}
 * @param sessionName     the session name of every assumed role
 * @param failoverRegions tried in order when a region fails with a transient error
 * @param regionEndpoints by region name: the endpoint of both SSM and Secrets Manager there
 */
public record Routing(Optional<String> roleArn, Map<String, String> accountRoles, Optional<String> externalId,
                      String sessionName, List<String> failoverRegions, Map<String, URI> regionEndpoints) {
    public Routing {
        Objects.requireNonNull(roleArn, "roleArn");
        Objects.requireNonNull(externalId, "externalId");
        Objects.requireNonNull(sessionName, "sessionName");
        accountRoles = Map.copyOf(accountRoles);
        failoverRegions = List.copyOf(failoverRegions);
        regionEndpoints = Map.copyOf(regionEndpoints);
    }

    /** The task's own credentials, one region, the SDK's endpoints. */
    public static Routing none() {
        return new Routing(Optional.empty(), Map.of(), Optional.empty(), "ssm-sidecar", List.of(), Map.of());
    }

    /**
     * The role a call for {@code id} goes through: for an ARN, its account's role if one is configured; else the
     * role for every call; else none (the task's credentials).
     */
    public Optional<String> roleFor(String id) {
        String account = arnField(id, 4);
        if (account != null && accountRoles.containsKey(account)) {
            return Optional.of(accountRoles.get(account));
        }
        return roleArn;
    }

    /** Every role configured, for {@code policy}'s {@code sts:AssumeRole} statement. */
    public List<String> roles() {
        List<String> all = new ArrayList<>();
        roleArn.ifPresent(all::add);
        accountRoles.values().stream().sorted().filter(r -> !all.contains(r)).forEach(all::add);
        return all;
    }

    /**
     * Field {@code index} of an ARN ({@code arn:partition:service:region:account:...}: 3 is the region, 4 the
     * account), or null when {@code id} is not an ARN or the field is empty. A {@code name:selector} is not an ARN.
     */
    static String arnField(String id, int index) {
        if (id == null || !id.startsWith("arn:")) {
            return null;
        }
        String[] fields = id.split(":", 6);
        return fields.length > index && !fields[index].isEmpty() ? fields[index] : null;
    }

    /** {@code id} with its ARN's region field replaced by {@code region}; a name is returned as it is. */
    static String inRegion(String id, String region) {
        if (arnField(id, 3) == null) {
            return id;
        }
        String[] fields = id.split(":", 6);
        fields[3] = region;
        return String.join(":", fields);
    }
}
