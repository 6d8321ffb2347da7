package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

/** {@code local-ssm}: flag errors in-process; a real run, a port clash and SIGTERM in child JVMs. */
class LocalSsmCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--bogus                  | unknown flag '--bogus'; flags are --port, --seed, --throttle, --latency, --page-size",
        "--port abc               | --port must be a whole number between 0 and 65535, got 'abc'",
        "--port=70000             | --port must be a whole number between 0 and 65535, got '70000'",
        "--port                   | --port needs a value",
        "--throttle 0             | --throttle must be a whole number between 1 and 1000000, got '0'",
        "--latency -5             | --latency must be a whole number between 0 and 600000, got '-5'",
        "--page-size 11           | --page-size must be a whole number between 1 and 10, got '11'",
        "--port 1 --port 2        | --port is given twice",
        "extra                    | unexpected argument 'extra'",
        "--seed /no/such/seed.json | --seed: cannot read file '/no/such/seed.json'",
    })
    void badFlags_exitWithConfig_andNameTheFlag(String args, String message) {
        Result r = run(("local-ssm " + args).trim().split("\\s+"));

        assertThat(r.code()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(r.err()).isEqualTo("ssm-sidecar local-ssm: " + message + " (see --help)" + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void aMalformedSeedFile_exitsWithConfig_namingTheEntry() throws Exception {
        Path seed = Files.writeString(dir.resolve("seed.json"), "{\"parameters\": [{\"name\": \"/a\"}]}");

        Result r = run("local-ssm", "--port", "0", "--seed", seed.toString());

        assertThat(r.code()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(r.err()).contains("parameters[0]: \"value\" is required");
    }

    @Test
    void help_describesEveryFlag() {
        Result r = run("local-ssm", "--help");

        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: ssm-sidecar local-ssm")
                .contains("--port P", "--seed FILE", "--throttle N", "--latency MS", "--page-size N", "SIGTERM")
                .contains("UNAUTHENTICATED", "never for production", "Content-Type: application/json");
    }

    @Test
    void childProcess_printsItsUrl_answersTheSdk_refusesATakenPort_andExitsZeroOnSigterm() throws Exception {
        Path seed = Files.writeString(dir.resolve("seed.json"),
                "{\"parameters\": [{\"name\": \"/demo/greeting\", \"value\": \"hello\"}]}");
        Path stderr = dir.resolve("stderr.txt");
        Process child = start(ProcessBuilder.Redirect.to(stderr.toFile()),
                "local-ssm", "--port", "0", "--seed", seed.toString(), "--throttle", "1000");
        try {
            BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String url = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (java.io.IOException e) {
                    return "read failed: " + e;
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(url).matches("http://127\\.0\\.0\\.1:[0-9]+");

            try (SsmClient client = SsmClient.builder().endpointOverride(URI.create(url)).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDCLI", "x")))
                    .httpClient(UrlConnectionHttpClient.create()).build()) {
                assertThat(client.getParameter(r -> r.name("/demo/greeting")).parameter().value()).isEqualTo("hello");
            }
            HttpResponse<String> counters = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url + "/_localssm/counters")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(counters.body()).contains("\"GetParameter\":1");

            Process clash = start(null, "local-ssm", "--port", url.substring(url.lastIndexOf(':') + 1));
            String clashOut = new String(clash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(clash.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(clash.exitValue()).as(clashOut).isEqualTo(ExitCode.CONFIG.code());
            assertThat(clashOut).contains("ssm-sidecar local-ssm: cannot listen on 127.0.0.1:"
                    + url.substring(url.lastIndexOf(':') + 1) + ": Address already in use" + System.lineSeparator());

            assertThat(child.toHandle().destroy()).as("SIGTERM sent").isTrue();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
            assertThat(child.exitValue()).isZero();
            assertThat(Files.readString(stderr)).contains("ssm-sidecar local-ssm: stopped");
        } finally {
            child.destroyForcibly();
        }
    }

    /** Starts {@code Main} in a child JVM; stderr goes to {@code stderr}, or into stdout when null. */
    private static Process start(ProcessBuilder.Redirect stderr, String... args) throws java.io.IOException {
        List<String> command = new java.util.ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SIDECAR_"));
        if (stderr == null) {
            pb.redirectErrorStream(true);
        } else {
            pb.redirectError(stderr);
        }
        return pb.start();
    }
}
