package io.ssmsidecar.output;

import io.ssmsidecar.metrics.Metrics;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * Child-process entry point for {@link OutputOwnershipTest}: opens {@code args[0]} with owner {@code args[1]}
 * and prints "opened" or the error, so a test can run it without the privilege to chown.
 */
public final class OpenOutputDirectoryMain {
    private OpenOutputDirectoryMain() {
    }

    public static void main(String[] args) {
        int id = Integer.parseInt(args[1]);
        OutputOptions options = OutputOptions.of(Path.of(args[0])).withOwner(OptionalInt.of(id), OptionalInt.of(id));
        try {
            OutputDirectory.open(options, Metrics.noop());
            System.out.println("opened");
        } catch (OutputException e) {
            System.out.println(e.getMessage());
            System.exit(5);
        }
    }
}
