package io.ssmsidecar.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssmsidecar.testing.Docs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * amd64 and arm64: the Dockerfile builds the jar on the build platform and the runtime (jlink, AOT cache) on the
 * target platform, docs/deployment.md shows both multi-arch builds, the template takes the architecture as a parameter,
 * and scripts/container-test keeps building the machine's own architecture.
 */
class MultiArchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+(--platform=(\\S+)\\s+)?(\\S+)(\\s+AS\\s+(\\S+))?\\s*$");

    record Stage(String platform, String image, String name, String body) { }

    @Test
    void dockerfile_buildsTheJarOnTheBuildPlatform_andTheRuntimeOnTheTarget() throws Exception {
        List<Stage> stages = stages(Files.readString(Path.of("Dockerfile")));

        assertThat(stages).extracting(Stage::name).containsExactly("jar", "build", null);
        Stage jar = stages.get(0);
        Stage build = stages.get(1);
        Stage runtime = stages.get(2);
        assertThat(jar.platform()).isEqualTo("${BUILDPLATFORM}");
        assertThat(jar.body()).contains("mvn ").doesNotContain("image-runtime.sh", "jlink");
        assertThat(build.platform()).as("jlink and the AOT training run on the target").isNull();
        assertThat(build.body()).contains("COPY --from=jar ", "image-runtime.sh").doesNotContain("mvn ");
        assertThat(runtime.platform()).isNull();
        assertThat(runtime.body()).contains("COPY --from=build /opt/jre", "COPY --from=build /app")
                .doesNotContain("--from=jar");
        assertThat(build.image()).isEqualTo(jar.image()).isEqualTo("${BUILD_IMAGE}");
    }

    @Test
    void readme_andDockerfile_showTheMultiArchBuilds() throws Exception {
        String readme = Docs.section("deployment.md", "The image");
        String dockerfile = Files.readString(Path.of("Dockerfile"));

        for (String text : List.of(readme, dockerfile)) {
            assertThat(text.replace("\\\n", " ").replaceAll(" +", " ")).contains(
                    "docker buildx build --platform linux/amd64,linux/arm64",
                    "podman build --format docker --platform linux/amd64,linux/arm64 --manifest ssm-sidecar .");
        }
        assertThat(readme).contains("podman manifest push --all ssm-sidecar", "QEMU", "BUILDPLATFORM");
    }

    @Test
    void template_takesTheCpuArchitecture() throws Exception {
        JsonNode template = CloudFormationStackTest.template();
        Map<String, String> overrides = new LinkedHashMap<>(CloudFormationStackTest.Readme.read().overrides());

        assertThat(template.at("/Parameters/CpuArchitecture/AllowedValues").toString()).isEqualTo("[\"X86_64\",\"ARM64\"]");
        assertThat(architecture(TemplateRender.of(template, overrides))).isEqualTo("X86_64");
        overrides.put("CpuArchitecture", "ARM64");
        assertThat(architecture(TemplateRender.of(template, overrides))).isEqualTo("ARM64");
        overrides.put("CpuArchitecture", "arm64");
        assertThat(TemplateRender.of(template, overrides).problems())
                .containsExactly("parameter CpuArchitecture=arm64 is not one of [\"X86_64\",\"ARM64\"]");
    }

    @Test
    void jsonTaskDefinitions_nameAnArchitectureFargateKnows() throws Exception {
        for (String file : List.of("ecs-task-sidecar.json", "examples/ecs-task-init.json")) {
            JsonNode platform = JSON.readTree(Path.of(file).toFile()).path("runtimePlatform");
            assertThat(platform.path("cpuArchitecture").asText()).as(file).isIn("X86_64", "ARM64");
            assertThat(platform.path("operatingSystemFamily").asText()).as(file).isEqualTo("LINUX");
        }
    }

    @Test
    void containerTest_buildsAndChecksTheMachinesOwnArchitecture() throws Exception {
        String script = Files.readString(Path.of("scripts/container-test"));
        Matcher bud = Pattern.compile("buildah bud[^\\n]*(\\\\\\n[^\\n]*)*").matcher(script);

        assertThat(bud.find()).isTrue();
        assertThat(bud.group()).doesNotContain("--platform", "--arch");
        assertThat(script).contains("jdk-$deb_arch", "image is for this machine's architecture");
    }

    private static String architecture(TemplateRender render) {
        assertThat(render.problems()).isEmpty();
        return render.resources().at("/TaskDefinition/Properties/RuntimePlatform/CpuArchitecture").asText();
    }

    /** The Dockerfile's stages in order, each with the text up to the next FROM. */
    private static List<Stage> stages(String dockerfile) {
        List<Matcher> froms = new ArrayList<>();
        Matcher m = FROM.matcher(dockerfile);
        while (m.find()) {
            froms.add(FROM.matcher(dockerfile).region(m.start(), dockerfile.length()));
            froms.get(froms.size() - 1).lookingAt();
        }
        List<Stage> stages = new ArrayList<>();
        for (int i = 0; i < froms.size(); i++) {
            Matcher from = froms.get(i);
            int end = i + 1 < froms.size() ? froms.get(i + 1).start() : dockerfile.length();
            stages.add(new Stage(from.group(2), from.group(3), from.group(5), dockerfile.substring(from.end(), end)));
        }
        return stages;
    }
}
