package io.ssmsidecar.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * A Java agent that makes the JVM open {@code /dev/random} and {@code /dev/urandom} before {@code main}, as an agent
 * or an AOT-initialized class can: the JDK's NativePRNG opens both when first used and keeps them for the JVM's life.
 */
public final class RandomAtStartAgent {
    private RandomAtStartAgent() {
    }

    public static void premain(String args) {
        new SecureRandom().nextInt();
    }

    /** Writes the agent's jar (a manifest naming this class, found on the class path) into {@code dir}. */
    static Path jar(Path dir) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", RandomAtStartAgent.class.getName());
        Path jar = dir.resolve("random-at-start-agent.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            out.flush();
        }
        return jar;
    }
}
