package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.Wiring;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.policy.IamPolicy;
import io.ssmsidecar.policy.PolicyException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code policy}: prints the least-privilege IAM policy for the references and {@code SIDECAR_ALLOW} prefixes
 * of the same environment {@code run} and {@code init} read. Pure: no AWS call, no file written.
 */
public final class PolicyCommand implements Command {
    private static final List<String> OWN_FLAGS = List.of("--account", "--region", "--kms-key-arn", "--task-role-arn",
            "--for");
    /** What {@code --for} may ask for: the task role's policy (the default), or the owning account's. */
    private static final List<String> FOR = List.of("task-role", "resource-policy", "kms-key-policy");

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public String summary() {
        return "Print the least-privilege IAM policy JSON for the declared references";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar policy [--account ID] [--region REGION] [--kms-key-arn ARN]... [--for WHAT]"
                + " [--task-role-arn ARN] [FLAGS]\n\n"
                + "Prints to stdout the IAM policy document the task role (or IRSA / Pod Identity role) needs for the\n"
                + "ssm:// references and SIDECAR_ALLOW prefixes of this environment, the same run and init read:\n"
                + "  ssm:GetParameters on each declared parameter's ARN (versions and labels collapse to the parameter),\n"
                + "  ssm:GetParametersByPath on each declared path and ssm:GetParameters on its children,\n"
                + "  ssm:GetParameters on each SIDECAR_ALLOW prefix, secretsmanager:GetSecretValue on each\n"
                + "  /aws/reference/secretsmanager/ secret, and kms:Decrypt only through SSM and Secrets Manager.\n"
                + "Valid for: aws iam create-policy --policy-name my-app-ssm-sidecar --policy-document file://policy.json\n\n"
                + "  --account ID        the 12-digit account of names that are not ARNs (needed when there are any)\n"
                + "  --region REGION     their region; default AWS_REGION, then AWS_DEFAULT_REGION. The partition\n"
                + "                      (aws, aws-cn, aws-us-gov) follows from it.\n"
                + "  --kms-key-arn ARN   a customer managed key of the SecureStrings and secrets; repeat it for each\n"
                + "                      key (one per region: each is granted through its own region's services).\n"
                + "                      Without it, kms:Decrypt is granted on \"*\", still only through SSM and\n"
                + "                      Secrets Manager (kms:ViaService), and a note on stderr says so.\n"
                + "  --for WHAT          task-role (default): the identity policy above; resource-policy: the resource\n"
                + "                      policy the owning account attaches to each of its secrets named by an sm://\n"
                + "                      ARN in another account; kms-key-policy: the statement to add to the key policy\n"
                + "                      of the key that encrypts them. Both need --task-role-arn.\n"
                + "  --task-role-arn ARN the role the sidecar runs as (arn:aws:iam::<account>:role/<name>)\n"
                + "Exit codes: 0 printed, 2 bad option, setting or reference (nothing printed). No AWS call is made.\n\n"
                + SettingsLoader.FLAGS_HELP;
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>();
        Map<String, String> own = new HashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!OWN_FLAGS.contains(flag)) {
                rest.add(arg);
            } else if (arg.contains("=") || i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : args.get(++i);
                if (flag.equals("--kms-key-arn")) {
                    keys.add(value);
                } else if (own.put(flag, value) != null) {
                    err.println("ssm-sidecar policy: " + flag + " is given twice; only --kms-key-arn may be repeated");
                    return ExitCode.CONFIG.code();
                }
            } else {
                err.println("ssm-sidecar policy: " + flag + " needs a value, e.g. " + flag + " " + example(flag));
                return ExitCode.CONFIG.code();
            }
        }
        try {
            Settings settings = CommandSupport.settings(name(), rest, env, err);
            if (settings.references().isEmpty() && settings.onDemand().allow().isEmpty()) {
                err.println("ssm-sidecar policy: no secrets declared and no SIDECAR_ALLOW prefixes: set at least one "
                        + "environment variable to an ssm:// reference, e.g. DB_PASSWORD=ssm:///prod/db/password");
                return ExitCode.CONFIG.code();
            }
            Optional<String> region = Optional.ofNullable(own.get("--region"))
                    .or(() -> nonBlank(env.get("AWS_REGION"))).or(() -> nonBlank(env.get("AWS_DEFAULT_REGION")));
            IamPolicy.Scope scope = new IamPolicy.Scope(region, Optional.ofNullable(own.get("--account")), keys,
                    Optional.ofNullable(own.get("--task-role-arn")));
            String what = own.getOrDefault("--for", FOR.get(0));
            if (!FOR.contains(what)) {
                err.println("ssm-sidecar policy: --for must be one of " + String.join(", ", FOR) + ", got '" + what + "'");
                return ExitCode.CONFIG.code();
            }
            if (!what.equals(FOR.get(0))) {
                IamPolicy.OwnerPolicy policy = what.equals("resource-policy")
                        ? IamPolicy.resourcePolicy(settings.references(), scope)
                        : IamPolicy.keyPolicy(settings.references(), scope);
                String document = IamPolicy.print(policy.document());
                err.println("ssm-sidecar policy: " + (what.equals("resource-policy")
                        ? "attach this resource policy, in the owning account, to each of these secrets "
                        + "(aws secretsmanager put-resource-policy --secret-id ARN --resource-policy file://policy.json):"
                        : "add this statement, in the owning account, to the key policy of the customer managed key "
                        + "that encrypts these secrets (keep the key's other statements; the AWS managed key "
                        + "aws/secretsmanager cannot be shared across accounts):"));
                policy.secrets().forEach(arn -> err.println("  " + arn));
                out.print(document);
                out.flush();
                return ExitCode.OK.code();
            }
            List<String> roles = Wiring.routing(settings).roles();
            String document = IamPolicy.print(IamPolicy.withAssumeRole(
                    IamPolicy.document(settings.references(), settings.onDemand().allow(), scope), roles));
            if (!roles.isEmpty()) {
                err.println("ssm-sidecar policy: note: the references read through a role (SIDECAR_ROLE_ARN*) need their"
                        + " grants in that role's policy too, and its trust policy must let this task role assume it"
                        + " (see docs/secrets-manager.md).");
            }
            for (String uncovered : IamPolicy.regionsWithoutAKey(settings.references(), settings.onDemand().allow(),
                    scope)) {
                err.println("ssm-sidecar policy: note: no --kms-key-arn in " + uncovered + ", where references are "
                        + "read: kms:Decrypt is not granted there (none is needed for the AWS managed keys aws/ssm and "
                        + "aws/secretsmanager); give that region's key with another --kms-key-arn if it uses one.");
            }
            if (scope.kmsKeyArns().isEmpty()) {
                err.println("ssm-sidecar policy: note: no --kms-key-arn, so kms:Decrypt is granted on any key (\"*\"), "
                        + "only through SSM and Secrets Manager (kms:ViaService). Give the customer managed key's ARN "
                        + "to narrow it; with the AWS managed keys aws/ssm and aws/secretsmanager the statement can go.");
            }
            out.print(document);
            out.flush();
            return ExitCode.OK.code();
        } catch (PolicyException e) {
            err.println("ssm-sidecar policy: cannot write the policy:");
            for (String p : e.problems()) {
                err.println("  - " + p);
            }
            return ExitCode.CONFIG.code();
        } catch (CommandFailure f) {
            return f.code().code();
        }
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    private static String example(String flag) {
        return switch (flag) {
            case "--account" -> "123456789012";
            case "--region" -> "us-east-1";
            case "--task-role-arn" -> "arn:aws:iam::123456789012:role/my-app-task";
            case "--for" -> "resource-policy";
            default -> "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        };
    }
}
