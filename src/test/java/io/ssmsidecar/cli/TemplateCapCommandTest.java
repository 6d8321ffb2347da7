package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, item 3: a template that would render past {@code SIDECAR_TEMPLATE_MAX_BYTES} fails {@code init} and
 * {@code run} at start with exit 2 and a message naming the template and the setting, writing no secret file. Before,
 * a 1 MiB template of a 4,000-byte value ended in OutOfMemoryError (exit 70).
 */
class TemplateCapCommandTest {
    private static final String VALUE = "cap-CANARY-" + "v".repeat(3989);

    @TempDir
    Path tmp;

    private LocalSsm ssm;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        ssm.put("/cap/big", VALUE, "SecureString");
        Path template = Files.writeString(tmp.resolve("app.tmpl"), "{{BIG}}".repeat(1024 * 1024 / 7));
        env.putAll(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", tmp.resolve("out").toString());
        env.put("SIDECAR_TEMPLATES", template + ":app.conf");
        env.put("BIG", "ssm:///cap/big");
    }

    @AfterEach
    void stop() {
        ssm.close();
    }

    @Test
    void init_templateOverTheCap_exits2_andWritesNothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(new String[] {"init"}, env, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(stderr).isEqualTo(2);
        assertThat(stderr).contains("ssm-sidecar init: template " + tmp.resolve("app.tmpl")
                + " would render more than 4194304 bytes").contains("SIDECAR_TEMPLATE_MAX_BYTES")
                .doesNotContain("CANARY");
        assertThat(tmp.resolve("out").resolve("BIG")).doesNotExist();
    }

    @Test
    void run_templateOverTheCap_exits2_atStart() {
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TEMPLATE_MAX_BYTES", "1048576");
        try (ChildJvm child = ChildJvm.start(tmp, env, "run")) {
            assertThat(child.awaitExit(Duration.ofSeconds(90))).as(child.output()).isEqualTo(2);
            assertThat(child.stderr()).contains("ssm-sidecar run: template " + tmp.resolve("app.tmpl")
                    + " would render more than 1048576 bytes");
            assertThat(child.output()).doesNotContain("CANARY");
        }
        assertThat(tmp.resolve("out").resolve("BIG")).doesNotExist();
    }
}
