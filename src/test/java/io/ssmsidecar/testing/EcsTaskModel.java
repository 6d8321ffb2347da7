package io.ssmsidecar.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks task definitions against botocore's own ECS service model (the pyenv {@code python3}'s botocore): the
 * {@code RegisterTaskDefinition} input shape, with {@code botocore.validate.ParamValidator} (unknown and missing
 * members, types, lengths and ranges), as {@code aws ecs register-task-definition --cli-input-json} would before
 * sending. One Python process checks every file given.
 */
public final class EcsTaskModel {
    private static final String SCRIPT = """
            import json, sys, botocore.session
            from botocore.validate import ParamValidator
            shape = botocore.session.get_session().get_service_model('ecs') \\
                .operation_model('RegisterTaskDefinition').input_shape
            for path in sys.argv[1:]:
                with open(path) as f:
                    report = ParamValidator().validate(json.load(f), shape)
                print(json.dumps([path, report.generate_report() if report.has_errors() else '']))
            """;

    private EcsTaskModel() {
    }

    /** Each file's problems ({@code ""} when it validates), in the order given. */
    public static Map<Path, String> problems(List<Path> files) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("python3", "-c", SCRIPT));
        files.forEach(f -> command.add(f.toAbsolutePath().toString()));
        Path output = Files.createTempFile("ecs-model", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("botocore validation did not finish within 120 s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("botocore validation failed (pyenv python3 with botocore is needed): "
                        + text.strip());
            }
            Map<Path, String> result = new LinkedHashMap<>();
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            for (String line : text.strip().split("\n")) {
                var row = mapper.readTree(line);
                result.put(Path.of(row.get(0).asText()), row.get(1).asText());
            }
            return result;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
