package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.ConfigException;
import io.ssmsidecar.config.Settings;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.localssm.LocalSsm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code demo}: the sidecar's main job on an embedded local SSM endpoint, no AWS account needed. Seeds example
 * parameters (a SecureString, a name without a leading slash, a JSON secret through the Secrets Manager reference
 * path, a path of several parameters), then runs the daemon against the endpoint through the same SDK code path as
 * production and prints what to try.
 */
public final class DemoCommand implements Command {

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "Start an embedded local SSM endpoint with example parameters and run the sidecar on it";
    }

    @Override
    public String help() {
        return """
                Usage: ssm-sidecar demo [--once] [--output-dir DIR] [--http-port PORT]

                Starts an SSM-compatible endpoint in-process, seeds example parameters, and runs the sidecar
                against it (files in DIR, default /tmp/ssm-sidecar-demo; API on %s:PORT, default %d).
                Prints ready-to-paste commands. Stops on Ctrl-C / SIGTERM.
                  --once   load and write the files like init, print them, and exit (no daemon)
                """.formatted(CommandSupport.DEFAULTS.http().address(), CommandSupport.DEFAULTS.http().port());
    }

    /** The demo's declared references: every form of the syntax. */
    static Map<String, String> references() {
        Map<String, String> refs = new LinkedHashMap<>();
        refs.put("DB_PASSWORD", "ssm:///demo/db/password");
        refs.put("LITTLE_SECRET", "ssm://my.little.secret");
        refs.put("DB_USER", "ssm:///aws/reference/secretsmanager/demo/db-credentials#username");
        refs.put("APP", "ssm:///demo/app/*");
        refs.put("FEATURE_FLAGS", "ssm:///demo/feature-flags:1");
        refs.put("NOT_THERE", "ssm:///demo/not-there?optional");
        return refs;
    }

    static void seed(LocalSsm ssm) {
        ssm.put("/demo/db/password", "s3cr3t-demo-password", "SecureString");
        ssm.put("my.little.secret", "a little secret", "String");
        ssm.putSecret("demo/db-credentials", "{\"username\":\"app_user\",\"password\":\"demo-db-pass\"}");
        ssm.put("/demo/app/api-key", "demo-api-key-123", "SecureString");
        ssm.put("/demo/app/db/pass-word", "nested-demo-value", "SecureString");
        ssm.put("/demo/app/log.level", "debug", "String");
        ssm.put("/demo/feature-flags", "a,b", "StringList");
        ssm.put("/demo/feature-flags", "a,b,c", "StringList");
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        boolean once = false;
        List<String> flags = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--once")) {
                once = true;
            } else {
                flags.add(a);
            }
        }
        try (LocalSsm ssm = LocalSsm.start()) {
            seed(ssm);
            Map<String, String> sidecarEnv = new LinkedHashMap<>(references());
            sidecarEnv.put("SIDECAR_OUTPUT_DIR", "/tmp/ssm-sidecar-demo");
            sidecarEnv.put("SIDECAR_REFRESH_INTERVAL", "10s");
            // The demo's static keys stand in for an ECS task role that the app and the sidecar share.
            sidecarEnv.put("SIDECAR_SDK_ENDPOINT", "verify");
            Map<String, String> awsEnv = Map.of(
                    "AWS_ENDPOINT_URL_SSM", ssm.endpoint().toString(),
                    "AWS_REGION", ssm.region(),
                    "AWS_ACCESS_KEY_ID", "demo",
                    "AWS_SECRET_ACCESS_KEY", "demo");
            sidecarEnv.putAll(awsEnv);
            out.println("Local SSM endpoint: " + ssm.endpoint() + " (seeded with " + references().size()
                    + " example references)");
            if (once) {
                int code = new InitCommand().run(flags, sidecarEnv, out, err);
                if (code == 0) {
                    Path written = outputDir(flags, sidecarEnv);
                    out.println("Files written to " + written + ":");
                    listFiles(written, out);
                }
                return code;
            }
            return daemon(flags, sidecarEnv, ssm, out, err);
        } catch (IOException e) {
            err.println("ssm-sidecar demo: cannot start the local SSM endpoint: " + e.getMessage());
            return ExitCode.INTERNAL.code();
        }
    }

    private int daemon(List<String> flags, Map<String, String> env, LocalSsm ssm, PrintStream out, PrintStream err) {
        try {
            Settings settings = CommandSupport.settings(name(), flags, env, err);
            return RunCommand.serve(settings, env, err, sidecar -> {
                if (!sidecar.awaitReady(java.time.Duration.ofSeconds(30))) {
                    err.println("ssm-sidecar demo: the sidecar did not become ready: " + sidecar.readinessReason());
                    throw new CommandFailure(ExitCode.SECRETS);
                }
                printTryThis(sidecar, settings, ssm, out);
            }).code();
        } catch (CommandFailure f) {
            return f.code().code();
        }
    }

    private static void printTryThis(Sidecar sidecar, Settings settings, LocalSsm ssm, PrintStream out) {
        String base = "http://127.0.0.1:" + sidecar.port();
        String h = "-H 'X-Aws-Parameters-Secrets-Token: " + sidecar.token() + "'";
        out.println("Sidecar ready. Files in " + settings.output().dir() + ":");
        listFiles(settings.output().dir(), out);
        out.println();
        out.println("Try:");
        out.println("  cat " + settings.output().dir().resolve("DB_PASSWORD"));
        out.println("  curl -s " + h + " " + base + "/v1/secrets");
        out.println("  curl -s " + h + " " + base + "/v1/secrets/DB_PASSWORD");
        out.println("  curl -s " + h + " '" + base
                + "/systemsmanager/parameters/get?name=%2Fdemo%2Fdb%2Fpassword&withDecryption=true'");
        out.println("  curl -s " + h + " '" + base + "/secretsmanager/get?secretId=demo%2Fdb-credentials'");
        out.println("  curl -s " + base + "/readyz; curl -s " + base + "/metrics | head");
        out.println("Or keep your SDK code: boto3 and the AWS CLI, pointed at the sidecar (SIDECAR_SDK_ENDPOINT=verify):");
        for (String line : sdkOneLiners(base, ssm.region())) {
            out.println("  " + line);
        }
        out.println("Rotate a value and refresh at once (the file and the API change, nothing restarts):");
        out.println("  curl -s -X POST " + ssm.endpoint() + "/_localssm/parameters"
                + " -H 'Content-Type: application/json' -d "
                + "'{\"name\":\"/demo/db/password\",\"value\":\"rotated\",\"type\":\"SecureString\"}'");
        out.println("  curl -s -X POST " + h + " " + base + "/v1/refresh");
        out.println("Press Ctrl-C to stop.");
        out.flush();
    }

    /**
     * A boto3 and an AWS CLI one-liner that read {@code /demo/db/password} through the sidecar's SDK endpoint at
     * {@code base}, signed with the demo's keys (the sidecar's own). Debian's CLI 2.9 predates
     * {@code AWS_ENDPOINT_URL_SSM}, hence {@code --endpoint-url}.
     */
    static List<String> sdkOneLiners(String base, String region) {
        String keys = "AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=" + region;
        return List.of(
                "AWS_ENDPOINT_URL_SSM=" + base + " " + keys + " python3 -c 'import boto3; print(boto3.client(\"ssm\")"
                        + ".get_parameter(Name=\"/demo/db/password\", WithDecryption=True)[\"Parameter\"][\"Value\"])'",
                keys + " aws ssm get-parameter --endpoint-url " + base
                        + " --name /demo/db/password --with-decryption --query Parameter.Value --output text");
    }

    /**
     * Where {@code init} just wrote, read by the same loader from the same flags and environment (so
     * {@code --output-dir}, {@code SIDECAR_OUTPUT_DIR} and the config file's key all count, as they do for init).
     */
    private static Path outputDir(List<String> flags, Map<String, String> env) {
        try {
            return SettingsLoader.load(flags, env).output().dir();
        } catch (ConfigException e) {
            throw new IllegalStateException("init accepted these settings a moment ago", e);
        }
    }

    private static void listFiles(Path dir, PrintStream out) {
        try (var files = java.nio.file.Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("..") && !n.equals(".lock")).sorted()
                    .forEach(n -> out.println("  " + dir.resolve(n)));
        } catch (IOException e) {
            out.println("  (cannot list " + dir + ": " + e.getClass().getSimpleName() + ")");
        }
    }
}
