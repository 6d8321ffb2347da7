package io.ssmsidecar.cli;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.localssm.LocalSsm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code local-ssm}: Run the SSM-compatible local endpoint (for tests, demos and benchmarks). */
public final class LocalSsmCommand implements Command {
    static final int DEFAULT_PORT = 4583;
    private static final List<String> FLAGS = List.of("--port", "--seed", "--throttle", "--latency", "--page-size");

    @Override
    public String name() {
        return "local-ssm";
    }

    @Override
    public String summary() {
        return "Run the SSM-compatible local endpoint (for tests, demos and benchmarks)";
    }

    @Override
    public String help() {
        return """
                Usage: ssm-sidecar local-ssm [--port P] [--seed FILE] [--throttle N] [--latency MS] [--page-size N]

                %s.

                UNAUTHENTICATED: anyone who can reach it can read and change every value. For tests and demos
                only, never for production secrets.

                Listens on 127.0.0.1 and speaks SSM's AWS JSON 1.1 protocol (PutParameter, GetParameter,
                GetParameters, GetParametersByPath, DeleteParameter, LabelParameterVersion, GetParameterHistory;
                Secrets Manager secrets as /aws/reference/secretsmanager/<id>). Prints its URL on one line once
                ready; stops on SIGTERM or Ctrl-C with exit code 0.

                Flags:
                  --port P        port to listen on, 0..65535 (default %d; 0 picks a free port)
                  --seed FILE     JSON file of parameters and secrets to load (format: docs/local-ssm.md, "Seed file")
                  --throttle N    answer ThrottlingException above N calls per second (default: off)
                  --latency MS    delay every answer by MS milliseconds, 0..600000 (default 0)
                  --page-size N   at most N items per GetParametersByPath page, 1..10 (default 10)

                Point a client at it with any credentials, e.g.
                  AWS_ENDPOINT_URL_SSM=http://127.0.0.1:%d AWS_REGION=us-east-1 \\
                  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test ssm-sidecar get ssm:///demo/x
                Counters, call log, faults and seeding over HTTP: GET/POST <url>/_localssm/... (see docs/local-ssm.md);
                a POST or DELETE must carry Content-Type: application/json, an SSM call application/x-amz-json-1.1,
                and every request a loopback Host (localhost, 127.0.0.1, [::1]), so a web page cannot reach it.
                """.formatted(summary(), DEFAULT_PORT, DEFAULT_PORT);
    }

    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        LocalSsm.Options options;
        int throttle;
        Duration latency;
        try {
            Map<String, String> flags = parse(args);
            options = LocalSsm.Options.defaults()
                    .withPort(intFlag(flags, "--port", DEFAULT_PORT, 0, 65535))
                    .withPageSize(intFlag(flags, "--page-size", 10, 1, 10));
            if (flags.containsKey("--seed")) {
                Path seed = Path.of(flags.get("--seed"));
                if (!Files.isRegularFile(seed) || !Files.isReadable(seed)) {
                    throw new IllegalArgumentException("--seed: cannot read file '" + seed + "'");
                }
                options = options.withSeed(seed);
            }
            throttle = intFlag(flags, "--throttle", 0, 1, 1_000_000);
            latency = Duration.ofMillis(intFlag(flags, "--latency", 0, 0, 600_000));
        } catch (IllegalArgumentException e) {
            err.println("ssm-sidecar local-ssm: " + e.getMessage() + " (see --help)");
            return ExitCode.CONFIG.code();
        }
        LocalSsm ssm;
        try {
            ssm = LocalSsm.start(options);
        } catch (IllegalArgumentException e) {
            err.println("ssm-sidecar local-ssm: " + e.getMessage());
            return ExitCode.CONFIG.code();
        } catch (IOException e) {
            err.println("ssm-sidecar local-ssm: " + e.getMessage());
            return ExitCode.CONFIG.code();
        }
        ssm.faults().throttleAbove(throttle).latency(latency);
        CountDownLatch forever = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ssm.close();
            err.println("ssm-sidecar local-ssm: stopped");
            out.flush();
            err.flush();
            // SIGTERM is a normal way to stop this command; without halt the JVM would report 143.
            Runtime.getRuntime().halt(ExitCode.OK.code());
        }, "local-ssm-shutdown"));
        out.println(ssm.endpoint());
        out.flush();
        try {
            forever.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ssm.close();
        return ExitCode.OK.code();
    }

    private static Map<String, String> parse(List<String> args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String flag = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!arg.startsWith("-")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            if (!FLAGS.contains(flag)) {
                throw new IllegalArgumentException("unknown flag '" + flag + "'; flags are " + String.join(", ", FLAGS));
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException(flag + " needs a value");
                }
                value = args.get(++i);
            }
            if (flags.put(flag, value) != null) {
                throw new IllegalArgumentException(flag + " is given twice");
            }
        }
        return flags;
    }

    private static int intFlag(Map<String, String> flags, String flag, int fallback, int min, int max) {
        String raw = flags.get(flag);
        if (raw == null) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(raw);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the allowed range
        }
        throw new IllegalArgumentException(flag + " must be a whole number between " + min + " and " + max
                + ", got '" + raw + "'");
    }
}
