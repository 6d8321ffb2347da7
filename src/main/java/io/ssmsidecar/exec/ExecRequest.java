package io.ssmsidecar.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What {@code exec} was asked to do.
 *
 * @param command the command and its arguments; never empty
 * @param noFail  {@code -no-fail}: a variable that cannot be resolved keeps its literal {@code ssm://} value
 * @param envFile {@code --env-file}: more variables (real environment variables win over the file's)
 * @param timeout how long transient SSM failures are retried before giving up
 */
public record ExecRequest(List<String> command, boolean noFail, Optional<Path> envFile, Duration timeout) {
    public ExecRequest {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
    }
}
