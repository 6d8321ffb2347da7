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
    private static final List<String> OWN_FLAGS = List.of("--account", "--region", "--kms-key-arn");

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
        return "Usage: ssm-sidecar policy [--account ID] [--region REGION] [--kms-key-arn ARN] [FLAGS]\n\n"
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
                + "  --kms-key-arn ARN   the customer managed key of the SecureStrings and secrets. Without it,\n"
                + "                      kms:Decrypt is granted on \"*\", still only through SSM and Secrets Manager\n"
                + "                      (kms:ViaService), and a note on stderr says so.\n"
                + "Exit codes: 0 printed, 2 bad option, setting or reference (nothing printed). No AWS call is made.\n\n"
                + SettingsLoader.FLAGS_HELP;
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>();
        Map<String, String> own = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!OWN_FLAGS.contains(flag)) {
                rest.add(arg);
            } else if (arg.contains("=")) {
                own.put(flag, arg.substring(arg.indexOf('=') + 1));
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                own.put(flag, args.get(++i));
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
            IamPolicy.Scope scope = new IamPolicy.Scope(region, Optional.ofNullable(own.get("--account")),
                    Optional.ofNullable(own.get("--kms-key-arn")));
            List<String> roles = Wiring.routing(settings).roles();
            String document = IamPolicy.print(IamPolicy.withAssumeRole(
                    IamPolicy.document(settings.references(), settings.onDemand().allow(), scope), roles));
            if (!roles.isEmpty()) {
                err.println("ssm-sidecar policy: note: the references read through a role (SIDECAR_ROLE_ARN*) need their"
                        + " grants in that role's policy too, and its trust policy must let this task role assume it"
                        + " (see docs/secrets-manager.md).");
            }
            if (scope.kmsKeyArn().isEmpty()) {
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
            default -> "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        };
    }
}
