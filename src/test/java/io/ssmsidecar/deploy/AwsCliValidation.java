package io.ssmsidecar.deploy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs the AWS CLI's own client-side validation of a request against its service model, without AWS: the CLI
 * checks every parameter before it sends anything, so a request that reaches this loopback endpoint passed
 * validation. The endpoint records it and answers with a service error, so nothing is ever registered.
 * The CLI is Debian's {@code awscli} at {@code /usr/bin/aws} (its model dates from early 2023, the oldest a user
 * is likely to have), or the one named by {@code AWS_CLI}.
 */
final class AwsCliValidation implements AutoCloseable {

    /** The CLI's exit code when the service answered with an error: validation passed, the request was sent. */
    static final int SERVICE_ERROR = 254;
    /** The CLI's exit code for a command line or parameter validation error: nothing was sent. */
    static final int VALIDATION_ERROR = 252;

    record Request(String target, String body) { }

    record Result(int exitCode, String output, List<Request> requests) { }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Path home;

    AwsCliValidation(Path home) throws IOException {
        this.home = home;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                requests.add(new Request(exchange.getRequestHeaders().getFirst("X-Amz-Target"),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
            byte[] body = "{\"__type\":\"ClientException\",\"message\":\"validation-only endpoint: nothing registered\"}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
            exchange.sendResponseHeaders(400, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    static Path cli() {
        String configured = System.getenv("AWS_CLI");
        Path cli = Path.of(configured == null || configured.isBlank() ? "/usr/bin/aws" : configured);
        if (!Files.isExecutable(cli)) {
            throw new IllegalStateException("the AWS CLI is needed to validate the task definitions: " + cli
                    + " is missing; install Debian's awscli (apt-get install awscli) or set AWS_CLI");
        }
        return cli;
    }

    /** Runs {@code aws <service> <operation> --cli-input-json file://input} against the loopback endpoint. */
    Result run(String service, String operation, Path input) throws IOException, InterruptedException {
        requests.clear();
        Path output = Files.createTempFile(home, "aws-cli", ".out");
        ProcessBuilder builder = new ProcessBuilder(cli().toString(), service, operation,
                "--cli-input-json", "file://" + input.toAbsolutePath(),
                "--endpoint-url", "http://127.0.0.1:" + server.getAddress().getPort(),
                "--no-cli-pager", "--output", "json")
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        env.put("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_DEFAULT_REGION", "us-east-1");
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_CONFIG_FILE", "/dev/null");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        env.put("AWS_MAX_ATTEMPTS", "1");
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("aws " + service + " " + operation + " did not finish within 120 s");
        }
        return new Result(process.exitValue(), Files.readString(output), List.copyOf(requests));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
