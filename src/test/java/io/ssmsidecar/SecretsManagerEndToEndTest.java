package io.ssmsidecar;

import static io.ssmsidecar.LeakCheckedSidecar.changedKeys;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.Reference;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.testing.LocalWire;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code sm://} references end to end: the production SDK source (its {@code secretsmanager} client pointed at
 * local-ssm through {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}) over real HTTP, {@code init} in-process and the real
 * daemon with its HTTP API and a loopback change receiver, real files. Every value carries {@link #MARK};
 * {@link LeakCheckedSidecar} searches the captured log, stdout/stderr and metrics for it, and for the binary value's
 * base64 and hex.
 */
class SecretsManagerEndToEndTest {
    private static final String MARK = "smE2Eleak";
    private static final String TOKEN = "sm-e2e-token-0123456789abcdef0123";
    /** Another account, in the sidecar's region (another region's ARN goes to that region's endpoint, a call of its own). */
    private static final String FOREIGN_ARN = "arn:aws:secretsmanager:us-east-1:210987654321:secret:shared/api-Xy12Ab";
    /** Not valid UTF-8 (0xff, 0xfe), with the mark inside: a file must receive exactly these bytes. */
    private static final byte[] BINARY = concat(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1},
            (MARK + "-bin").getBytes(StandardCharsets.UTF_8));
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final LeakCheckedSidecar fixture = new LeakCheckedSidecar(MARK, BINARY, TOKEN);
    private final LocalSsm ssm = fixture.ssm();
    private final Map<String, String> env = fixture.env();
    private final Path outDir = fixture.outDir();

    @Test
    void init_readsByName_foreignArn_stage_versionId_jsonKey_optional_binary_andTheOldPath() throws Exception {
        String v1 = ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-u1\",\"password\":\"" + MARK + "-p1\"}");
        ssm.putSecret("prod/db", "{\"username\":\"" + MARK + "-u2\",\"password\":\"" + MARK + "-p2\"}");
        ssm.putSecret(FOREIGN_ARN, MARK + "-foreign", null, List.of());
        ssm.putSecret("prod/cert", null, BINARY, List.of());
        ssm.putSecret("plain", MARK + "-plain");
        env.put("DB_PASSWORD", "sm://prod/db#password");
        env.put("DB_OLD", "sm://prod/db:AWSPREVIOUS#password");
        env.put("DB_V1", "sm://prod/db:" + v1 + "#username");
        env.put("FOREIGN", "sm://" + FOREIGN_ARN);
        env.put("CERT", "sm://prod/cert");
        env.put("PLAIN", "sm://plain");
        env.put("MAYBE", "sm://prod/not-there?optional");
        env.put("THROUGH_SSM", "ssm:///aws/reference/secretsmanager/prod/db#username");

        assertThat(fixture.init()).as(fixture.output()).isZero();

        assertThat(Files.readString(outDir.resolve("DB_PASSWORD"))).isEqualTo(MARK + "-p2");
        assertThat(Files.readString(outDir.resolve("DB_OLD"))).isEqualTo(MARK + "-p1");
        assertThat(Files.readString(outDir.resolve("DB_V1"))).isEqualTo(MARK + "-u1");
        assertThat(Files.readString(outDir.resolve("FOREIGN"))).isEqualTo(MARK + "-foreign");
        assertThat(Files.readAllBytes(outDir.resolve("CERT"))).as("raw bytes in the file").isEqualTo(BINARY);
        assertThat(Files.readString(outDir.resolve("PLAIN"))).isEqualTo(MARK + "-plain");
        assertThat(outDir.resolve("MAYBE")).doesNotExist();
        assertThat(Files.readString(outDir.resolve("THROUGH_SSM"))).isEqualTo(MARK + "-u2");
        Map<String, Long> calls = ssm.counters().byOperation();
        assertThat(calls).as("the current versions of prod/db, the ARN, prod/cert, plain and not-there: one batch")
                .containsEntry("BatchGetSecretValue", 1L)
                .as("AWSPREVIOUS and the version id: one GetSecretValue each").containsEntry("GetSecretValue", 2L)
                .containsEntry("GetParameters", 1L);
    }

    @Test
    void init_binaryIntoAnEnvBundle_exits2_andWritesNothing() {
        ssm.putSecret("prod/cert", null, BINARY, List.of());
        env.put("CERT", "sm://prod/cert");
        env.put("SIDECAR_BUNDLES", "env:app.env");

        assertThat(fixture.init()).as(fixture.output()).isEqualTo(ExitCode.CONFIG.code());

        assertThat(fixture.err()).contains("CERT is binary").contains("env, dotenv and properties");
        assertThat(outDir.resolve("CERT")).doesNotExist();
        assertThat(outDir.resolve("app.env")).doesNotExist();
    }

    @Test
    void init_binaryIntoAJsonBundle_isBase64() throws Exception {
        ssm.putSecret("prod/cert", null, BINARY, List.of());
        env.put("CERT", "sm://prod/cert");
        env.put("SIDECAR_BUNDLES", "json:all.json");

        assertThat(fixture.init()).as(fixture.output()).isZero();

        JsonNode bundle = JSON.readTree(outDir.resolve("all.json").toFile());
        assertThat(Base64.getDecoder().decode(bundle.get("CERT").asText())).isEqualTo(BINARY);
    }

    @Test
    void init_missingRequiredSecret_namesTheReference_andExits3() {
        ssm.putSecret("prod/db", "{}");
        env.put("DB", "sm://prod/db");
        env.put("GONE", "sm://prod/gone");

        assertThat(fixture.init()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(fixture.err()).contains("GONE").contains("ResourceNotFoundException");
    }

    @Test
    void daemon_rotation_newVersionRewritesAndNotifies_unchangedVersionDoesNeither_andTheAgentEndpointServesIt()
            throws Exception {
        BlockingQueue<JsonNode> notified = new LinkedBlockingQueue<>();
        ssm.putSecret("prod/db", "{\"password\":\"" + MARK + "-p1\"}");
        ssm.putSecret(FOREIGN_ARN, null, BINARY, List.of());
        env.put("DB_PASSWORD", "sm://prod/db#password");
        env.put("DB", "sm://prod/db");
        env.put("FOREIGN", "sm://" + FOREIGN_ARN);
        Sidecar sidecar = fixture.daemon(notified);
        assertThat(Files.readString(outDir.resolve("DB_PASSWORD"))).isEqualTo(MARK + "-p1");
        Path dataBefore = Files.readSymbolicLink(outDir.resolve("..data"));

        // Unchanged versions: the cycle publishes, writes nothing, announces nothing.
        ssm.counters().reset();
        fixture.refresh(sidecar);
        assertThat(ssm.counters().byOperation()).as("one batch for the two current secrets")
                .isEqualTo(Map.of("BatchGetSecretValue", 1L));
        assertThat(Files.readSymbolicLink(outDir.resolve("..data"))).isEqualTo(dataBefore);
        assertThat(notified.poll(300, TimeUnit.MILLISECONDS)).as("no notification").isNull();

        // A new version: new files, one notification naming the keys of that secret.
        ssm.putSecret("prod/db", "{\"password\":\"" + MARK + "-p2\"}");
        fixture.refresh(sidecar);
        assertThat(changedKeys(notified.poll(20, TimeUnit.SECONDS))).containsExactlyInAnyOrder("DB", "DB_PASSWORD");
        assertThat(Files.readString(outDir.resolve("DB_PASSWORD"))).isEqualTo(MARK + "-p2");
        assertThat(Files.readSymbolicLink(outDir.resolve("..data"))).isNotEqualTo(dataBefore);

        // The agent's documented request, by name and by the other account's ARN, from the declared secrets.
        HttpClient http = HttpClient.newHttpClient();
        long callsBefore = ssm.counters().total();
        JsonNode byName = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port()
                        + "/secretsmanager/get?secretId=prod/db")).header("X-Aws-Parameters-Secrets-Token", TOKEN)
                .GET().build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(byName.get("SecretString").asText()).isEqualTo("{\"password\":\"" + MARK + "-p2\"}");
        assertThat(byName.get("Name").asText()).isEqualTo("prod/db");
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + sidecar.port() + "/secretsmanager/get?secretId=" + FOREIGN_ARN))
                .header("X-Aws-Parameters-Secrets-Token", TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).as(foreign.body()).isEqualTo(200);
        JsonNode foreignJson = JSON.readTree(foreign.body());
        assertThat(foreignJson.get("ARN").asText()).isEqualTo(FOREIGN_ARN);
        assertThat(Base64.getDecoder().decode(foreignJson.get("SecretBinary").asText())).isEqualTo(BINARY);
        assertThat(foreignJson.has("SecretString")).isFalse();
        assertThat(ssm.counters().total()).as("served from the snapshot").isEqualTo(callsBefore);
    }

    /** Calls per refresh cycle at local-ssm's counters, for bench/RESULTS.md: 1, 20 and 100 current secrets. */
    @Test
    void callsPerCycle_oneSecret_oneGetSecretValue_then20PerBatch() throws Exception {
        Map<Integer, Map<String, Long>> measured = new java.util.TreeMap<>();
        try (SsmParameterSource source = SsmParameterSource.create(LocalWire.env(ssm), Metrics.noop(), LocalWire.FAST)) {
            Resolver resolver = new Resolver(source, Clock.systemUTC());
            for (int n : new int[] {1, 20, 100}) {
                List<Reference> refs = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    ssm.putSecret("bench" + n + "/s" + i, MARK + "-" + i);
                    refs.add(ReferenceParser.parse("S" + i, "sm://bench" + n + "/s" + i));
                }
                ssm.counters().reset();
                Resolution r = resolver.resolve(refs);
                assertThat(r.failures()).isEmpty();
                assertThat(r.secrets()).hasSize(n);
                measured.put(n, ssm.counters().byOperation());
            }
        }
        assertThat(measured.get(1)).isEqualTo(Map.of("GetSecretValue", 1L));
        assertThat(measured.get(20)).isEqualTo(Map.of("BatchGetSecretValue", 1L));
        assertThat(measured.get(100)).isEqualTo(Map.of("BatchGetSecretValue", 5L));
        System.out.println("sm:// calls per refresh cycle: " + measured);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
