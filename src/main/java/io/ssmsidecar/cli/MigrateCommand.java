package io.ssmsidecar.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.ssmsidecar.ExitCode;
import io.ssmsidecar.json.Jackson;
import io.ssmsidecar.migrate.MigrationException;
import io.ssmsidecar.migrate.TaskMigration;
import io.ssmsidecar.policy.IamPolicy;
import io.ssmsidecar.policy.PolicyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code migrate}: prints an ECS task definition that uses native {@code secrets} as the same task with the sidecar
 * ({@link TaskMigration}), and on stderr the IAM change and every note. Pure: no AWS call; only {@code --policy}
 * writes a file.
 */
public final class MigrateCommand implements Command {
    private static final List<String> FLAGS = List.of("--task-definition", "--image", "--region", "--account",
            "--kms-key-arn", "--policy", "--mode");

    private final Supplier<InputStream> stdin;

    public MigrateCommand() {
        this(() -> System.in);
    }

    /** With {@code stdin} read for {@code --task-definition -} (tests). */
    MigrateCommand(Supplier<InputStream> stdin) {
        this.stdin = stdin;
    }

    @Override
    public String name() {
        return "migrate";
    }

    @Override
    public String summary() {
        return "Print an ECS task definition's native secrets moved to the sidecar, and the IAM change";
    }

    @Override
    public String help() {
        return "Usage: ssm-sidecar migrate --task-definition FILE|- [--image URI] [--region R] [--account ID]\n"
                + "                           [--kms-key-arn ARN] [--policy FILE] [--mode bundle|supervise]\n\n"
                + "Reads an ECS task definition (the register-task-definition input, or what describe-task-definition\n"
                + "answers) and prints to stdout the same task with the sidecar, for\n"
                + "aws ecs register-task-definition --cli-input-json file://migrated.json:\n"
                + "  each container's secrets become ssm:// references in a new ssm-sidecar container (which runs 'run'\n"
                + "  and writes them to an env bundle, /run/secrets/secrets.env, on a shared volume); each app container\n"
                + "  mounts the volume, waits for the sidecar to be HEALTHY, and sources the bundle in its entry point\n"
                + "  before exec'ing its own argv unchanged.\n"
                + "With --mode supervise, no sidecar container: each app container gets its own secrets as ssm://\n"
                + "  references in its environment, and its entry point runs 'exec --restart-on-change --' in front\n"
                + "  of its own argv (unchanged), so the app is restarted with the new value after a rotation. Its\n"
                + "  image must hold the supervisor (/opt/jre and /app copied from the sidecar's image; a note says how).\n"
                + "On stderr: the task role's policy (as 'policy' prints it), what the execution role no longer needs,\n"
                + "and a note for every change that may not work as before (an entry point the task does not show,\n"
                + "an image without a shell, the user that reads the bundle, memory).\n\n"
                + "  --task-definition FILE  the task definition's JSON; '-' reads stdin\n"
                + "  --image URI             the sidecar's image (default ssm-sidecar, with a note)\n"
                + "  --region REGION         the task's region; default the describe-task-definition ARN's, then\n"
                + "                          AWS_REGION, then AWS_DEFAULT_REGION. Needed for ARNs (checked to be in it)\n"
                + "  --account ID            the task's 12-digit account; default the describe-task-definition ARN.\n"
                + "                          Needed for Secrets Manager ARNs and the policy\n"
                + "  --kms-key-arn ARN       the customer managed key, for the policy's kms:Decrypt (see 'policy --help')\n"
                + "  --policy FILE           also write the task role's policy to FILE (aws iam create-policy\n"
                + "                          --policy-document file://FILE)\n"
                + "  --mode MODE             bundle (default: the sidecar container writes an env bundle the app\n"
                + "                          sources at start) or supervise (the supervising exec in the app's\n"
                + "                          container restarts it on rotation; see docs/exec.md)\n"
                + "Exit codes: 0 printed; 2 bad flag, unreadable or invalid JSON, or an entry that cannot be carried\n"
                + "exactly (each named: another region or account, a Secrets Manager version-id, a name the\n"
                + "sidecar cannot declare); nothing is printed to stdout then. No AWS call is made.\n";
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (!FLAGS.contains(flag)) {
                err.println("ssm-sidecar migrate: unknown argument '" + arg + "'; flags are " + String.join(", ", FLAGS)
                        + " (see migrate --help)");
                return ExitCode.CONFIG.code();
            }
            if (arg.contains("=")) {
                flags.put(flag, arg.substring(arg.indexOf('=') + 1));
            } else if (i + 1 < args.size() && (!args.get(i + 1).startsWith("--"))) {
                flags.put(flag, args.get(++i));
            } else {
                err.println("ssm-sidecar migrate: " + flag + " needs a value");
                return ExitCode.CONFIG.code();
            }
        }
        String file = flags.get("--task-definition");
        if (file == null || file.isEmpty()) {
            err.println("ssm-sidecar migrate: --task-definition FILE is required ('-' reads stdin), e.g. "
                    + "aws ecs describe-task-definition --task-definition my-app | ssm-sidecar migrate "
                    + "--task-definition -");
            return ExitCode.CONFIG.code();
        }
        JsonNode input;
        try {
            byte[] bytes = file.equals("-") ? stdin.get().readAllBytes() : Files.readAllBytes(Path.of(file));
            input = Jackson.strictMapper().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            // The location only: the parser's message may quote the document, and a task's environment is not ours to print.
            var at = e.getLocation();
            err.println("ssm-sidecar migrate: " + file + " is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
            return ExitCode.CONFIG.code();
        } catch (IOException | RuntimeException e) {
            err.println("ssm-sidecar migrate: cannot read " + file + ": " + e.getClass().getSimpleName());
            return ExitCode.CONFIG.code();
        }
        Optional<String> envRegion = nonBlank(env.get("AWS_REGION")).or(() -> nonBlank(env.get("AWS_DEFAULT_REGION")));
        TaskMigration.Mode mode;
        switch (flags.getOrDefault("--mode", "bundle")) {
            case "bundle" -> mode = TaskMigration.Mode.BUNDLE;
            case "supervise" -> mode = TaskMigration.Mode.SUPERVISE;
            default -> {
                err.println("ssm-sidecar migrate: --mode must be bundle or supervise, got "
                        + io.ssmsidecar.reference.Printable.of(flags.get("--mode")));
                return ExitCode.CONFIG.code();
            }
        }
        TaskMigration.Options options = new TaskMigration.Options(flags.getOrDefault("--image", TaskMigration.SIDECAR),
                Optional.ofNullable(flags.get("--region")), Optional.ofNullable(flags.get("--account")), envRegion,
                mode);
        TaskMigration.Result result;
        try {
            result = TaskMigration.migrate(input, options);
        } catch (MigrationException e) {
            err.println("ssm-sidecar migrate: cannot migrate " + file + " exactly; nothing was printed:");
            e.problems().forEach(p -> err.println("  - " + p));
            return ExitCode.CONFIG.code();
        }
        String policy = null;
        String policyProblem = null;
        try {
            policy = IamPolicy.print(IamPolicy.document(result.references(), List.of(), new IamPolicy.Scope(
                    result.region(), result.account(), Optional.ofNullable(flags.get("--kms-key-arn")))));
        } catch (PolicyException e) {
            policyProblem = String.join("; ", e.problems());
        }
        if (flags.containsKey("--policy") && policy != null) {
            try {
                Files.writeString(Path.of(flags.get("--policy")), policy);
            } catch (IOException | RuntimeException e) {
                err.println("ssm-sidecar migrate: cannot write --policy " + flags.get("--policy") + ": "
                        + e.getClass().getSimpleName());
                return ExitCode.CONFIG.code();
            }
        } else if (flags.containsKey("--policy")) {
            err.println("ssm-sidecar migrate: cannot write the policy: " + policyProblem);
            return ExitCode.CONFIG.code();
        }
        out.print(Jackson.indented(result.task()));
        out.flush();
        report(result, mode, policy, policyProblem, flags.containsKey("--kms-key-arn"), err);
        return ExitCode.OK.code();
    }

