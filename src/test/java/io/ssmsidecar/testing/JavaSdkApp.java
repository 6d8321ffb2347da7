package io.ssmsidecar.testing;

import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * An app's code, as written for SSM: {@code SsmClient.create()} (region, credentials and endpoint from the
 * environment), one {@code GetParameter} per argument, values printed one per line. Run as a child JVM whose
 * environment holds {@code AWS_ENDPOINT_URL_SSM}.
 */
public final class JavaSdkApp {
    private JavaSdkApp() {
    }

    public static void main(String[] args) {
        try (SsmClient ssm = SsmClient.create()) {
            for (String name : args) {
                System.out.println(ssm.getParameter(b -> b.name(name).withDecryption(true)).parameter().value());
            }
        }
    }
}
