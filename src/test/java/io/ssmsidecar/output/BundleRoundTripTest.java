package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every bundle read back by its real consumer, over the nasty-value corpus: each value must come back byte-exact.
 * The shells and node are real child processes; a missing tool fails the test (see {@link ExternalTools}).
 */
class BundleRoundTripTest {
    private static final Map<String, String> VALUES = NastyValues.all();

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sh", "bash", "dash", "busybox ash"})
    void envBundle_sourcedByShell_printsEveryValueByteExact(String shell) throws Exception {
        assertEnvRoundTrip(shell, VALUES);
        assertThat(tmp.resolve("pwned")).as("sourcing must not run command substitutions").doesNotExist();
    }

    @ParameterizedTest(name = "dotenv@{0}")
    @ValueSource(strings = {"16.6.1", "18.0.10"})
    void dotenvBundle_parsedByNpmDotenv_returnsEveryValueByteExact(String version) throws Exception {
        assertDotenvRoundTrip(version, VALUES);
    }

    @ParameterizedTest(name = "dotenv@{0}")
    @ValueSource(strings = {"16.6.1", "18.0.10"})
    void dotenvBundle_randomValuesOfSpecialCharacters_roundTripOrAreRejectedByName(String version) throws Exception {
        Map<String, String> accepted = new LinkedHashMap<>();
        int rejected = 0;
        for (Map.Entry<String, String> e : fuzz(400, 31).entrySet()) {
            try {
                BundleFormat.DOTENV.render(NastyValues.secrets(Map.of(e.getKey(), e.getValue())));
                accepted.put(e.getKey(), e.getValue());
            } catch (OutputException ex) {
                assertThat(ex.getMessage()).contains(e.getKey());
                assertThat(e.getValue()).as("only values with a CR or all three quotes are rejected")
                        .containsAnyOf("\r", "'");
                rejected++;
            }
        }
        assertThat(accepted.size()).as("accepted values (rejected %d)", rejected).isGreaterThan(300);

        assertDotenvRoundTrip(version, accepted);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dash", "busybox ash"})
    void envBundle_randomValuesOfSpecialCharacters_roundTripThroughShell(String shell) throws Exception {
        assertEnvRoundTrip(shell, fuzz(400, 7));
    }

    /** {@code count} values of 0 to 12 characters drawn from the characters quoting gets wrong. */
    private static Map<String, String> fuzz(int count, long seed) {
        String[] alphabet = {"'", "\"", "`", "\\", "\n", "\r", "#", " ", "\t", "=", "$", "(", "{", "a", "n", "r",
                "é", "😀", "!", ":"};
        Random random = new Random(seed);
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            StringBuilder v = new StringBuilder();
            int length = random.nextInt(13);
            for (int j = 0; j < length; j++) {
                v.append(alphabet[random.nextInt(alphabet.length)]);
            }
            values.put("FUZZ_" + i, v.toString());
        }
        return values;
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    /** Sources the env bundle of {@code values} in {@code shell}, prints every variable to a file, compares bytes. */
    private void assertEnvRoundTrip(String shell, Map<String, String> values) throws Exception {
        List<String> command = new ArrayList<>();
        for (String word : shell.split(" ")) {
            command.add(command.isEmpty() ? ExternalTools.require(word, "sh".equals(word) ? "dash" : word) : word);
        }
        Files.write(tmp.resolve("app.env"), BundleFormat.ENV.render(NastyValues.secrets(values)));
        Path out = Files.createDirectory(tmp.resolve("out"));
        StringBuilder script = new StringBuilder("set -e\n. ./app.env\n");
        for (String key : values.keySet()) {
            script.append("printf '%s' \"$").append(key).append("\" > out/").append(key).append('\n');
        }
        Files.writeString(tmp.resolve("print.sh"), script);
        command.add("print.sh");

        ExternalTools.runOk(tmp, command);

        for (Map.Entry<String, String> e : values.entrySet()) {
            assertThat(Files.readAllBytes(out.resolve(e.getKey())))
                    .as("%s = %s via %s", e.getKey(), escape(e.getValue()), shell)
                    .isEqualTo(e.getValue().getBytes(StandardCharsets.UTF_8));
        }
    }

    private void assertDotenvRoundTrip(String version, Map<String, String> values) throws Exception {
        Path prefix = ExternalTools.npmInstall("dotenv@" + version, "dotenv-" + version);
        String node = ExternalTools.require("node", "nodejs");
        Files.write(tmp.resolve(".env"), BundleFormat.DOTENV.render(NastyValues.secrets(values)));
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(tmp.resolve("read.js"), """
                const fs = require('fs');
                const path = require('path');
                const dotenv = require(process.argv[2]);
                const src = fs.readFileSync(process.argv[3]);
                const parsed = dotenv.parse(src);
                // dotenv 18 has a second, faster parser behind an option; older versions ignore it.
                const fast = dotenv.parse(src, { fast: true });
                if (JSON.stringify(fast) !== JSON.stringify(parsed)) { console.error('fast parser differs'); process.exit(3); }
                for (const [k, v] of Object.entries(parsed)) fs.writeFileSync(path.join(process.argv[4], k), v, 'utf8');
                fs.writeFileSync(path.join(process.argv[4], '..keys'), Object.keys(parsed).join('\\n'));
                """);

        ExternalTools.runOk(tmp, List.of(node, "read.js", prefix.resolve("node_modules/dotenv").toString(),
                tmp.resolve(".env").toString(), out.toString()));

        assertThat(Files.readString(out.resolve("..keys")).split("\n", -1))
                .containsExactlyElementsOf(values.keySet());
        for (Map.Entry<String, String> e : values.entrySet()) {
            assertThat(Files.readAllBytes(out.resolve(e.getKey())))
                    .as("%s = %s via dotenv %s", e.getKey(), escape(e.getValue()), version)
                    .isEqualTo(e.getValue().getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void propertiesBundle_loadedByJavaUtilProperties_fromStreamAndReader() throws Exception {
        byte[] bytes = BundleFormat.PROPERTIES.render(NastyValues.secrets(VALUES));

        Properties fromStream = new Properties();
        fromStream.load(new ByteArrayInputStream(bytes));
        Properties fromReader = new Properties();
        fromReader.load(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));

        assertThat(fromStream).containsExactlyInAnyOrderEntriesOf(VALUES);
        assertThat(fromReader).containsExactlyInAnyOrderEntriesOf(VALUES);
        for (byte b : bytes) {
            assertThat(b).as("the file is pure ASCII").isBetween((byte) 0x0a, (byte) 0x7e);
        }
    }

    @Test
    void jsonBundle_readByJackson_returnsEveryValue() throws Exception {
        byte[] bytes = BundleFormat.JSON.render(NastyValues.secrets(VALUES));

        Map<String, String> read = new ObjectMapper().readValue(bytes, new TypeReference<Map<String, String>>() { });

        assertThat(read).containsExactlyEntriesOf(VALUES);
    }
}
