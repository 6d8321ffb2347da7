package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssmsidecar.config.SettingsLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes example as a kustomize base ({@code examples/kubernetes/kustomization.yaml}) and the production
 * overlay beside it, rendered offline by {@code kubectl kustomize}: the base is the example as it is, and the overlay
 * changes what it says it changes and nothing else. Machines of this project's kind ship kubectl (1.32, kustomize 5);
 * where kubectl is absent these tests are skipped, saying so: Debian's {@code kubernetes-client} (1.20, kustomize
 * 2.0) cannot read a current kustomization ({@code patches}, {@code labels}), so .ci/run does not install it.
 */
class KustomizeTest {

    private static final Path BASE = Path.of("examples/kubernetes");
    private static final Path OVERLAY = Path.of("examples/kubernetes-overlays/production");

    @TempDir
    Path scratch;

    @Test
    void base_rendersTheExampleAsItIs_withTheLivenessProbeOnHealthz() throws Exception {
        List<JsonNode> rendered = render(BASE);
        List<JsonNode> example = YamlTree.readAll(BASE.resolve("deployment.yaml"));

        assertThat(kinds(rendered)).containsExactlyInAnyOrder("ServiceAccount", "Deployment");
        JsonNode sidecar = sidecar(rendered);
        JsonNode original = sidecar(example);
        assertThat(sidecar.path("env")).isEqualTo(original.path("env"));
        assertThat(sidecar.path("image")).isEqualTo(original.path("image"));
        assertThat(sidecar.at("/livenessProbe/exec/command").toString()).endsWith("\"healthcheck\",\"--live\"]");
        assertThat(sidecar.at("/startupProbe/exec/command").toString()).endsWith("\"healthcheck\"]");
        assertThat(deployment(rendered).at("/metadata/labels/app.kubernetes.io~1name").asText()).isEqualTo("my-app");
        assertThat(deployment(rendered).at("/spec/template/spec/containers")).isEqualTo(
                deployment(example).at("/spec/template/spec/containers"));
    }

    @Test
    void productionOverlay_patchesNamespaceImageRoleRegionAndOneReference_andKeepsTheRest() throws Exception {
        List<JsonNode> base = render(BASE);
        List<JsonNode> production = render(OVERLAY);

        assertThat(production).allSatisfy(doc -> assertThat(doc.at("/metadata/namespace").asText()).isEqualTo("my-app-prod"));
        assertThat(deployment(production).at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(account(production).at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText())
                .isEqualTo("arn:aws:iam::210987654321:role/my-app-ssm-sidecar");
        JsonNode sidecar = sidecar(production);
        assertThat(sidecar.path("image").asText()).isEqualTo("210987654321.dkr.ecr.eu-west-1.amazonaws.com/ssm-sidecar:0.1.0");
        Map<String, String> env = env(sidecar);
        Map<String, String> baseEnv = env(sidecar(base));
        assertThat(env).containsEntry("AWS_REGION", "eu-west-1")
                .containsEntry("DB_PASSWORD", "ssm:///prod/payments/db/password")
                .containsEntry("SIDECAR_MAX_STALENESS", "30m")
                .containsEntry("API_KEY", baseEnv.get("API_KEY"))
                .containsEntry("APP", baseEnv.get("APP"));
        assertThat(sidecar.path("livenessProbe")).isEqualTo(sidecar(base).path("livenessProbe"));
        assertThat(sidecar.path("startupProbe")).isEqualTo(sidecar(base).path("startupProbe"));
        assertThat(deployment(production).at("/spec/template/spec/containers"))
                .isEqualTo(deployment(base).at("/spec/template/spec/containers"));
        // The sidecar accepts the overlay's settings as they are (a bad value would stop it with exit 2).
        Map<String, String> settings = new HashMap<>(env);
        settings.remove("AWS_REGION");
        assertThat(SettingsLoader.load(List.of(), settings).refresh().maxStaleness()).isPresent();
    }

    @Test
    void anOverlayPatchingADeploymentTheBaseLacks_failsToRender() throws Exception {
        Path overlay = Files.createDirectories(scratch.resolve("overlay"));
        Files.writeString(overlay.resolve("kustomization.yaml"), """
                resources:
                  - %s
                patches:
                  - path: patch.yaml
                """.formatted(overlay.toAbsolutePath().relativize(BASE.toAbsolutePath())));
        Files.writeString(overlay.resolve("patch.yaml"), """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: my-ap
                spec:
                  replicas: 3
                """);

        Kubectl result = kubectl(overlay);

        assertThat(result.exitCode()).isNotZero();
        assertThat(result.output()).contains("my-ap");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Kubectl(int exitCode, String output) {
    }

    private List<JsonNode> render(Path dir) throws Exception {
        Kubectl result = kubectl(dir);
        assertThat(result.exitCode()).as("kubectl kustomize " + dir + ": " + result.output()).isZero();
        return YamlTree.readAll(Files.writeString(Files.createTempFile(scratch, "rendered", ".yaml"), result.output()));
    }

    private Kubectl kubectl(Path dir) throws IOException, InterruptedException {
        Path kubectl = executable();
        Path output = Files.createTempFile(scratch, "kubectl", ".out");
        Path errors = Files.createTempFile(scratch, "kubectl", ".err");
        ProcessBuilder builder = new ProcessBuilder(kubectl.toString(), "kustomize", dir.toAbsolutePath().toString())
                .redirectOutput(output.toFile()).redirectError(errors.toFile());
        builder.environment().put("HOME", scratch.toString());
        builder.environment().put("KUBECONFIG", scratch.resolve("no-kubeconfig").toString());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("kubectl kustomize " + dir + " did not finish within 120 s");
        }
        String text = process.exitValue() == 0 ? Files.readString(output) : Files.readString(errors);
        return new Kubectl(process.exitValue(), text);
    }

    private static Path executable() {
        String configured = System.getenv("KUBECTL");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Path.of(dir, "kubectl");
            }
        }
        Assumptions.abort("kubectl is not installed, so the kustomize base and overlay are not rendered here "
                + "(machines of this project's kind ship it; Debian's kubernetes-client 1.20 is too old to read them; "
                + "set KUBECTL to a kubectl 1.27 or later)");
        throw new AssertionError("unreachable");
    }

    private static List<String> kinds(List<JsonNode> docs) {
        return docs.stream().map(d -> d.path("kind").asText()).toList();
    }

    private static JsonNode deployment(List<JsonNode> docs) {
        return docs.stream().filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
    }

    private static JsonNode account(List<JsonNode> docs) {
        return docs.stream().filter(d -> d.path("kind").asText().equals("ServiceAccount")).findFirst().orElseThrow();
    }

    private static JsonNode sidecar(List<JsonNode> docs) {
        for (JsonNode c : deployment(docs).at("/spec/template/spec/initContainers")) {
            if (c.path("name").asText().equals("ssm-sidecar")) {
                return c;
            }
        }
        throw new AssertionError("no ssm-sidecar init container");
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        return env;
    }
}
