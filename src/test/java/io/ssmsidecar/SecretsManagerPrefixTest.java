package io.ssmsidecar;

import static io.ssmsidecar.LeakCheckedSidecar.changedKeys;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.reference.ReferenceParser;
import io.ssmsidecar.source.SsmParameterSource;
import io.ssmsidecar.store.Resolution;
import io.ssmsidecar.store.Resolver;
import io.ssmsidecar.testing.LocalWire;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code sm://PREFIX/*} end to end: the production SDK source against local-ssm over real HTTP ({@code init}
 * in-process, the daemon with its HTTP API and a loopback change receiver), real files. Every value carries
 * {@link #MARK}; {@link LeakCheckedSidecar} searches logs, stdout/stderr and metrics for it and for the binary
 * value's base64 and hex.
 */
class SecretsManagerPrefixTest {
    private static final String MARK = "smPrefixLeak";
    private static final String TOKEN = "sm-prefix-token-0123456789abcdef012";
    private static final byte[] BINARY = {(byte) 0xff, (byte) 0xfe, 0, 's', 'm', 'P', 'r', 'e', 'f', 'i', 'x', 'L',
        'e', 'a', 'k'};

    @RegisterExtension
    final LeakCheckedSidecar fixture = new LeakCheckedSidecar(MARK, BINARY, TOKEN);
    private final LocalSsm ssm = fixture.ssm();
    private final Map<String, String> env = fixture.env();
    private final Path outDir = fixture.outDir();

    @Test
    void init_loadsEverySecretUnderThePrefix_underPathStyleKeys_andNothingBesideIt() throws Exception {
        ssm.putSecret("prod/app/db-password", MARK + "-db");
        ssm.putSecret("prod/app/api/token.v2", MARK + "-api");
        ssm.putSecret("prod/app/cert", null, BINARY, List.of());
        ssm.putSecret("prod/app", MARK + "-the-prefix-itself");
        ssm.putSecret("prod/apple/x", MARK + "-a-longer-word");
        ssm.putSecret("Prod/app/upper", MARK + "-other-case");
        ssm.putSecret("arn:aws:secretsmanager:eu-west-1:210987654321:secret:prod/app/foreign-AbC123", MARK + "-f",
                null, List.of());
        env.put("APP", "sm://prod/app/*");
        env.put("_", "sm://prod/app/api/*");

        assertThat(fixture.init()).as(fixture.output()).isZero();

        assertThat(fixture.files()).containsOnlyKeys("APP_DB_PASSWORD", "APP_API_TOKEN_V2", "APP_CERT", "TOKEN_V2");
        assertThat(Files.readString(outDir.resolve("APP_DB_PASSWORD"))).isEqualTo(MARK + "-db");
        assertThat(Files.readString(outDir.resolve("TOKEN_V2"))).isEqualTo(MARK + "-api");
        assertThat(Files.readAllBytes(outDir.resolve("APP_CERT"))).as("raw bytes").isEqualTo(BINARY);
        assertThat(ssm.counters().byOperation()).as("one filtered batch per prefix")
                .isEqualTo(Map.of("BatchGetSecretValue", 2L));
    }

    @Test
    void init_twoSecretsOnOneKey_isACollision_namingBoth_andWritesNothing() {
        ssm.putSecret("prod/app/db-pass", MARK + "-1");
        ssm.putSecret("prod/app/db.pass", MARK + "-2");
        ssm.putSecret("prod/app/ok", MARK + "-3");
        env.put("APP", "sm://prod/app/*");

        assertThat(fixture.init()).as(fixture.output()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(fixture.err())
                .contains("secrets prod/app/db-pass and prod/app/db.pass both map to key APP_DB_PASS")
                .contains("sm://prod/app/*");
        assertThat(outDir.resolve("APP_OK")).doesNotExist();
    }

    @Test
    void init_aKeyAnotherReferenceDeclares_isACollision() {
        ssm.putSecret("prod/app/db", MARK + "-1");
        ssm.putSecret("other", MARK + "-2");
        env.put("APP", "sm://prod/app/*");
        env.put("APP_DB", "sm://other");

        assertThat(fixture.init()).as(fixture.output()).isEqualTo(ExitCode.SECRETS.code());

        assertThat(fixture.err())
                .contains("secret prod/app/db maps to key APP_DB, which another reference already declares");
    }

    @Test
    void init_emptyPrefix_failsUnlessOptional() throws Exception {
        ssm.putSecret("prod/other/x", MARK);
        env.put("APP", "sm://prod/app/*");
        assertThat(fixture.init()).as(fixture.output()).isEqualTo(ExitCode.SECRETS.code());
        assertThat(fixture.err()).contains("no secrets whose name starts with prod/app/")
                .contains("?optional");

        env.put("APP", "sm://prod/app/*?optional");
        env.put("X", "sm://prod/other/x");
        assertThat(fixture.init()).as(fixture.output()).isZero();
        assertThat(fixture.files()).containsOnlyKeys("X");
    }

    @Test
    void init_tagFilter_keepsOnlySecretsCarryingThatTagPair() throws Exception {
        ssm.putSecret("app/pay", MARK + "-pay");
        ssm.tagSecret("app/pay", Map.of("team", "payments"));
        // Carries key "team" and value "payments" in two different tags: Secrets Manager's filters match it.
        ssm.putSecret("app/mixed", MARK + "-mixed");
        ssm.tagSecret("app/mixed", Map.of("team", "infra", "owner", "payments"));
        ssm.putSecret("app/prefix-value", MARK + "-longer");
        ssm.tagSecret("app/prefix-value", Map.of("team", "payments-old"));
        ssm.putSecret("app/any", MARK + "-any");
        ssm.tagSecret("app/any", Map.of("owner", "x"));
        ssm.putSecret("app/none", MARK + "-none");
        env.put("PAY", "sm://app/*?tag=team=payments");
        env.put("OWNED", "sm://app/*?tag=owner");

        assertThat(fixture.init()).as(fixture.output()).isZero();

        assertThat(fixture.files()).containsOnlyKeys("PAY_PAY", "OWNED_MIXED", "OWNED_ANY");
        assertThat(ssm.counters().byOperation()).as("per prefix: one ListSecrets (with tags), one batch by id")
                .isEqualTo(Map.of("ListSecrets", 2L, "BatchGetSecretValue", 2L));
    }

    @Test
    void daemon_secretsAddedAndRemoved_appearAndDisappear_unchangedOnesAreNotRewrittenOrAnnounced() throws Exception {
        BlockingQueue<JsonNode> notified = new LinkedBlockingQueue<>();
        ssm.putSecret("prod/app/a", MARK + "-a");
        ssm.putSecret("prod/app/b", MARK + "-b");
        env.put("APP", "sm://prod/app/*");
        Sidecar sidecar = fixture.daemon(notified);
        assertThat(fixture.files()).containsOnlyKeys("APP_A", "APP_B");
        Path dataBefore = Files.readSymbolicLink(outDir.resolve("..data"));

        ssm.counters().reset();
        fixture.refresh(sidecar);
        assertThat(ssm.counters().byOperation()).isEqualTo(Map.of("BatchGetSecretValue", 1L));
        assertThat(Files.readSymbolicLink(outDir.resolve("..data"))).as("nothing rewritten").isEqualTo(dataBefore);
        assertThat(notified.poll(300, TimeUnit.MILLISECONDS)).as("nothing announced").isNull();

        ssm.putSecret("prod/app/c", MARK + "-c");
        fixture.refresh(sidecar);
        assertThat(changedKeys(notified.poll(20, TimeUnit.SECONDS))).containsExactly("APP_C");
        assertThat(fixture.files()).containsOnlyKeys("APP_A", "APP_B", "APP_C");

        ssm.deleteSecret("prod/app/a");
        ssm.putSecret("prod/app/b", MARK + "-b2");
        fixture.refresh(sidecar);
        assertThat(changedKeys(notified.poll(20, TimeUnit.SECONDS))).containsExactlyInAnyOrder("APP_A", "APP_B");
        assertThat(fixture.files()).containsOnlyKeys("APP_B", "APP_C");
        assertThat(Files.readString(outDir.resolve("APP_B"))).isEqualTo(MARK + "-b2");
    }

    /**
     * Calls per refresh cycle at local-ssm's counters, for bench/RESULTS.md: a prefix of 1, 20 and 100 secrets, with
     * and without a tag filter; the pages past 20 are followed (paging over more than 20 secrets).
     */
    @Test
    void callsPerCycle_prefixOf1_20_100() throws Exception {
        Map<String, Map<String, Long>> measured = new TreeMap<>();
        try (SsmParameterSource source = SsmParameterSource.create(LocalWire.env(ssm), Metrics.noop(), LocalWire.FAST)) {
            Resolver resolver = new Resolver(source, Clock.systemUTC());
            for (int n : new int[] {1, 20, 100}) {
                for (int i = 0; i < n; i++) {
                    ssm.putSecret("bench" + n + "/s" + i, MARK + "-" + i);
                    ssm.tagSecret("bench" + n + "/s" + i, Map.of("team", "bench"));
                }
                for (String form : List.of("", "?tag=team=bench")) {
                    ssm.counters().reset();
                    Resolution r = resolver.resolve(List.of(ReferenceParser.parse("B", "sm://bench" + n + "/*" + form)));
                    assertThat(r.failures()).isEmpty();
                    assertThat(r.secrets()).hasSize(n).containsKey("B_S" + (n - 1));
                    measured.put(String.format("%03d%s", n, form), ssm.counters().byOperation());
                }
            }
        }
        assertThat(measured.get("001")).isEqualTo(Map.of("BatchGetSecretValue", 1L));
        assertThat(measured.get("020")).isEqualTo(Map.of("BatchGetSecretValue", 1L));
        assertThat(measured.get("100")).isEqualTo(Map.of("BatchGetSecretValue", 5L));
        assertThat(measured.get("001?tag=team=bench")).isEqualTo(Map.of("ListSecrets", 1L, "BatchGetSecretValue", 1L));
        assertThat(measured.get("100?tag=team=bench")).isEqualTo(Map.of("ListSecrets", 1L, "BatchGetSecretValue", 5L));
        System.out.println("sm://PREFIX/* calls per refresh cycle: " + measured);
    }
}
