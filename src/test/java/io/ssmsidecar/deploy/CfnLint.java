package io.ssmsidecar.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code cfn-lint} (the pyenv Python's cfn-lint 1.x, through its own runner, so no shim is needed) on a
 * template: it checks the template against the CloudFormation schemas, the resolvable references and, for IAM
 * resources, the IAM policy grammar (actions, resources, condition operators).
 */
final class CfnLint {

    record Result(int exitCode, String output) {
        boolean clean() {
            return exitCode == 0;
        }
    }

    private CfnLint() {
    }

    /** cfn-lint on {@code template} with its default checks and {@code options} (e.g. {@code --include-checks I}). */
    static Result check(Path template, Path scratch, String... options) throws IOException, InterruptedException {
        Path output = Files.createTempFile(scratch, "cfn-lint", ".out");
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("python3", "-c",
                "import sys; from cfnlint.runner import main; sys.exit(main())", "--format", "parseable"));
        command.addAll(java.util.List.of(options));
        command.add("--");
        command.add(template.toAbsolutePath().toString());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("cfn-lint did not finish within 180 s on " + template);
        }
        String text = Files.readString(output);
        if (text.contains("No module named")) {
            throw new IllegalStateException("cfn-lint is needed: pip install cfn-lint (" + text.strip() + ")");
        }
        return new Result(process.exitValue(), text);
    }
}
