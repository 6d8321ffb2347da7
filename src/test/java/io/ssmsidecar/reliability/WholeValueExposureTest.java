package io.ssmsidecar.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.ssmsidecar.localssm.LocalSsm;
import io.ssmsidecar.testing.LocalSsmExtension;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app holding the token asks the AWS-compatible endpoints for the whole JSON value behind a {@code #key} reference.
 * Only the declared key may come out: the parameter's other keys were never asked for.
 */
@ExtendWith(LeakWatch.class)
class WholeValueExposureTest {
    private static final String OTHER_KEY = LeakWatch.secret("other-key");
    private static final String JSON = "{\"password\":\"pw-1\",\"apiKey\":\"" + OTHER_KEY + "\"}";

    @TempDir
    Path tmp;
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();
    private InProcessSidecar sidecar;

    @BeforeEach
    void seed() throws Exception {
        ssm.put("/prod/json", JSON, "SecureString");
        ssm.putSecret("prod/app", JSON);
    }

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    private void start(Map<String, String> references, String... flags) throws Exception {
        sidecar = InProcessSidecar.start(ssm, tmp.resolve("out"), references, flags);
        sidecar.awaitReady();
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpResponse<String> r = sidecar.http.get(path);
        if (r.statusCode() != 200) {
            LeakWatch.search("error body of " + path, r.body());
        }
        return r;
    }

    @Test
    void aParameterDeclaredOnlyThroughJsonKeys_isNotServedWhole_byAnyCompatibleEndpointOrName() throws Exception {
        start(Map.of("PW", "ssm:///prod/json#password", "APP_PW", "ssm:///aws/reference/secretsmanager/prod/app#password"));

        List<HttpResponse<String>> whole = List.of(
                get("/systemsmanager/parameters/get?withDecryption=true&name=/prod/json"),
                get("/systemsmanager/parameters/get?withDecryption=true&name=" + ssm.arnOf("/prod/json")),
                get("/systemsmanager/parameters/get?withDecryption=true&name=/prod/json:1"),
                get("/systemsmanager/parameters/get?withDecryption=true&name=/aws/reference/secretsmanager/prod/app"),
                get("/secretsmanager/get?secretId=prod/app"),
                get("/secretsmanager/get?secretId=prod/app&refreshNow=true"));
        HttpResponse<String> declaredKey = get("/v1/secrets/PW");

        assertThat(whole).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            assertThat(r.body()).contains("AccessDeniedException").doesNotContain(OTHER_KEY);
        });
        assertThat(declaredKey.statusCode()).isEqualTo(200);
        assertThat(declaredKey.body()).isEqualTo("pw-1");
        Figures.record("whole-value-exposure", "whole-value requests for a #key-only parameter answered 403",
                whole.size() + " of " + whole.size());
    }

    @Test
    void aParameterDeclaredWhole_orAllowed_isStillServedWhole() throws Exception {
        start(Map.of("PW", "ssm:///prod/json#password", "WHOLE", "ssm:///prod/json"),
                "--allow", "/aws/reference/secretsmanager/");

        HttpResponse<String> declaredWhole = get("/systemsmanager/parameters/get?withDecryption=true&name=/prod/json");
        HttpResponse<String> allowed = get("/secretsmanager/get?secretId=prod/app");

        assertThat(declaredWhole.statusCode()).isEqualTo(200);
        assertThat(declaredWhole.body()).contains("apiKey");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.body()).contains("apiKey");
    }
}