    private static void report(TaskMigration.Result result, TaskMigration.Mode mode, String policy,
                               String policyProblem, boolean keyGiven, PrintStream err) {
        err.println("ssm-sidecar migrate: " + result.references().size() + " secret(s) moved to "
                + (mode == TaskMigration.Mode.SUPERVISE ? "the app containers' environment, under the supervising exec"
                : "the " + TaskMigration.SIDECAR + " container") + "; register the task printed on stdout.");
        err.println();
        if (policy != null) {
            err.println("IAM, task role" + result.task().path("taskRoleArn").asText("").transform(a -> a.isEmpty()
                    ? " (the task has no taskRoleArn: add one)" : " " + a) + ": it now reads the secrets; attach:");
            err.print(policy);
            if (!keyGiven) {
                err.println("(no --kms-key-arn: kms:Decrypt is granted on any key, only through SSM and Secrets Manager; "
                        + "give the customer managed key's ARN to narrow it)");
            }
        } else {
            err.println("IAM, task role: the policy needs more: " + policyProblem + " (then 'policy' or --policy prints it)");
        }
        err.println();
        err.println("IAM, execution role" + result.executionRoleArn().map(a -> " " + a).orElse("")
                + ": no longer reads these secrets, so it no longer needs:");
        if (!result.executionRoleSsm().isEmpty()) {
            err.println("  ssm:GetParameters on " + String.join(", ", result.executionRoleSsm()));
        }
        if (!result.executionRoleSecrets().isEmpty()) {
            err.println("  secretsmanager:GetSecretValue on " + String.join(", ", result.executionRoleSecrets()));
        }
        err.println("  kms:Decrypt for their keys");
        err.println("  unless another task or a container that keeps its ECS secrets (see the notes) uses them. It still "
                + "needs image pull and logs (AmazonECSTaskExecutionRolePolicy).");
        if (!result.notes().isEmpty()) {
            err.println();
            err.println("Notes:");
            result.notes().forEach(n -> err.println("  - " + n));
        }
    }

    private static Optional<String> nonBlank(String value) {
        return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }
}
