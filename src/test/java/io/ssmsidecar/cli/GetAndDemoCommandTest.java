package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GetAndDemoCommandTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void get_printsTheValueExactly_byVariableOrReference() throws Exception {
        try (LocalSsm ssm = LocalSsm.start()) {
            ssm.put("/svc/db", "line1\nline2 with = and 'quotes'", "SecureString");
            ssm.put("/svc/app/a-b", "x", "String");
            Map<String, String> env = new HashMap<>(LocalWire.env(ssm));
            env.put("DB", "ssm:///svc/db");

            assertThat(run(env, "get", "DB")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("line1\nline2 with = and 'quotes'");

            out.reset();
            assertThat(run(env, "get", "ssm:///svc/app/*")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"A_B\" : \"x\"");

            assertThat(run(env, "get", "NOPE")).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("'NOPE'");
            err.reset();
            out.reset();
            assertThat(run(env, "get", "ssm:///svc/missing")).isEqualTo(3);
            // get's own words: it writes no file, so init's "Nothing was written." would mislead.
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("ssm-sidecar get: 1 required secret(s) could")
                    .endsWith("\nNothing was printed to stdout.\n").doesNotContain("written");
            assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(run(env, "get")).isEqualTo(2);
        }
    }

    @Test
    void demoOnce_seedsTheLocalEndpoint_andWritesEveryExample() throws Exception {
        Path dir = tmp.resolve("demo");

        assertThat(run(Map.of(), "demo", "--once", "--output-dir", dir.toString()))
                .as(err.toString(StandardCharsets.UTF_8)).isZero();

        assertThat(Files.readString(dir.resolve("DB_PASSWORD"))).isEqualTo("s3cr3t-demo-password");
        assertThat(Files.readString(dir.resolve("DB_USER"))).isEqualTo("app_user");
        assertThat(Files.readString(dir.resolve("APP_DB_PASS_WORD"))).isEqualTo("nested-demo-value");
        assertThat(Files.readString(dir.resolve("FEATURE_FLAGS"))).isEqualTo("a,b");
        assertThat(dir.resolve("NOT_THERE")).doesNotExist();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Local SSM endpoint: http://127.0.0.1:")
                .contains(dir.resolve("DB_PASSWORD").toString());
    }
}
