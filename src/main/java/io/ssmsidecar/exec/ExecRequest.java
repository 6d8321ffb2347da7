package io.ssmsidecar.exec;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code exec} was asked to do.
 *
 * @param command the command and its arguments; never empty
 * @param noFail  {@code -no-fail}: a variable that cannot be resolved keeps its literal {@code ssm://} value
 * @param envFile {@code --env-file}: more variables (real environment variables win over the file's)
 * @param settingsFlags sidecar settings given as flags (e.g. {@code --startup-timeout 30s}), loaded with the
 *                      {@code SIDECAR_*} variables by {@code SettingsLoader}
 */
public record ExecRequest(List<String> command, boolean noFail, Optional<Path> envFile, List<String> settingsFlags) {
    public ExecRequest {
        command = List.copyOf(command);
        settingsFlags = List.copyOf(settingsFlags);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command");
        }
    }
}
