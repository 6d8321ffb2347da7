package io.ssmsidecar.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding moto_server, and failing loudly, with how to install it, when it is not there. */
class MotoServerTest {
    @TempDir
    Path tmp;

    @Test
    void missingMotoServer_failsWithHowToInstallIt() {
        assertThatThrownBy(() -> MotoServer.executable(Map.of("PATH", tmp.toString()), tmp))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("moto_server was not found")
                .hasMessageContaining("pip install 'moto[server]==5.2.1'")
                .hasMessageContaining("MOTO_SERVER");
        assertThatThrownBy(() -> MotoServer.executable(Map.of("MOTO_SERVER", tmp.resolve("nope").toString()), tmp))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("MOTO_SERVER=" + tmp.resolve("nope") + " is not an executable file")
                .hasMessageContaining("pip install 'moto[server]==5.2.1'");
    }

    @Test
    void motoServer_isFoundOnThePath_orInPyenvShims() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path shims = Files.createDirectories(tmp.resolve("home/.pyenv/shims"));
        for (Path dir : new Path[] {bin, shims}) {
            Files.createFile(dir.resolve("moto_server"), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwxr-xr-x")));
        }

        assertThat(MotoServer.executable(Map.of("PATH", "/nonexistent:" + bin), tmp.resolve("home")))
                .isEqualTo(bin.resolve("moto_server"));
        assertThat(MotoServer.executable(Map.of("PATH", "/nonexistent"), tmp.resolve("home")))
                .isEqualTo(shims.resolve("moto_server"));
    }

    @Test
    void sharedServer_answersAndForgetsEverythingOnReset() {
        MotoServer moto = MotoServer.shared();
        moto.call("ssm", "AmazonSSM.PutParameter", Map.of("Name", "/reset/me", "Value", "v", "Type", "String"));
        assertThat(moto.call("ssm", "AmazonSSM.GetParameter", Map.of("Name", "/reset/me")).at("/Parameter/Value")
                .asText()).isEqualTo("v");

        MotoServer again = MotoServer.shared();

        assertThat(again).isSameAs(moto);
        assertThatThrownBy(() -> again.call("ssm", "AmazonSSM.GetParameter", Map.of("Name", "/reset/me")))
                .hasMessageContaining("ParameterNotFound");
    }
}
