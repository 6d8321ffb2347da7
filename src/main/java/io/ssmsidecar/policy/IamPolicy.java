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
 *   <li>{@code kms:Decrypt} only through the SSM (and Secrets Manager) endpoints of the regions involved
 *       ({@code kms:ViaService}), on the given key, or on any key when none is given.</li>
 * </ul>
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
    static final String SID_ASSUME = "AssumeConfiguredRoles";
    /** A full secret ARN ends in the name, a dash and six characters Secrets Manager adds. */
    private static final Pattern SECRET_SUFFIX = Pattern.compile(".*-[A-Za-z0-9]{6}");

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final Pattern ACCOUNT = Pattern.compile("[0-9]{12}");
    private static final Pattern KEY_ARN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov):kms:([a-z]{2}(-[a-z]+)+-[0-9]{1,2}):([0-9]{12}):key/[A-Za-z0-9-]{1,128}");

    /**
     * Where names that are not ARNs live, and the key of the SecureStrings.
     *
     * @param region    the region of plain names and Secrets Manager ids; empty when every reference is an ARN
     * @param account   the 12-digit account of plain names and Secrets Manager ids; empty likewise
     * @param kmsKeyArn the customer managed key's ARN; empty grants {@code kms:Decrypt} on {@code *}, still only
     *                  through SSM and Secrets Manager
     */
    public record Scope(Optional<String> region, Optional<String> account, Optional<String> kmsKeyArn) {
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
            if (batched.size() > 1) {
                statement(statements, SID_BATCH, "secretsmanager:BatchGetSecretValue", Set.of("*"));
            }
            regions.remove(null);
            secretsManagerRegions.remove(null);
            if (!regions.isEmpty() || !secretsManagerRegions.isEmpty()) {
                ObjectNode decrypt = statement(statements, SID_DECRYPT, "kms:Decrypt",
                        Set.of(scope.kmsKeyArn().orElse("*")));
                ArrayNode via = decrypt.putObject("Condition").putObject("StringEquals").putArray("kms:ViaService");
                for (String region : regions) {
                    via.add("ssm." + region + "." + dnsSuffix(region));
                }
                for (String region : secretsManagerRegions) {
                    via.add("secretsmanager." + region + "." + dnsSuffix(region));
                }
            }
            return document;
        }
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
            scope.kmsKeyArn().ifPresent(key -> {
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
