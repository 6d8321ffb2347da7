package io.ssmsidecar.source;

import io.ssmsidecar.metrics.Metrics;
import java.util.List;

/**
 * Run in a child JVM by {@link ContainerCredentialsTest}: builds the source from the real process environment
 * (so the SDK's default credentials chain runs for real) and fetches the parameters named in {@code args}.
 * Prints names and versions, never values. Exit 0 when all were found, 1 otherwise.
 */
public final class ContainerCredentialsProbe {
    private ContainerCredentialsProbe() {
    }

    public static void main(String[] args) {
        try (SsmParameterSource source = SsmParameterSource.create(System.getenv(), Metrics.noop())) {
            FetchResult r = source.getParameters(List.of(args));
            for (Parameter p : r.parameters()) {
                System.out.println("found " + p.requestedName() + " version " + p.version());
            }
            System.out.println("invalid " + r.invalid());
            System.exit(r.invalid().isEmpty() ? 0 : 1);
        } catch (SourceException | RuntimeException e) {
            System.out.println("failed " + e.getMessage());
            System.exit(1);
        }
    }
}
