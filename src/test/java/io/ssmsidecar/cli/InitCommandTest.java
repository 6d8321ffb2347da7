package io.ssmsidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.ExitCode;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalWire;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code init} end to end, in-process: real SDK over HTTP to the local endpoint, real files, exact exit codes. */
class InitCommandTest {
    @TempDir
    Path tmp;

    private LocalSsm ssm;
    private Path outDir;
    private final Map<String, String> env = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        ssm = LocalSsm.start();
        outDir = tmp.resolve("secrets");
        env.putAll(LocalWire.env(ssm));
        env.put("SIDECAR_OUTPUT_DIR", outDir.toString());
        ssm.put("/prod/db/password", "pw-CANARY-1", "SecureString");
        ssm.put("my.little.secret", "little-CANARY-2", "String");
        ssm.putSecret("prod/db", "{\"username\":\"user-CANARY-3\",\"password\":\"smpw-CANARY-4\"}");
        ssm.put("/prod/app/db/pass-word", "path-CANARY-5", "SecureString");
        ssm.put("/prod/app/api.key", "path-CANARY-6", "SecureString");
    }

    @AfterEach
    void stop() {
        ssm.close();
    }

    private int init(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "init";
        System.arraycopy(args, 0, full, 1, args.length);
        return Main.run(full, env, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void init_writesEveryForm_withMode0440_andExitsZero() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("LITTLE", "ssm://my.little.secret");
        env.put("DB_USER", "ssm:///aws/reference/secretsmanager/prod/db#username");
        env.put("APP", "ssm:///prod/app/*");
        env.put("MAYBE", "ssm:///prod/not-there?optional");

        assertThat(init()).as(output()).isZero();

        assertThat(Files.readString(outDir.resolve("DB_PASSWORD"))).isEqualTo("pw-CANARY-1");
        assertThat(Files.readString(outDir.resolve("LITTLE"))).isEqualTo("little-CANARY-2");
        assertThat(Files.readString(outDir.resolve("DB_USER"))).isEqualTo("user-CANARY-3");
        assertThat(Files.readString(outDir.resolve("APP_DB_PASS_WORD"))).isEqualTo("path-CANARY-5");
        assertThat(Files.readString(outDir.resolve("APP_API_KEY"))).isEqualTo("path-CANARY-6");
        assertThat(outDir.resolve("MAYBE")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outDir.resolve("DB_PASSWORD"))))
                .isEqualTo("r--r-----");
        assertThat(ssm.counters().calls("GetParameters")).isEqualTo(1);
        assertThat(ssm.counters().calls("GetParametersByPath")).isEqualTo(1);
        assertThat(output()).contains("secrets written").doesNotContain("CANARY");
    }

    @Test
    void init_missingRequiredSecrets_listsEveryFailure_writesNothing_exits3() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("GONE", "ssm:///prod/gone");
        env.put("ALSO_GONE", "ssm:///prod/also-gone:7");
        env.put("NO_KEY", "ssm:///aws/reference/secretsmanager/prod/db#token");

        assertThat(init()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("3 required secret(s) could not be loaded")
                .contains("GONE (/prod/gone): ParameterNotFound")
                .contains("ALSO_GONE (/prod/also-gone:7)")
                .contains("NO_KEY").contains("'token'")
                .contains("Nothing was written.")
                .doesNotContain("CANARY");
        assertThat(outDir.resolve("DB_PASSWORD")).doesNotExist();
    }

    @Test
    void init_ssmUnreachable_retriesUntilTheStartupTimeout_thenExits4() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        ssm.faults().refuseConnections();

        assertThat(init("--startup-timeout", "2s")).isEqualTo(ExitCode.UNAVAILABLE.code());

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("did not answer within the start-up timeout of 2s")
                .contains("DB_PASSWORD (/prod/db/password)");
        assertThat(outDir.resolve("DB_PASSWORD")).doesNotExist();
    }

    @Test
    void init_transientFailures_areRetried_andSucceed() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        // More failures than the SDK's own attempts, so the start-up backoff has to retry.
        ssm.faults().failNext(4, "ThrottlingException");

        assertThat(init("--startup-timeout", "20s")).as(output()).isZero();

        assertThat(Files.readString(outDir.resolve("DB_PASSWORD"))).isEqualTo("pw-CANARY-1");
        assertThat(output()).contains("retrying");
    }

    @Test
    void init_badReference_namesTheVariable_exits2_beforeAnyCall() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password:blue:3");

        assertThat(init()).isEqualTo(ExitCode.CONFIG.code());

        assertThat(err.toString(StandardCharsets.UTF_8)).contains("DB_PASSWORD");
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void init_withNothingDeclared_saysHowToDeclare_exits2() {
        assertThat(init()).isEqualTo(ExitCode.CONFIG.code());
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no secrets declared").contains("ssm://");
    }

    @Test
    void init_unusableOutputDirectory_namesIt_exits5_beforeAnyCall() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        Files.writeString(outDir, "a file where the directory should be");

        assertThat(init()).isEqualTo(ExitCode.OUTPUT.code());

        assertThat(err.toString(StandardCharsets.UTF_8)).contains(outDir.toString());
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void init_templateSyntaxError_isAConfigurationError_namingFileAndLine_beforeAnythingIsCreatedOrFetched()
            throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        Path template = Files.writeString(tmp.resolve("app.conf.tmpl"), "user=app\npassword={{ DB_PASSWORD\n");
        env.put("SIDECAR_TEMPLATES", template + ":app.conf");

        assertThat(init()).isEqualTo(ExitCode.CONFIG.code());

        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("ssm-sidecar init: template " + template + " line 2: {{ is never closed by }}\n");
        assertThat(outDir).doesNotExist();
        assertThat(ssm.counters().total()).isZero();
    }

    @Test
    void init_badEndpoint_exits2_withoutCreatingTheOutputDirectory() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("AWS_ENDPOINT_URL_SSM", "ftp://127.0.0.1/");

        assertThat(init()).isEqualTo(ExitCode.CONFIG.code());

        assertThat(err.toString(StandardCharsets.UTF_8)).contains("AWS_ENDPOINT_URL_SSM must be an http:// or https://")
                .doesNotContain(outDir.toString());
        assertThat(outDir).doesNotExist();
    }

    @Test
    void init_withoutRegion_exits2_withoutCreatingTheOutputDirectory() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("AWS_REGION", " "); // blank counts as unset
        env.put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");

        int code = init();

        // The SDK's region chain may still find one on a developer machine (a system property); here it must not.
        if (code != 0) {
            assertThat(code).isEqualTo(ExitCode.CONFIG.code());
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("no AWS region configured");
            assertThat(outDir).doesNotExist();
        }
    }

    @Test
    void init_withoutRegion_saysToSetIt_exits2() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.remove("AWS_REGION");
        env.put("AWS_CONFIG_FILE", tmp.resolve("no-config").toString());

        int code = init();

        // The SDK's region chain may find a region on a developer machine (e.g. EC2 metadata); here it must not.
        if (code != 0) {
            assertThat(code).isEqualTo(ExitCode.CONFIG.code());
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("AWS_REGION");
        }
    }

    @Test
    void init_rejectsAKeyThatWouldEscapeTheDirectory() {
        env.put("..", "ssm:///prod/db/password");

        assertThat(init()).isEqualTo(ExitCode.CONFIG.code());

        assertThat(err.toString(StandardCharsets.UTF_8)).contains("..");
        assertThat(tmp.resolve("password")).doesNotExist();
    }
}
