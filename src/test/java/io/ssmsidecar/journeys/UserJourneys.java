package io.ssmsidecar.journeys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.ExitCode;
import io.ssmsidecar.cli.Main;
import io.ssmsidecar.Sidecar;
import io.ssmsidecar.config.SettingsLoader;
import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.metrics.PrometheusMetrics;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.testing.Await;
import io.ssmsidecar.testing.ChildJvm;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.testing.LocalWire;
import io.ssmsidecar.testing.LoopbackReceiver;
import io.ssmsidecar.testing.SsmBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users do with the sidecar, end to end against an SSM implementation ({@link #backend()}): {@code init} with
 * every reference form, {@code run} with rotation and the {@code ..data} swap, paths that take several pages,
 * optional and missing references, JSON keys, Secrets Manager references, the AWS-compatible HTTP endpoints and
 * {@code exec}. One subclass runs them against the project's local-ssm, one against moto's {@code moto_server}, an
 * implementation written by others: what our own fake shares with our client's blind spots, moto does not. Where
 * moto differs from AWS, the test names the difference and checks moto's answer instead (see docs/local-ssm.md,
 * "Testing against moto or LocalStack").
 */
abstract class UserJourneys {
    private static final String TOKEN = "journeys-token-0123456789abcdef";
    private static final String MARK = "jrny";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Parameters under the path: more than one page of 10. */
    private static final int PATH_SIZE = 13;

    @TempDir
    Path tmp;

    SsmBackend ssm;
    private Path out;
    private CapturedLog log;
    private Sidecar sidecar;
    private PrometheusMetrics metrics;
    private final Map<String, String> env = new HashMap<>();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The SSM implementation under test, empty. */
    abstract SsmBackend backend();

    @BeforeEach
    void seed() {
        ssm = backend();
        log = CapturedLog.start(Log.Format.TEXT, Log.Level.DEBUG);
        out = tmp.resolve("secrets");
        env.putAll(ssm.env());
        env.put("SIDECAR_OUTPUT_DIR", out.toString());
        ssm.put("/prod/db/password", MARK + "-pw-1", "SecureString");
        ssm.put("/prod/db/password", MARK + "-pw-2", "SecureString");
        ssm.label("/prod/db/password", 1, "blue");
        ssm.put("my.little.secret", MARK + "-little", "String");
        ssm.put("/prod/config", "{\"feature\":\"" + MARK + "-on\",\"n\":3}", "String");
        ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-user\",\"password\":\"" + MARK + "-smpw\"}");
        for (int i = 0; i < PATH_SIZE; i++) {
            ssm.put("/prod/app/k" + i, MARK + "-k" + i, "SecureString");
        }
        ssm.put("/prod/app/db/pass-word", MARK + "-nested", "SecureString");
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
        ssm.close();
        assertThat(metrics == null ? "" : metrics.scrape()).as("no value in the metrics").doesNotContain(MARK + "-");
        log.close();
        assertThat(log.text()).as("no value in any log line").doesNotContain(MARK + "-");
    }

    private int init() {
        return Main.run(new String[] {"init"}, env, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return stdout.toString(StandardCharsets.UTF_8) + stderr.toString(StandardCharsets.UTF_8);
    }

    private String file(String name) {
        try {
            return Files.readString(out.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void init_writesEveryReferenceForm_pagedPaths_jsonKeys_andSecrets() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("DB_FIRST", "ssm:///prod/db/password:1");
        env.put("DB_BLUE", "ssm:///prod/db/password:blue");
        env.put("LITTLE", "ssm://my.little.secret");
        env.put("FEATURE", "ssm:///prod/config#feature");
        env.put("DB_USER", "ssm:///aws/reference/secretsmanager/prod/db#username");
        env.put("DB_SECRET", "ssm:///aws/reference/secretsmanager/prod/db");
        env.put("APP", "ssm:///prod/app/*");
        env.put("MAYBE", "ssm:///prod/not-there?optional");
        env.put("MAYBE_SECRET", "ssm:///aws/reference/secretsmanager/prod/not-there?optional");

        assertThat(init()).as(output()).isZero();

        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-pw-2");
        assertThat(file("DB_FIRST")).isEqualTo(MARK + "-pw-1");
        assertThat(file("DB_BLUE")).isEqualTo(MARK + "-pw-1");
        assertThat(file("LITTLE")).isEqualTo(MARK + "-little");
        assertThat(file("FEATURE")).isEqualTo(MARK + "-on");
        assertThat(file("DB_USER")).isEqualTo(MARK + "-user");
        assertThat(JSON.readTree(file("DB_SECRET")).get("password").asText()).isEqualTo(MARK + "-smpw");
        for (int i = 0; i < PATH_SIZE; i++) {
            assertThat(file("APP_K" + i)).isEqualTo(MARK + "-k" + i);
        }
        assertThat(file("APP_DB_PASS_WORD")).isEqualTo(MARK + "-nested");
        assertThat(out.resolve("MAYBE")).doesNotExist();
        assertThat(out.resolve("MAYBE_SECRET")).doesNotExist();
        assertThat(output()).contains("secrets written").doesNotContain(MARK + "-");
    }

    @Test
    void init_missingRequiredReferences_areEachNamed_andNothingIsWritten() {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("GONE", "ssm:///prod/gone");
        env.put("NO_VERSION", "ssm:///prod/db/password:7");
        env.put("NO_LABEL", "ssm:///prod/db/password:green");
        env.put("NO_KEY", "ssm:///aws/reference/secretsmanager/prod/db#token");
        env.put("NO_SECRET", "ssm:///aws/reference/secretsmanager/prod/gone");

        assertThat(init()).as(output()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(stderr.toString(StandardCharsets.UTF_8))
                .contains("5 required secret(s) could not be loaded")
                .contains("GONE (/prod/gone): ParameterNotFound")
                .contains("NO_VERSION (/prod/db/password:7)")
                .contains("NO_LABEL (/prod/db/password:green)")
                .contains("NO_SECRET (/aws/reference/secretsmanager/prod/gone)")
                .contains("NO_KEY").contains("'token'")
                .contains("Nothing was written.")
                .doesNotContain(MARK + "-");
        assertThat(out.resolve("DB_PASSWORD")).doesNotExist();
    }

    @Test
    void arnReference_resolves_whereTheBackendResolvesArns_elseFailsClosedAsNotFound() {
        env.put("BY_ARN", "ssm://" + ssm.arnOf("/prod/db/password"));
        env.put("DB_PASSWORD", "ssm:///prod/db/password");

        int exit = init();

        if (!ssm.has(SsmBackend.Gap.ARNS_NOT_RESOLVED)) {
            assertThat(exit).as(output()).isZero();
            assertThat(file("BY_ARN")).isEqualTo(MARK + "-pw-2");
        } else {
            // moto 5.2.1 lists every ARN in InvalidParameters (AWS resolves them): the sidecar fails closed, naming it.
            assertThat(exit).as(output()).isEqualTo(ExitCode.SECRETS.code());
            assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("BY_ARN (arn:aws:ssm:us-east-1:")
                    .contains("ParameterNotFound");
            assertThat(out.resolve("DB_PASSWORD")).doesNotExist();
        }
    }

    @Test
    void sourceBatch_withVersionsLabelsAndTheBareName_ofOneParameter_getsEachItsOwnValue() throws Exception {
        try (SsmParameterSource source = SsmParameterSource.create(ssm.env(), Metrics.noop(), LocalWire.FAST)) {
            List<String> names = List.of("/prod/db/password", "/prod/db/password:1", "/prod/db/password:2",
                    "/prod/db/password:blue", "/aws/reference/secretsmanager/prod/db", "my.little.secret");
            Map<String, String> got = new TreeMap<>();
            source.getParameters(names).parameters().forEach(p -> got.put(p.requestedName(), p.value().reveal()));

            assertThat(got).containsOnlyKeys(names);
            assertThat(got).containsEntry("/prod/db/password", MARK + "-pw-2")
                    .containsEntry("/prod/db/password:1", MARK + "-pw-1")
                    .containsEntry("/prod/db/password:2", MARK + "-pw-2")
                    .containsEntry("/prod/db/password:blue", MARK + "-pw-1")
                    .containsEntry("my.little.secret", MARK + "-little");
            assertThat(JSON.readTree(got.get("/aws/reference/secretsmanager/prod/db")).get("username").asText())
                    .isEqualTo(MARK + "-user");
        }
    }

    @Test
    void sourceBatch_withTheCurrentAndPreviousSecret_getsEachItsOwnValue() throws Exception {
        ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-user-2\"}");
        String current = "/aws/reference/secretsmanager/prod/db";
        try (SsmParameterSource source = SsmParameterSource.create(ssm.env(), Metrics.noop(), LocalWire.FAST)) {
            Map<String, String> got = new TreeMap<>();
            source.getParameters(List.of(current, current + ":AWSPREVIOUS", "/prod/db/password:blue"))
                    .parameters().forEach(p -> got.put(p.requestedName(), p.value().reveal()));

            assertThat(got).containsOnlyKeys(current, current + ":AWSPREVIOUS", "/prod/db/password:blue");
            assertThat(JSON.readTree(got.get(current)).get("username").asText()).isEqualTo(MARK + "-user-2");
            assertThat(JSON.readTree(got.get(current + ":AWSPREVIOUS")).get("username").asText())
                    .isEqualTo(MARK + "-user");
            assertThat(got.get("/prod/db/password:blue")).isEqualTo(MARK + "-pw-1");
        }
    }

    // ---- run ----

    private void run() throws Exception {
        env.put("SIDECAR_HTTP_PORT", "0");
        env.put("SIDECAR_TOKEN", TOKEN);
        PrometheusMetrics metrics = PrometheusMetrics.create();
        sidecar = new Sidecar(SettingsLoader.load(List.of(), env),
                SsmParameterSource.create(ssm.env(), metrics, LocalWire.FAST), metrics, Clock.systemUTC()).start();
        assertThat(sidecar.awaitReady(Duration.ofSeconds(20))).as(sidecar.readinessReason()).isTrue();
        this.metrics = metrics;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + path))
                .timeout(Duration.ofSeconds(20)).header("X-Aws-Parameters-Secrets-Token", TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void refresh() throws IOException, InterruptedException {
        long generation = sidecar.store().current().generation();
        int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port() + "/v1/refresh"))
                .timeout(Duration.ofSeconds(20)).header("X-Aws-Parameters-Secrets-Token", TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(status).isEqualTo(202);
        Await.until(() -> sidecar.store().current().generation() > generation, () -> "the refresh published");
    }

    @Test
    void run_rotationOfAParameter_aSecret_andAPath_reachesFilesAndApi_throughOneDataSwap() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("DB_BLUE", "ssm:///prod/db/password:blue");
        env.put("DB_USER", "ssm:///aws/reference/secretsmanager/prod/db#username");
        env.put("APP", "ssm:///prod/app/*");
        env.put("SIDECAR_BUNDLES", "json:all.json");
        run();
        Path dataBefore = Files.readSymbolicLink(out.resolve("..data"));
        assertThat(metrics.scrape()).as("the path took two pages of 10")
                .contains("ssm_sidecar_ssm_calls_total{operation=\"GetParametersByPath\",outcome=\"success\"} 2.0");
        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-pw-2");
        assertThat(file("DB_BLUE")).isEqualTo(MARK + "-pw-1");
        HttpResponse<String> before = get("/v1/secrets/DB_PASSWORD");
        assertThat(before.body()).isEqualTo(MARK + "-pw-2");
        assertThat(before.headers().firstValue("ETag")).hasValue("\"2\"");

        ssm.put("/prod/db/password", MARK + "-pw-3", "SecureString");
        ssm.label("/prod/db/password", 3, "blue");
        ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-user-2\",\"password\":\"x\"}");
        ssm.put("/prod/app/k0", MARK + "-k0-2", "SecureString");
        ssm.put("/prod/app/new", MARK + "-new", "SecureString");
        refresh();
        Await.until(() -> Files.exists(out.resolve("APP_NEW")) && file("APP_NEW").equals(MARK + "-new"),
                () -> "the rotation is written");

        Path dataAfter = Files.readSymbolicLink(out.resolve("..data"));
        assertThat(dataAfter).as("the files changed together through a new ..data").isNotEqualTo(dataBefore);
        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-pw-3");
        assertThat(file("DB_BLUE")).isEqualTo(MARK + "-pw-3");
        assertThat(file("DB_USER")).isEqualTo(MARK + "-user-2");
        assertThat(file("APP_K0")).isEqualTo(MARK + "-k0-2");
        assertThat(file("APP_NEW")).isEqualTo(MARK + "-new");
        JsonNode bundle = JSON.readTree(file("all.json"));
        assertThat(bundle.get("DB_PASSWORD").asText()).isEqualTo(MARK + "-pw-3");
        assertThat(bundle.get("APP_K12").asText()).isEqualTo(MARK + "-k12");
        HttpResponse<String> after = get("/v1/secrets/DB_PASSWORD");
        assertThat(after.body()).isEqualTo(MARK + "-pw-3");
        assertThat(after.headers().firstValue("ETag")).hasValue("\"3\"");
        assertThat(get("/v1/secrets/DB_USER").body()).isEqualTo(MARK + "-user-2");

        // Nothing changed: no new ..data.
        refresh();
        assertThat(Files.readSymbolicLink(out.resolve("..data"))).isEqualTo(dataAfter);
    }

    @Test
    void compatibleEndpoints_serveParametersWithSelectors_andSecrets_likeAwsLocalAgents() throws Exception {
        env.put("DB_PASSWORD", "ssm:///prod/db/password");
        env.put("DB_SECRET", "ssm:///aws/reference/secretsmanager/prod/db");
        env.put("SIDECAR_ALLOW", "/prod/,/aws/reference/secretsmanager/prod/");
        run();

        JsonNode latest = JSON.readTree(get("/systemsmanager/parameters/get?name="
                + URLEncoder.encode("/prod/db/password", StandardCharsets.UTF_8) + "&withDecryption=true").body());
        assertThat(latest.at("/Parameter/Value").asText()).isEqualTo(MARK + "-pw-2");
        assertThat(latest.at("/Parameter/Version").asLong()).isEqualTo(2);
        assertThat(latest.at("/Parameter/Name").asText()).isEqualTo("/prod/db/password");
        JsonNode first = JSON.readTree(get("/systemsmanager/parameters/get?name=/prod/db/password&version=1"
                + "&withDecryption=true").body());
        assertThat(first.at("/Parameter/Value").asText()).isEqualTo(MARK + "-pw-1");
        JsonNode blue = JSON.readTree(get("/systemsmanager/parameters/get?name=/prod/db/password&label=blue"
                + "&withDecryption=true").body());
        assertThat(blue.at("/Parameter/Value").asText()).isEqualTo(MARK + "-pw-1");
        assertThat(blue.at("/Parameter/Version").asLong()).isEqualTo(1);
        HttpResponse<String> missing = get("/systemsmanager/parameters/get?name=/prod/nope&withDecryption=true");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missing.body()).get("__type").asText()).isEqualTo("ParameterNotFound");

        HttpResponse<String> secret = get("/secretsmanager/get?secretId=prod/db");
        assertThat(secret.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(secret.body());
        assertThat(JSON.readTree(body.get("SecretString").asText()).get("username").asText()).isEqualTo(MARK + "-user");
        assertThat(body.get("Name").asText()).isEqualTo("prod/db");
        assertThat(body.get("ARN").asText()).startsWith("arn:aws:secretsmanager:us-east-1:").contains(":secret:prod/db");
        if (ssm.has(SsmBackend.Gap.NO_SECRET_VERSION_METADATA)) {
            // moto's SourceResult is DescribeSecret's shape: the agent answer has nothing to take them from.
            assertThat(body.has("VersionId")).isFalse();
            assertThat(body.has("VersionStages")).isFalse();
        } else {
            assertThat(body.get("VersionId").asText()).isNotEmpty();
            assertThat(body.get("VersionStages").toString()).isEqualTo("[\"AWSCURRENT\"]");
        }
        HttpResponse<String> gone = get("/secretsmanager/get?secretId=prod/gone");
        assertThat(gone.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(gone.body()).get("__type").asText()).isEqualTo("ResourceNotFoundException");
    }

    // ---- sm:// (Secrets Manager read directly) ----

    /** Not valid UTF-8 (0xff, 0xfe, 0): a file must receive exactly these bytes. */
    private static final byte[] BINARY = {(byte) 0xff, (byte) 0xfe, 0, 'j', 'r', 'n', 'y', '-', 'b'};

    /** The ARN the backend gave {@code name}, asked of it through the sidecar's own source. */
    private String secretArn(String name) throws Exception {
        try (SsmParameterSource source = SsmParameterSource.create(ssm.env(), Metrics.noop(), LocalWire.FAST)) {
            return source.getSecretValue(name, null, null).arn();
        }
    }

    private byte[] bytes(String name) {
        try {
            return Files.readAllBytes(out.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void init_smReferences_byNameArnStageVersionIdJsonKey_binary_andOptional() throws Exception {
        String v2 = ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-user-2\",\"password\":\"" + MARK
                + "-smpw-2\"}");
        ssm.putBinarySecret("prod/cert", BINARY);
        String arn = secretArn("prod/db");
        env.put("DB_PASSWORD", "sm://prod/db#password");
        env.put("DB_OLD", "sm://prod/db:AWSPREVIOUS#password");
        env.put("DB_V2", "sm://prod/db:" + v2 + "#username");
        env.put("BY_ARN", "sm://" + arn + "#username");
        env.put("DB", "sm://prod/db");
        env.put("CERT", "sm://prod/cert");
        env.put("MAYBE", "sm://prod/not-there?optional");

        assertThat(init()).as(output()).isZero();

        assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-smpw-2");
        assertThat(file("DB_OLD")).isEqualTo(MARK + "-smpw");
        assertThat(file("DB_V2")).isEqualTo(MARK + "-user-2");
        assertThat(file("BY_ARN")).isEqualTo(MARK + "-user-2");
        assertThat(JSON.readTree(file("DB")).get("username").asText()).isEqualTo(MARK + "-user-2");
        assertThat(out.resolve("MAYBE")).doesNotExist();
        // prod/db, its ARN, prod/cert and prod/not-there are current versions: one BatchGetSecretValue.
        assertThat(bytes("CERT")).as("raw bytes in the file").isEqualTo(BINARY);
        assertThat(output()).doesNotContain(MARK + "-");
    }

    @Test
    void init_anotherAccountsSecret_byArn_withTheOwnersResourcePolicy() {
        String arn = ssm.putSharedSecret("210987654321", "shared/api", MARK + "-shared");
        env.put("SHARED", "sm://" + arn);

        int exit = init();

        if (!ssm.has(SsmBackend.Gap.OTHER_ACCOUNTS_SECRETS_NOT_FOUND)) {
            assertThat(exit).as(output()).isZero();
            assertThat(file("SHARED")).isEqualTo(MARK + "-shared");
        } else {
            // moto 5.2.1 looks an ARN up in the caller's own account only: the sidecar fails closed, naming it.
            assertThat(exit).as(output()).isEqualTo(ExitCode.SECRETS.code());
            assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("SHARED (sm://" + arn + ")")
                    .contains("ResourceNotFoundException");
            assertThat(out.resolve("SHARED")).doesNotExist();
        }
    }

    @Test
    void init_aBinarySecretReadAlone_isRawBytesInItsFile() {
        ssm.putBinarySecret("prod/cert", BINARY);
        env.put("CERT", "sm://prod/cert");

        assertThat(init()).as(output()).isZero();

        assertThat(bytes("CERT")).as("GetSecretValue: raw bytes in the file").isEqualTo(BINARY);
    }

    @Test
    void init_missingRequiredSecret_isNamed_andNothingIsWritten() {
        env.put("DB", "sm://prod/db#username");
        env.put("GONE", "sm://prod/gone");

        assertThat(init()).as(output()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("GONE (sm://prod/gone)")
                .contains("ResourceNotFoundException").contains("Nothing was written.").doesNotContain(MARK + "-");
        assertThat(out.resolve("DB")).doesNotExist();
    }

    @Test
    void resolver_25Secrets_takeTwoBatchesOf20AtMost() throws Exception {
        List<Reference> refs = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            ssm.putSecret("many/s" + i, MARK + "-s" + i);
            refs.add(ReferenceParser.parse("S" + i, "sm://many/s" + i));
        }
        PrometheusMetrics counted = PrometheusMetrics.create();
        try (SsmParameterSource source = SsmParameterSource.create(ssm.env(), counted, LocalWire.FAST)) {
            Resolution r = new Resolver(source, Clock.systemUTC()).resolve(refs);

            assertThat(r.failures()).isEmpty();
            for (int i = 0; i < 25; i++) {
                assertThat(r.secrets().get("S" + i).parameter().value().reveal()).isEqualTo(MARK + "-s" + i);
            }
        }
        assertThat(counted.scrape())
                .contains("ssm_sidecar_ssm_calls_total{operation=\"BatchGetSecretValue\",outcome=\"success\"} 2.0")
                .doesNotContain("operation=\"GetSecretValue\"");
    }

    @Test
    void run_smRotation_rewritesAndNotifiesOnce_andTheAgentEndpointReadsAnAllowedArnDirectly() throws Exception {
        BlockingQueue<JsonNode> notified = new LinkedBlockingQueue<>();
        LoopbackReceiver receiver = LoopbackReceiver.start("/changed", request -> {
            notified.add(JSON.readTree(request.body()));
            return 204;
        });
        try (receiver) {
            ssm.putSecret("shared/api", MARK + "-api-1");
            String apiArn = secretArn("shared/api");
            env.put("DB_PASSWORD", "sm://prod/db#password");
            env.put("DB_USER", "sm://prod/db#username");
            env.put("SIDECAR_ON_CHANGE_URL", receiver.url().toString());
            // The ARN prefix up to 'secret:' names this backend's account: an entry reads that account only.
            env.put("SIDECAR_ALLOW", "sm://" + apiArn.substring(0, apiArn.indexOf(":secret:") + 8) + "shared/");
            run();
            assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-smpw");
            Path dataBefore = Files.readSymbolicLink(out.resolve("..data"));

            refresh();
            assertThat(Files.readSymbolicLink(out.resolve("..data"))).as("an unchanged version rewrites nothing")
                    .isEqualTo(dataBefore);
            assertThat(notified.poll(300, TimeUnit.MILLISECONDS)).as("and announces nothing").isNull();

            ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-user-2\",\"password\":\"" + MARK
                    + "-smpw-2\"}");
            refresh();
            JsonNode n = notified.poll(20, TimeUnit.SECONDS);
            assertThat(n).as("one change notification").isNotNull();
            List<String> changed = new ArrayList<>();
            n.get("changed").forEach(c -> changed.add(c.get("key").asText()));
            assertThat(changed).containsExactlyInAnyOrder("DB_PASSWORD", "DB_USER");
            assertThat(file("DB_PASSWORD")).isEqualTo(MARK + "-smpw-2");
            assertThat(file("DB_USER")).isEqualTo(MARK + "-user-2");
            assertThat(notified.poll(300, TimeUnit.MILLISECONDS)).as("only one").isNull();

            HttpResponse<String> api = get("/secretsmanager/get?secretId=" + apiArn);
            assertThat(api.statusCode()).as(api.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(api.body());
            assertThat(body.get("SecretString").asText()).isEqualTo(MARK + "-api-1");
            assertThat(body.get("ARN").asText()).isEqualTo(apiArn);
            assertThat(body.get("Name").asText()).isEqualTo("shared/api");
            assertThat(body.get("VersionStages").toString()).isEqualTo("[\"AWSCURRENT\"]");
            assertThat(get("/secretsmanager/get?secretId=prod/db").statusCode())
                    .as("a secret declared only through #key references is not served whole").isEqualTo(403);
        }
    }

    @Test
    void exec_startsTheCommandWithEveryReferenceResolved() throws Exception {
        Map<String, String> childEnv = new HashMap<>(ssm.env());
        childEnv.put("LANG", "C.UTF-8");
        childEnv.put("OUT", tmp.toString());
        childEnv.put("DB_PASSWORD", "ssm:///prod/db/password");
        childEnv.put("DB_FIRST", "ssm:///prod/db/password:1");
        childEnv.put("DB_BLUE", "ssm:///prod/db/password:blue");
        childEnv.put("DB_USER", "ssm:///aws/reference/secretsmanager/prod/db#username");
        childEnv.put("FEATURE", "ssm:///prod/config#feature");
        childEnv.put("APP", "ssm:///prod/app/*");
        childEnv.put("MAYBE", "ssm:///prod/not-there?optional");
        String script = "printf '%s|%s|%s|%s|%s|%s|%s|%s' \"$DB_PASSWORD\" \"$DB_FIRST\" \"$DB_BLUE\" \"$DB_USER\" "
                + "\"$FEATURE\" \"$APP_K12\" \"$APP_DB_PASS_WORD\" \"${MAYBE-unset}\" > \"$OUT/got\"";
        try (ChildJvm child = ChildJvm.start(tmp, childEnv, "exec", "--", "sh", "-c", script)) {
            assertThat(child.awaitExit(Duration.ofSeconds(60))).as(child.stderr()).isZero();
            assertThat(child.stderr()).doesNotContain(MARK + "-");
        }

        assertThat(Files.readString(tmp.resolve("got"))).isEqualTo(String.join("|", MARK + "-pw-2", MARK + "-pw-1",
                MARK + "-pw-1", MARK + "-user", MARK + "-on", MARK + "-k12", MARK + "-nested", "unset"));
    }
}
