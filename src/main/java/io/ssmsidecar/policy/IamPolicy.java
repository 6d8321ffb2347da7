package io.ssmsidecar.policy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.reference.Reference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The least-privilege IAM policy for a set of references (pure: references in, JSON out). What the sidecar calls,
 * and so what the role needs:
 * <ul>
 *   <li>{@code ssm:GetParameters} on each declared parameter's exact ARN: names, versions and labels collapse to
 *       the parameter (IAM authorizes {@code name:3} on {@code name}); an ARN reference keeps its own account and
 *       region. A Secrets Manager reference is a parameter too ({@code parameter/aws/reference/secretsmanager/id}).</li>
 *   <li>{@code ssm:GetParametersByPath} on each declared path, and {@code ssm:GetParameters} on its children
 *       ({@code parameter/prod/app/*}): the compatible endpoints' {@code refreshNow} fetches one child by name.</li>
 *   <li>{@code ssm:GetParameters} on {@code parameter<prefix>*} for each {@code SIDECAR_ALLOW} prefix.</li>
 *   <li>{@code secretsmanager:GetSecretValue} on {@code secret:<id>-??????} for each Secrets Manager reference
 *       (Parameter Store reads the secret as the caller; the six characters are the suffix of the secret's ARN).</li>
 *   <li>{@code secretsmanager:GetSecretValue} on each {@code sm://} secret: {@code secret:<name>-??????} for a
 *       name (this account and region), the ARN itself for a full ARN in any account and region (a partial ARN
 *       gains {@code -??????}); and {@code secretsmanager:BatchGetSecretValue} (which has no resource-level
 *       permission, so on {@code *}) only when two or more are read at their current version, the one case the
 *       sidecar batches. Another account's secret also needs that account's resource policy (and key policy).</li>
 *   <li>For each {@code sm://PREFIX/*}: {@code secretsmanager:GetSecretValue} on {@code secret:PREFIX/*},
 *       {@code secretsmanager:BatchGetSecretValue} and {@code secretsmanager:ListSecrets} on {@code *} (neither has
 *       resource-level permissions; a {@code BatchGetSecretValue} by filters needs {@code ListSecrets} too, and a tag
 *       filter lists with it).</li>
 *   <li>{@code kms:Decrypt} only through the SSM (and Secrets Manager) endpoints of the regions involved
 *       ({@code kms:ViaService}), on any key when none is given; with keys given, one statement per key region, each
 *       on that region's keys through that region's endpoints (a key is used only through its own region's
 *       services, so a cross-region reference's key matches there).</li>
 * </ul>
 * For another account's secrets, {@link #resourcePolicy} and {@link #keyPolicy} write what the owning account adds.
 */
public final class IamPolicy {

    /** Statement ids, each saying why the statement is there. */
    static final String SID_PARAMETERS = "GetDeclaredParameters";
    static final String SID_CHILDREN = "GetParametersBelowDeclaredPaths";
    static final String SID_PATHS = "GetDeclaredPaths";
    static final String SID_ALLOWED = "GetParametersUnderAllowedPrefixes";
    static final String SID_SECRETS = "GetSecretsReferencedThroughParameterStore";
    static final String SID_DECRYPT = "DecryptThroughParameterStoreOnly";
    static final String SID_DIRECT_SECRETS = "GetDeclaredSecrets";
    static final String SID_BATCH = "BatchGetDeclaredSecrets";
    static final String SID_LIST = "ListSecretsUnderDeclaredPrefixes";
    static final String SID_CROSS_ACCOUNT = "AllowSsmSidecarTaskRoleToReadSecret";
    static final String SID_KEY_POLICY = "AllowSsmSidecarTaskRoleToDecryptThroughSecretsManager";
    static final String SID_ASSUME = "AssumeConfiguredRoles";
    /** A full secret ARN ends in the name, a dash and six characters Secrets Manager adds. */
    private static final Pattern SECRET_SUFFIX = Pattern.compile(".*-[A-Za-z0-9]{6}");

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern ROLE_ARN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov):(iam|sts)::([0-9]{12}):(role|assumed-role)/[A-Za-z0-9+=,.@_/-]{1,512}");
    private static final Pattern KEY_ARN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):key/[A-Za-z0-9-]{1,128}");

    /**
     * Where names that are not ARNs live, and the keys of the SecureStrings and secrets.
     *
     * @param region      the region of plain names and Secrets Manager ids; empty when every reference is an ARN
     * @param account     the 12-digit account of plain names and Secrets Manager ids; empty likewise
     * @param kmsKeyArns  the customer managed keys' ARNs, any regions; empty grants {@code kms:Decrypt} on {@code *},
     *                    still only through SSM and Secrets Manager
     * @param taskRoleArn the role the sidecar runs as, for the owning account's resource and key policies
     */
    public record Scope(Optional<String> region, Optional<String> account, List<String> kmsKeyArns,
                        Optional<String> taskRoleArn) {
        public Scope {
            kmsKeyArns = List.copyOf(kmsKeyArns);
        }

        /** One key or none, no task role. */
        public Scope(Optional<String> region, Optional<String> account, Optional<String> kmsKeyArn) {
            this(region, account, kmsKeyArn.stream().toList(), Optional.empty());
        }
    }

    private IamPolicy() {
    }

    /**
     * The policy document for {@code references} and the {@code SIDECAR_ALLOW} prefixes {@code allow}.
     *
     * @throws PolicyException listing every problem: a missing or malformed region, account or key ARN, or a
     *                         reference in another partition than the region's
     */
    public static ObjectNode document(List<Reference> references, List<String> allow, Scope scope)
            throws PolicyException {
        List<String> problems = new ArrayList<>();
        Arns arns = Arns.of(references, allow, scope, problems);
        Grants grants = new Grants();
        references.forEach(ref -> grants.declared(ref, arns, problems));
        allow.forEach(prefix -> grants.onDemand(prefix, arns));
        if (!problems.isEmpty()) {
            throw new PolicyException(List.copyOf(new LinkedHashSet<>(problems)));
        }
        return grants.document(scope);
    }

    /** The resources each statement grants, gathered from the references and prefixes before the document is written. */
    private static final class Grants {
        private final Set<String> parameters = new LinkedHashSet<>();
        private final Set<String> children = new LinkedHashSet<>();
        private final Set<String> paths = new LinkedHashSet<>();
        private final Set<String> allowed = new LinkedHashSet<>();
        private final Set<String> secrets = new LinkedHashSet<>();
        private final Set<String> regions = new LinkedHashSet<>();
        private final Set<String> secretsManagerRegions = new LinkedHashSet<>();
        private final Set<String> directSecrets = new LinkedHashSet<>();
        /** The {@code sm://} secrets read at their current version: two or more go in BatchGetSecretValue. */
        private final Set<String> batched = new LinkedHashSet<>();
        /** True when an {@code sm://PREFIX/*} is declared: BatchGetSecretValue by filters, and ListSecrets. */
        private boolean prefixes;

        /** A declared reference: its parameter (or path and the path's children), or its secret. */
        void declared(Reference ref, Arns arns, List<String> problems) {
            if (ref.kind() == Reference.Kind.SECRET) {
                if (ref.name().startsWith("arn:")) {
                    String[] parts = ref.name().split(":", 7);
                    arns.checkPartition(parts[1], ref, problems);
                    directSecrets.add(SECRET_SUFFIX.matcher(parts[6]).matches() ? ref.name() : ref.name() + "-??????");
                    secretsManagerRegions.add(parts[3]);
                } else {
                    directSecrets.add(arns.secret(ref.name() + "-??????"));
                    secretsManagerRegions.add(arns.region());
                }
                if (ref.selector() == null) {
                    batched.add(ref.name());
                }
            } else if (ref.kind() == Reference.Kind.SECRET_PREFIX) {
                directSecrets.add(arns.secret(ref.name() + "/*"));
                secretsManagerRegions.add(arns.region());
                prefixes = true;
            } else if (ref.kind() == Reference.Kind.PATH) {
                paths.add(arns.parameter(ref.name()));
                children.add(arns.parameter(ref.name() + "/*"));
                regions.add(arns.region());
            } else if (ref.name().startsWith("arn:")) {
                String[] parts = ref.name().split(":", 6);
                arns.checkPartition(parts[1], ref, problems);
                parameters.add(ref.name());
                regions.add(parts[3]);
            } else {
                parameters.add(arns.parameter(ref.name()));
                regions.add(arns.region());
                if (ref.isSecretsManager()) {
                    secretsManagerRegions.add(arns.region());
                    secrets.add(arns.secret(ref.name().substring(Reference.SECRETS_MANAGER_PREFIX.length()) + "-??????"));
                }
            }
        }

        /** A {@code SIDECAR_ALLOW} prefix: every parameter under it, and the secrets under it where it names some. */
        void onDemand(String prefix, Arns arns) {
            if (prefix.startsWith("sm://")) {
                // Read from Secrets Manager directly: a secret name prefix in the policy's account and region, or
                // an ARN prefix that names its own.
                String id = prefix.substring("sm://".length());
                directSecrets.add(id.startsWith("arn:") ? id + "*" : arns.secret(id + "*"));
                secretsManagerRegions.add(id.startsWith("arn:") ? id.split(":", 5)[3] : arns.region());
                return;
            }
            allowed.add(arns.parameter((prefix.startsWith("/") ? "" : "/") + prefix + "*"));
            regions.add(arns.region());
            if (prefix.startsWith(Reference.SECRETS_MANAGER_PREFIX) || Reference.SECRETS_MANAGER_PREFIX.startsWith(prefix)) {
                // On-demand Secrets Manager references: the secret ids under the prefix, or every secret.
                String id = prefix.length() > Reference.SECRETS_MANAGER_PREFIX.length()
                        ? prefix.substring(Reference.SECRETS_MANAGER_PREFIX.length()) : "";
                secretsManagerRegions.add(arns.region());
                secrets.add(arns.secret(id + "*"));
            }
        }

        /** One statement per kind of grant that has resources, and kms:Decrypt through the services used. */
        ObjectNode document(Scope scope) {
            ObjectNode document = Jackson.mapper().createObjectNode().put("Version", "2012-10-17");
            ArrayNode statements = document.putArray("Statement");
            statement(statements, SID_PARAMETERS, "ssm:GetParameters", parameters);
            statement(statements, SID_PATHS, "ssm:GetParametersByPath", paths);
            statement(statements, SID_CHILDREN, "ssm:GetParameters", children);
            statement(statements, SID_ALLOWED, "ssm:GetParameters", allowed);
            statement(statements, SID_SECRETS, "secretsmanager:GetSecretValue", secrets);
            statement(statements, SID_DIRECT_SECRETS, "secretsmanager:GetSecretValue", directSecrets);
            if (batched.size() > 1 || prefixes) {
                statement(statements, SID_BATCH, "secretsmanager:BatchGetSecretValue", Set.of("*"));
            }
            if (prefixes) {
                statement(statements, SID_LIST, "secretsmanager:ListSecrets", Set.of("*"));
            }
            regions.remove(null);
            secretsManagerRegions.remove(null);
            if (scope.kmsKeyArns().isEmpty()) {
                if (!regions.isEmpty() || !secretsManagerRegions.isEmpty()) {
                    decrypt(statements, SID_DECRYPT, Set.of("*"), regions, secretsManagerRegions);
                }
                return document;
            }
            // A key decrypts only through its own region's services: one statement per key region.
            java.util.Map<String, Set<String>> keysByRegion = new java.util.LinkedHashMap<>();
            for (String key : scope.kmsKeyArns()) {
                keysByRegion.computeIfAbsent(key.split(":")[3], r -> new LinkedHashSet<>()).add(key);
            }
            keysByRegion.forEach((region, keys) -> {
                Set<String> ssmThere = regions.contains(region) ? Set.of(region) : Set.of();
                Set<String> smThere = secretsManagerRegions.contains(region) ? Set.of(region) : Set.of();
                if (ssmThere.isEmpty() && smThere.isEmpty()) {
                    // No reference names this region (a failover replica's key, say): both services there.
                    ssmThere = Set.of(region);
                    smThere = Set.of(region);
                }
                String sid = keysByRegion.size() == 1 ? SID_DECRYPT : SID_DECRYPT + sidPart(region);
                decrypt(statements, sid, keys, ssmThere, smThere);
            });
            return document;
        }

        private static void decrypt(ArrayNode statements, String sid, Set<String> keys, Set<String> ssmRegions,
                                    Set<String> secretsManagerRegions) {
            ObjectNode decrypt = statement(statements, sid, "kms:Decrypt", keys);
            ArrayNode via = decrypt.putObject("Condition").putObject("StringEquals").putArray("kms:ViaService");
            for (String region : ssmRegions) {
                via.add("ssm." + region + "." + dnsSuffix(region));
            }
            for (String region : secretsManagerRegions) {
                via.add("secretsmanager." + region + "." + dnsSuffix(region));
            }
        }
    }

    /**
     * The regions where the references read through SSM or Secrets Manager but no {@code --kms-key-arn} was given
     * while others were: no {@code kms:Decrypt} is granted there (right for the AWS managed keys, which need none).
     */
    public static List<String> regionsWithoutAKey(List<Reference> references, List<String> allow, Scope scope) {
        if (scope.kmsKeyArns().isEmpty()) {
            return List.of();
        }
        List<String> problems = new ArrayList<>();
        Arns arns = Arns.of(references, allow, scope, problems);
        Grants grants = new Grants();
        references.forEach(ref -> grants.declared(ref, arns, problems));
        allow.forEach(prefix -> grants.onDemand(prefix, arns));
        Set<String> used = new java.util.TreeSet<>();
        grants.regions.stream().filter(java.util.Objects::nonNull).forEach(used::add);
        grants.secretsManagerRegions.stream().filter(java.util.Objects::nonNull).forEach(used::add);
        scope.kmsKeyArns().forEach(key -> used.remove(key.split(":")[3]));
        return List.copyOf(used);
    }

    /** {@code eu-west-1} as a statement id part: {@code EuWest1} (Sids are letters and digits only). */
    private static String sidPart(String region) {
        StringBuilder b = new StringBuilder();
        for (String part : region.split("-")) {
            b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return b.toString();
    }

    /**
     * The secret resource policy the owning account attaches to each of another account's secrets named by an
     * {@code sm://} ARN ({@code aws secretsmanager put-resource-policy}): {@code secretsmanager:GetSecretValue} for the
     * task role. {@code Resource} is {@code *}, which in a secret's resource policy is that secret.
     *
     * @return the document, and the ARNs of the secrets it is for
     * @throws PolicyException without a valid task role ARN, or when no secret is in another account
     */
    public static OwnerPolicy resourcePolicy(List<Reference> references, Scope scope) throws PolicyException {
        Owner owner = owner(references, scope);
        ObjectNode document = Jackson.mapper().createObjectNode().put("Version", "2012-10-17");
        ownerStatement(document, SID_CROSS_ACCOUNT, owner.role(), "secretsmanager:GetSecretValue");
        return new OwnerPolicy(document, owner.secrets());
    }

    /**
     * The statement to add to the key policy of the customer managed key that encrypts another account's secrets
     * (in that account; keep the key's other statements): {@code kms:Decrypt} for the task role, only through Secrets
     * Manager in the secrets' regions. Written as a whole policy document with that one statement.
     */
    public static OwnerPolicy keyPolicy(List<Reference> references, Scope scope) throws PolicyException {
        Owner owner = owner(references, scope);
        ObjectNode document = Jackson.mapper().createObjectNode().put("Version", "2012-10-17");
        ObjectNode statement = ownerStatement(document, SID_KEY_POLICY, owner.role(), "kms:Decrypt");
        ArrayNode via = statement.putObject("Condition").putObject("StringEquals").putArray("kms:ViaService");
        Set<String> regions = new LinkedHashSet<>();
        owner.secrets().forEach(arn -> regions.add(arn.split(":")[3]));
        regions.forEach(r -> via.add("secretsmanager." + r + "." + dnsSuffix(r)));
        return new OwnerPolicy(document, owner.secrets());
    }

    /** The one statement of a resource or key policy: {@code action} for {@code role} on the resource it is attached to. */
    private static ObjectNode ownerStatement(ObjectNode document, String sid, String role, String action) {
        ObjectNode statement = document.putArray("Statement").addObject().put("Sid", sid).put("Effect", "Allow");
        statement.putObject("Principal").put("AWS", role);
        return statement.put("Action", action).put("Resource", "*");
    }

    /** A policy the owning account of cross-account secrets applies, and the secret ARNs it is for. */
    public record OwnerPolicy(ObjectNode document, List<String> secrets) {
    }

    private record Owner(String role, List<String> secrets) {
    }

    private static Owner owner(List<Reference> references, Scope scope) throws PolicyException {
        String role = scope.taskRoleArn().orElse(null);
        if (role == null) {
            throw new PolicyException(List.of("--task-role-arn is needed to write the owning account's policies: the "
                    + "ARN of the role the sidecar runs as, e.g. arn:aws:iam::123456789012:role/my-app-task"));
        }
        var m = ROLE_ARN.matcher(role);
        if (!m.matches() || !m.group(2).equals("iam") || !m.group(4).equals("role")) {
            throw new PolicyException(List.of("--task-role-arn must be an IAM role ARN, arn:aws:iam::<account>:role/"
                    + "<name> (not an assumed-role session ARN), got '" + role + "'"));
        }
        String own = scope.account().orElse(m.group(3));
        Set<String> secrets = new LinkedHashSet<>();
        for (Reference ref : references) {
            if (ref.kind() == Reference.Kind.SECRET && ref.name().startsWith("arn:")
                    && !ref.name().split(":")[4].equals(own)) {
                secrets.add(SECRET_SUFFIX.matcher(ref.name().split(":", 7)[6]).matches() ? ref.name()
                        : ref.name() + "-??????");
            }
        }
        if (secrets.isEmpty()) {
            throw new PolicyException(List.of("no sm:// reference names a secret ARN in another account than " + own
                    + ", so the owning account needs no resource or key policy"));
        }
        return new Owner(role, List.copyOf(secrets));
    }

    /**
     * Adds {@code sts:AssumeRole} on {@code roles} ({@code SIDECAR_ROLE_ARN}, {@code SIDECAR_ROLE_ARN_<ACCOUNT>}) to
     * {@code document}; nothing when there are none. The reads that go through a role need their grants in that
     * role's own policy (and its trust policy must let the task role assume it).
     */
    public static ObjectNode withAssumeRole(ObjectNode document, List<String> roles) {
        statement((ArrayNode) document.get("Statement"), SID_ASSUME, "sts:AssumeRole", new LinkedHashSet<>(roles));
        return document;
    }

    /** The document as {@code aws iam create-policy --policy-document} takes it: two-space indent, one item a line. */
    public static String print(ObjectNode document) {
        return Jackson.indented(document);
    }

    /** The partition a region belongs to, as the reference syntax knows them. */
    static String partition(String region) {
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    }

    private static String dnsSuffix(String region) {
        return partition(region).equals("aws-cn") ? "amazonaws.com.cn" : "amazonaws.com";
    }

    private static ObjectNode statement(ArrayNode statements, String sid, String action, Set<String> resources) {
        if (resources.isEmpty()) {
            return null;
        }
        ObjectNode statement = statements.addObject().put("Sid", sid).put("Effect", "Allow").put("Action", action);
        if (resources.size() == 1) {
            statement.put("Resource", resources.iterator().next());
        } else {
            ArrayNode list = statement.putArray("Resource");
            resources.forEach(list::add);
        }
        return statement;
    }

    /** Builds the ARNs of names that are not ARNs, reporting once what the scope lacks for them. */
    private static final class Arns {
        private final Scope scope;
        private final List<String> problems;
        private final String partition;

        private Arns(Scope scope, List<String> problems) {
            this.scope = scope;
            this.problems = problems;
            this.partition = scope.region().filter(r -> REGION.matcher(r).matches()).map(IamPolicy::partition).orElse(null);
        }

        static Arns of(List<Reference> references, List<String> allow, Scope scope, List<String> problems) {
            scope.region().filter(r -> !REGION.matcher(r).matches()).ifPresent(r ->
                    problems.add("--region must look like us-east-1, got '" + r + "'"));
            scope.account().filter(a -> !ACCOUNT.matcher(a).matches()).ifPresent(a ->
                    problems.add("--account must be a 12-digit AWS account id, got '" + a + "'"));
            scope.kmsKeyArns().forEach(key -> {
                var m = KEY_ARN.matcher(key);
                if (!m.matches()) {
                    problems.add("--kms-key-arn must be a key ARN, arn:aws:kms:<region>:<account>:key/<key-id> "
                            + "(an alias ARN does not authorize kms:Decrypt), got '" + key + "'");
                } else if (scope.region().isPresent() && !m.group(1).equals(partition(scope.region().get()))) {
                    problems.add("--kms-key-arn is in partition " + m.group(1) + ", the region "
                            + scope.region().get() + " in " + partition(scope.region().get()));
                }
            });
            return new Arns(scope, problems);
        }

        String region() {
            if (scope.region().isEmpty()) {
                problems.add("the region of names that are not ARNs is needed: give --region (or set AWS_REGION)");
            }
            return scope.region().orElse(null);
        }

        String parameter(String name) {
            return arn("ssm", "parameter" + (name.startsWith("/") ? "" : "/") + name);
        }

        String secret(String pattern) {
            return arn("secretsmanager", "secret:" + pattern);
        }

        void checkPartition(String arnPartition, Reference ref, List<String> problems) {
            if (partition != null && !partition.equals(arnPartition)) {
                problems.add(ref.key() + "=" + ref.raw() + " is in partition " + arnPartition + "; the policy's region "
                        + scope.region().orElseThrow() + " is in " + partition + " (one policy serves one partition)");
            }
        }

        private String arn(String service, String resource) {
            String region = region();
            if (scope.account().isEmpty()) {
                problems.add("the account of names that are not ARNs is needed: give --account (12 digits)");
            }
            String account = scope.account().orElse("");
            return "arn:" + (partition == null ? "aws" : partition) + ":" + service + ":" + region + ":" + account
                    + ":" + resource;
        }
    }
}
