package io.ssmsidecar.localssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.LocalSsmExtension;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.AccessDeniedException;
import software.amazon.awssdk.services.ssm.model.ThrottlingException;

/** The {@code /_localssm/} API that out-of-process users (benchmarks, child JVMs) drive over HTTP. */
class LocalSsmControlApiTest {
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    @RegisterExtension
    final LocalSsmExtension local = LocalSsmExtension.start();
    private final LocalSsm ssm = local.ssm();
    private final SsmClient client = local.client();

    @Test
    void parametersAndSecrets_seededOverHttp_areReadThroughSsm() throws Exception {
        JsonNode put = send("POST", "parameters", "{\"name\":\"/app/x\",\"value\":\"vx\",\"type\":\"SecureString\"}", 200);
        JsonNode secret = send("POST", "secrets", "{\"id\":\"app/db\",\"secretString\":\"s\"}", 200);

        assertThat(put.get("version").asLong()).isEqualTo(1);
        assertThat(secret.get("versionId").asText()).hasSize(36);
        assertThat(client.getParameter(r -> r.name("/app/x").withDecryption(true)).parameter().value()).isEqualTo("vx");
        assertThat(client.getParameter(r -> r.name("/aws/reference/secretsmanager/app/db").withDecryption(true))
                .parameter().value()).isEqualTo("s");
    }

    @Test
    void counters_calls_andReset_reportWhatTheEndpointSaw() throws Exception {
        ssm.put("/app/x", "v");
        client.getParameters(r -> r.names("/app/x"));
        client.getParameter(r -> r.name("/app/x"));

        JsonNode counters = send("GET", "counters", null, 200);
        JsonNode calls = send("GET", "calls?operation=GetParameters", null, 200);

        assertThat(counters.get("total").asLong()).isEqualTo(2);
        assertThat(counters.get("operations").get("GetParameters").asLong()).isEqualTo(1);
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).get("names").get(0).asText()).isEqualTo("/app/x");
        assertThat(calls.get(0).get("accessKeyId").asText()).isEqualTo(SdkClients.ACCESS_KEY_ID);
        assertThat(calls.get(0).get("status").asInt()).isEqualTo(200);
        assertThat(calls.get(0).get("at").isNumber()).isTrue();

        JsonNode reset = send("POST", "reset-counters", "", 200);
        assertThat(reset.get("total").asLong()).isZero();
        assertThat(send("GET", "calls", null, 200)).isEmpty();
    }

    @Test
    void faults_setOverHttp_applyToSsmCalls_andDeleteClearsThem() throws Exception {
        ssm.put("/app/x", "v");
        ssm.put("/secret/y", "v");

        JsonNode faults = send("POST", "faults", "{\"throttlePerSecond\":1,\"deny\":{\"/secret\":\"AccessDeniedException\"},"
                + "\"pageSize\":3,\"latencyMs\":0,\"emptyPages\":true}", 200);

        assertThat(faults.get("throttlePerSecond").asInt()).isEqualTo(1);
        assertThat(faults.get("deny").get("/secret").asText()).isEqualTo("AccessDeniedException");
        assertThat(faults.get("pageSize").asInt()).isEqualTo(3);
        assertThat(ssm.faults().pageSize()).isEqualTo(3);
        assertThat(faults.get("emptyPages").asBoolean()).isTrue();
        assertThatThrownBy(() -> client.getParameter(r -> r.name("/secret/y"))).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> client.getParameter(r -> r.name("/app/x"))).isInstanceOf(ThrottlingException.class);

        JsonNode cleared = send("DELETE", "faults", null, 200);
        assertThat(cleared.get("throttlePerSecond").asInt()).isZero();
        assertThat(cleared.get("deny").size()).isZero();
        assertThat(client.getParameter(r -> r.name("/secret/y")).parameter().value()).isEqualTo("v");
    }

    @Test
    void faults_withAnUnknownKeyOrBadValue_areRefused_namingTheKey() throws Exception {
        JsonNode unknown = send("POST", "faults", "{\"throttle\":5}", 400);
        JsonNode bad = send("POST", "faults", "{\"pageSize\":50}", 400);
        JsonNode route = send("GET", "nothing-here", null, 404);

        assertThat(unknown.get("message").asText()).contains("[throttle]").contains("throttlePerSecond");
        assertThat(bad.get("message").asText()).contains("got 50");
        assertThat(route.get("message").asText()).contains("GET /_localssm/nothing-here");
        assertThat(ssm.faults().throttlePerSecond()).isZero();
    }

    @Test
    void refuseConnectionsForMs_answersFirst_thenRefuses_thenListensAgainOnTheSamePort() throws Exception {
        int port = ssm.port();

        JsonNode answer = send("POST", "faults", "{\"refuseConnectionsForMs\":300}", 200);

        assertThat(answer.get("refusingConnections").asBoolean()).isFalse();
        assertThat(awaitListening(port, false)).as("refused").isTrue();
        assertThat(awaitListening(port, true)).as("listening again").isTrue();
        assertThat(send("GET", "health", null, 200).get("status").asText()).isEqualTo("ok");
    }

    /** Polls the port until it is (or is not) accepting connections, up to a 10 s deadline. */
    private static boolean awaitListening(int port, boolean listening) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            boolean accepted;
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                accepted = s.isConnected();
            } catch (java.io.IOException e) {
                accepted = false;
            }
            if (accepted == listening) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    private JsonNode send(String method, String route, String body, int status) throws Exception {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(ssm.endpoint() + "/_localssm/" + route))
                .method(method, publisher);
        if (!method.equals("GET")) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + route + ": " + r.body()).isEqualTo(status);
        return json.readTree(r.body());
    }
}
