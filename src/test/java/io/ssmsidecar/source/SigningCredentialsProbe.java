package io.ssmsidecar.source;

import io.ssmsidecar.metrics.Metrics;

/**
 * Run in a child JVM by {@link SigningCredentialsTest}: builds the source from the real process environment and
 * prints the access key ids of {@link SigningCredentials#current()} twice, then of
 * {@link SigningCredentials#resolveAgain()}, and the region. Never a secret key or token.
 */
public final class SigningCredentialsProbe {
    private SigningCredentialsProbe() {
    }

    public static void main(String[] args) throws SourceException {
        try (SsmParameterSource source = SsmParameterSource.create(System.getenv(), Metrics.noop())) {
            SigningCredentials c = source.signingCredentials().orElseThrow();
            System.out.println("current " + c.current().accessKeyId());
            System.out.println("current " + c.current().accessKeyId());
            SigningCredentials.Keys again = c.resolveAgain();
            System.out.println("again " + again.accessKeyId() + " token " + (again.sessionToken() != null));
            System.out.println("region " + c.region());
        }
    }
}
