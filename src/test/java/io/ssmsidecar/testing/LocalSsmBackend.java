package io.ssmsidecar.testing;

import io.ssmsidecar.localssm.LocalSsm;
import java.util.Map;

/** {@link SsmBackend} over the project's own {@link LocalSsm}. */
final class LocalSsmBackend implements SsmBackend {
    private final LocalSsm ssm;

    LocalSsmBackend(LocalSsm ssm) {
        this.ssm = ssm;
    }

    @Override
    public String name() {
        return "local-ssm";
    }

    @Override
    public Map<String, String> env() {
        return LocalWire.env(ssm);
    }

    @Override
    public long put(String name, String value, String type) {
        return ssm.put(name, value, type);
    }

    @Override
    public void label(String name, long version, String label) {
        ssm.label(name, version, label);
    }

    @Override
    public String putSecret(String id, String secretString) {
        return ssm.putSecret(id, secretString);
    }

    @Override
    public String putBinarySecret(String id, byte[] secretBinary) {
        return ssm.putSecret(id, null, secretBinary, java.util.List.of());
    }

    @Override
    public String putSharedSecret(String account, String name, String secretString) {
        // local-ssm keeps no resource policies: a secret stored under another account's ARN is readable by it.
        String arn = "arn:aws:secretsmanager:" + ssm.region() + ":" + account + ":secret:" + name + "-Sh4r3d";
        ssm.putSecret(arn, secretString, null, java.util.List.of());
        return arn;
    }

    @Override
    public void delete(String name) {
        ssm.delete(name);
    }

    @Override
    public String arnOf(String name) {
        return ssm.arnOf(name);
    }

    @Override
    public boolean has(Gap gap) {
        return false;
    }

    @Override
    public void close() {
        ssm.close();
    }

    @Override
    public String toString() {
        return name();
    }
}
