package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code demo} prints a boto3 and an AWS CLI one-liner for the SDK endpoint; pasted into a shell as printed they
 * read the demo's password through the sidecar (boto3 with {@code AWS_ENDPOINT_URL_SSM}, Debian's CLI with
 * {@code --endpoint-url}), SigV4-verified against the demo's keys.
 */
class DemoSdkOneLinerTest {
    @TempDir
    Path tmp;

    @Test
    void theDemosOneLiners_readThePassword_throughTheSdkEndpoint() throws Exception {
        try (ChildJvm demo = ChildJvm.start(tmp, Map.of(), "demo", "--http-port", "0", "--output-dir",
                tmp.resolve("out").toString())) {
            Await.until(Duration.ofSeconds(60), () -> demo.stdout().contains("Press Ctrl-C"),
                    () -> "the demo is ready; output: " + demo.output());
            List<String> lines = demo.stdout().lines().map(String::strip).toList();
            String boto3 = lines.stream().filter(l -> l.contains("boto3.client")).findFirst().orElseThrow();
            String cli = lines.stream().filter(l -> l.contains(" aws ssm get-parameter")).findFirst().orElseThrow();
            assertThat(shell(boto3)).isEqualTo("s3cr3t-demo-password");
            assertThat(shell(cli.replace(" aws ssm ", " /usr/bin/aws ssm "))).isEqualTo("s3cr3t-demo-password");
        }
    }

    /** Runs {@code line} with {@code sh -c} in an environment without AWS settings of its own; returns its output. */
    private String shell(String line) throws Exception {
        Path out = Files.createTempFile(tmp, "sh", ".out");
        ProcessBuilder b = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        b.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
        b.environment().put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());
        b.environment().put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-credentials").toString());
        Process p = b.start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String text = Files.readString(out, StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).as("%s%n%s", line, text).isZero();
        return text;
    }
}
