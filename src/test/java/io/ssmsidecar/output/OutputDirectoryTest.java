package io.ssmsidecar.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ssmsidecar.log.CapturedLog;
import io.ssmsidecar.log.Log;
import io.ssmsidecar.metrics.Metrics;
import io.ssmsidecar.testing.RecordingMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputDirectoryTest {
    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("secrets");
    }

    private static Set<String> entries(Path dir) throws Exception {
        // The lock file of a directory's owner is there from open on; the tests look at what the writer made.
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(DirectoryLock.NAME))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    private static Set<String> versionDirs(Path dir) throws Exception {
        return entries(dir).stream().filter(n -> AtomicSetWriter.VERSION_DIR.matcher(n).matches())
                .collect(Collectors.toSet());
    }

    @Test
    void write_createsStableTopLevelLinksIntoTheLiveVersion_withMode0440() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());

        out.write(Snapshots.of(Map.of("DB_PASSWORD", "s3cr3t", "API_KEY", "k")));

        Path data = dir().resolve("..data");
        assertThat(data).isSymbolicLink();
        String version = Files.readSymbolicLink(data).toString();
        assertThat(version).matches("\\.\\.\\d{4}_\\d{2}_\\d{2}_\\d{2}_\\d{2}_\\d{2}\\.\\d{9}");
        assertThat(entries(dir())).containsExactlyInAnyOrder("..data", version, "API_KEY", "DB_PASSWORD");
        assertThat(Files.readSymbolicLink(dir().resolve("DB_PASSWORD"))).isEqualTo(Path.of("..data/DB_PASSWORD"));
        assertThat(read(dir().resolve("DB_PASSWORD"))).isEqualTo("s3cr3t");
        assertThat(read(dir().resolve("API_KEY"))).isEqualTo("k");
        assertThat(mode(dir().resolve("DB_PASSWORD"))).isEqualTo("r--r-----");
        assertThat(mode(dir().resolve(version))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void write_nextSet_swapsData_removesOldVersionAndLinksOfVanishedKeys() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());
        out.write(Snapshots.of(1, Map.of("A", "a1", "B", "b1")));
        String first = Files.readSymbolicLink(dir().resolve("..data")).toString();

        out.write(Snapshots.of(2, Map.of("B", "b2", "C", "c2")));

        String second = Files.readSymbolicLink(dir().resolve("..data")).toString();
        assertThat(second).isNotEqualTo(first);
        assertThat(entries(dir())).containsExactlyInAnyOrder("..data", second, "B", "C");
        assertThat(read(dir().resolve("B"))).isEqualTo("b2");
        assertThat(read(dir().resolve("C"))).isEqualTo("c2");
    }

    @Test
    void write_bundlesAndTemplates_areWrittenInTheSameSet_withTheirOwnModes() throws Exception {
        Path template = Files.writeString(tmp.resolve("db.tmpl"), "url=jdbc:pg://{{ DB#host }}/app\npw={{ DB#pw | properties }}\n");
        OutputOptions options = OutputOptions.of(dir()).withFileMode(0400)
                .withBundle("env", "app.env", 0444)
                .withBundle("dotenv", "app.dotenv", 0440)
                .withBundle("properties", "app.properties", 0440)
                .withBundle("json", "secrets.json", 0400)
                .withTemplate(template, "db.properties", 0640);
        OutputDirectory out = OutputDirectory.open(options, Metrics.noop());

        out.write(Snapshots.of(Map.of("DB", "{\"host\":\"h\",\"pw\":\"p=w\"}", "TOKEN", "t'k")));

        assertThat(entries(dir())).contains("DB", "TOKEN", "app.env", "app.dotenv", "app.properties",
                "secrets.json", "db.properties");
        assertThat(read(dir().resolve("app.env"))).isEqualTo(
                "export DB='{\"host\":\"h\",\"pw\":\"p=w\"}'\nexport TOKEN='t'\\''k'\n");
        assertThat(read(dir().resolve("app.dotenv"))).isEqualTo("DB='{\"host\":\"h\",\"pw\":\"p=w\"}'\nTOKEN=\"t'k\"\n");
        Properties p = new Properties();
        try (var in = Files.newInputStream(dir().resolve("db.properties"))) {
            p.load(in);
        }
        assertThat(p).containsEntry("url", "jdbc:pg://h/app").containsEntry("pw", "p=w");
        assertThat(read(dir().resolve("secrets.json"))).contains("\"TOKEN\" : \"t'k\"");
        assertThat(mode(dir().resolve("TOKEN"))).isEqualTo("r--------");
        assertThat(mode(dir().resolve("app.env"))).isEqualTo("r--r--r--");
        assertThat(mode(dir().resolve("secrets.json"))).isEqualTo("r--------");
        assertThat(mode(dir().resolve("db.properties"))).isEqualTo("rw-r-----");
        assertThat(Files.readSymbolicLink(dir().resolve("app.env"))).isEqualTo(Path.of("..data/app.env"));
    }

    @Test
    void write_replacesARegularFileLeftAtAKeyName_byTheLink() throws Exception {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("A"), "written by an older, non-atomic tool");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());

        out.write(Snapshots.of(Map.of("A", "new")));

        assertThat(dir().resolve("A")).isSymbolicLink();
        assertThat(read(dir().resolve("A"))).isEqualTo("new");
    }

    @Test
    void write_refusesWhenADirectoryIsInTheWayOfAName_andChangesNothing() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), metrics);
        out.write(Snapshots.of(1, Map.of("A", "a1")));
        Files.createDirectory(dir().resolve("B"));
        Set<String> before = entries(dir());

        assertThatThrownBy(() -> out.write(Snapshots.of(2, Map.of("A", "a2", "B", "b2"))))
                .isInstanceOf(OutputException.class)
                .hasMessage(dir().resolve("B") + " is a directory, so the file B cannot be written there; remove it");

        assertThat(entries(dir())).isEqualTo(before);
        assertThat(read(dir().resolve("A"))).isEqualTo("a1");
        assertThat(metrics.writesFailed).hasValue(1);
        assertThat(metrics.writesOk).hasValue(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "a/b", "../escape", "/abs", "x\0y", ".hidden", "..data", "%2F", "a%2Fb",
            "with space", "new\nline", "", "ÜBER"})
    void write_rejectsKeysThatAreNotPlainFileNames_andWritesNothing(String key) throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), metrics);
        out.write(Snapshots.of(1, Map.of("SAFE", "v1")));
        Set<String> before = entries(dir());
        Set<String> outside = entries(tmp);

        assertThatThrownBy(() -> out.write(Snapshots.of(2, Map.of("SAFE", "v2", key, "x"))))
                .isInstanceOf(OutputException.class)
                .hasMessageContaining("is not a plain file name for the output directory");

        assertThat(entries(dir())).isEqualTo(before);
        assertThat(entries(tmp)).isEqualTo(outside);
        assertThat(Path.of("/abs")).doesNotExist();
        assertThat(read(dir().resolve("SAFE"))).isEqualTo("v1");
        assertThat(metrics.writesFailed).hasValue(1);
    }

    @Test
    void write_rejectsA300CharacterKey() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());

        assertThatThrownBy(() -> out.write(Snapshots.of(Map.of("K".repeat(300), "x"))))
                .isInstanceOf(OutputException.class)
                .hasMessageContaining("...(300 characters)' is not a plain file name");
        assertThat(entries(dir())).isEmpty();
    }

    @Test
    void write_rejectsAKeyNamedLikeABundleFile() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()).withBundle("json", "ALL", 0440),
                Metrics.noop());

        assertThatThrownBy(() -> out.write(Snapshots.of(Map.of("ALL", "x"))))
                .isInstanceOf(OutputException.class)
                .hasMessage("key ALL and the json bundle would both be written to " + dir().resolve("ALL")
                        + "; rename the bundle file");
    }

    @Test
    void write_keyThatIsNoVariableName_failsTheEnvBundle_namingKey_andWritesNothing() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()).withBundle("env", "app.env", 0440), metrics);

        assertThatThrownBy(() -> out.write(Snapshots.of(Map.of("my-key", "x"))))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("env bundle app.env: key 'my-key' cannot be written to the env bundle");
        assertThat(entries(dir())).isEmpty();
        assertThat(metrics.writesFailed).hasValue(1);
    }

    @Test
    void write_templateNamingAnUnknownKey_failsNamingTemplateLineAndKey() throws Exception {
        Path template = Files.writeString(tmp.resolve("app.tmpl"), "a={{ A }}\nb={{ B }}\n");
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()).withTemplate(template, "app.conf", 0440),
                Metrics.noop());

        assertThatThrownBy(() -> out.write(Snapshots.of(Map.of("A", "x"))))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("template " + template + " line 2: unknown key B (the loaded keys are A)");
        assertThat(entries(dir())).isEmpty();
    }

    @Test
    void open_createsAMissingDirectory() throws Exception {
        Path nested = tmp.resolve("a/b/secrets");

        OutputDirectory out = OutputDirectory.open(OutputOptions.of(nested), Metrics.noop());

        assertThat(out.path()).isEqualTo(nested);
        assertThat(nested).isDirectory();
        assertThat(entries(nested)).as("the probe files are removed").isEmpty();
    }

    @Test
    void open_rejectsAPathThatIsAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(file), Metrics.noop()))
                .isInstanceOf(OutputException.class)
                .hasMessage("output directory " + file + " exists but is not a directory; point SIDECAR_OUTPUT_DIR"
                        + " at a directory (mount the volume's directory, not a file)");
    }

    @Test
    void open_rejectsADirectoryThatCannotBeCreated() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path below = file.resolve("secrets");

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(below), Metrics.noop()))
                .isInstanceOf(OutputException.class)
                .hasMessageStartingWith("output directory " + below + " does not exist and cannot be created: ")
                .hasMessageEndingWith("; create it or mount a volume there (SIDECAR_OUTPUT_DIR)");
    }

    @Test
    void open_refusesAnUnknownBundleKindOrAMissingTemplate_beforeTouchingTheDirectory() {
        // Modes, kinds, names and duplicates of the settings are checked once, by config.Validator
        // (SettingsLoaderTest); open turns kinds into formats and reads the templates before anything else.
        OutputOptions base = OutputOptions.of(dir());
        assertThatThrownBy(() -> OutputDirectory.open(base.withBundle("yaml", "a.yaml", 0440), Metrics.noop()))
                .hasMessageStartingWith("unknown bundle kind 'yaml'");
        assertThatThrownBy(() -> OutputDirectory.open(base.withTemplate(tmp.resolve("nope"), "out", 0440),
                Metrics.noop()))
                .isInstanceOf(OutputConfigException.class)
                .hasMessageStartingWith("template " + tmp.resolve("nope") + " cannot be read: no such file");
        assertThat(dir()).as("nothing is created before the templates are read").doesNotExist();
    }

    @Test
    void write_refusesNamesThatLeaveTheDirectoryOrRepeat_evenWhenNoValidatorSawThem() throws Exception {
        Path template = tmp.resolve("t.tmpl");
        Files.writeString(template, "x");
        OutputOptions base = OutputOptions.of(dir());
        Map<String, String> secrets = Map.of("A", "a");

        try (OutputDirectory out = OutputDirectory.open(base.withBundle("env", "../app.env", 0440), Metrics.noop())) {
            assertThatThrownBy(() -> out.write(Snapshots.of(secrets)))
                    .hasMessageStartingWith("file name '../app.env' is not a plain file name");
        }
        try (OutputDirectory out = OutputDirectory.open(base.withTemplate(template, "/etc/passwd", 0440),
                Metrics.noop())) {
            assertThatThrownBy(() -> out.write(Snapshots.of(secrets)))
                    .hasMessageStartingWith("file name '/etc/passwd' is not a plain file name");
        }
        try (OutputDirectory out = OutputDirectory.open(
                base.withBundle("env", "x", 0440).withBundle("json", "x", 0440), Metrics.noop())) {
            assertThatThrownBy(() -> out.write(Snapshots.of(secrets)))
                    .hasMessage("file name x is twice in the set for " + dir());
        }
        assertThat(tmp.resolve("app.env")).doesNotExist();
        assertThat(entries(dir())).as("nothing written").isEmpty();
    }

    @Test
    void open_removesLeftoversOfACrashedWrite_andKeepsTheLiveSetAndOtherFiles() throws Exception {
        OutputDirectory first = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());
        first.write(Snapshots.of(Map.of("A", "a", "B", "b")));
        first.writeFile(".token", "tok".getBytes(StandardCharsets.UTF_8), 0600);
        String live = Files.readSymbolicLink(dir().resolve("..data")).toString();
        // What a crash at various points leaves behind:
        Path orphan = Files.createDirectory(dir().resolve("..2020_01_01_00_00_00.000000001"));
        Files.writeString(orphan.resolve("A"), "half");
        Files.createSymbolicLink(dir().resolve("..data_tmp"), orphan.getFileName());
        Files.writeString(dir().resolve("..tmp..token.123456789"), "partial token");
        Files.createSymbolicLink(dir().resolve("GONE"), Path.of("..data/GONE"));
        Files.writeString(dir().resolve("notes.txt"), "the user's own file");
        first.close();

        OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());

        assertThat(entries(dir())).containsExactlyInAnyOrder("..data", live, ".token", "A", "B", "notes.txt");
        assertThat(read(dir().resolve("A"))).isEqualTo("a");
    }

    @Test
    void writeFile_writesATopLevelRegularFileAtomically_withItsMode() throws Exception {
        RecordingMetrics metrics = new RecordingMetrics();
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), metrics);

        out.writeFile(".token", "first".getBytes(StandardCharsets.UTF_8), 0600);
        out.writeFile(".token", "second".getBytes(StandardCharsets.UTF_8), 0640);

        Path token = dir().resolve(".token");
        assertThat(Files.isRegularFile(token, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(read(token)).isEqualTo("second");
        assertThat(mode(token)).isEqualTo("rw-r-----");
        assertThat(entries(dir())).containsExactly(".token");
        assertThat(metrics.writesOk).hasValue(2);
    }

    @Test
    void writeFile_rejectsPathsAndNamesOfTheSecretsSet() throws Exception {
        OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()).withBundle("env", "app.env", 0440),
                Metrics.noop());
        out.write(Snapshots.of(Map.of("A", "a")));
        byte[] x = {'x'};

        for (String bad : List.of("../x", "a/b", "..data", "..hidden", "", "/abs")) {
            assertThatThrownBy(() -> out.writeFile(bad, x, 0600)).as(bad).isInstanceOf(OutputException.class)
                    .hasMessageContaining("is not a plain file name");
        }
        assertThatThrownBy(() -> out.writeFile("A", x, 0600))
                .hasMessage("file name A in " + dir() + " is already used by the secrets set");
        assertThatThrownBy(() -> out.writeFile("app.env", x, 0600))
                .hasMessage("file name app.env in " + dir() + " is already used by the secrets set");
        assertThat(read(dir().resolve("A"))).isEqualTo("a");
    }

    @Test
    void open_aDirectoryThisProcessOwns_isRefusedNamingItAndThePid_untilTheOwnerCloses() throws Exception {
        OutputDirectory owner = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop());
        owner.write(Snapshots.of(Map.of("A", "a")));

        assertThatThrownBy(() -> OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop()))
                .isInstanceOf(OutputDirectoryInUseException.class)
                .hasMessageStartingWith("output directory " + dir() + " is in use by another ssm-sidecar (pid "
                        + ProcessHandle.current().pid() + ", this process); nothing was changed");
        assertThat(Files.readString(dir().resolve(".lock")).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
        owner.write(Snapshots.of(Map.of("A", "a2")));
        assertThat(read(dir().resolve("A"))).as("the owner's lock survived the refused attempt").isEqualTo("a2");

        owner.close();
        try (OutputDirectory next = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop())) {
            next.write(Snapshots.of(Map.of("A", "a3")));
            assertThat(Files.exists(dir().resolve(".lock"), LinkOption.NOFOLLOW_LINKS)).as("never cleaned").isTrue();
        }
    }

    @Test
    void writeFile_refusesTheLockFile() throws Exception {
        try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(dir()), Metrics.noop())) {
            assertThatThrownBy(() -> out.writeFile(".lock", new byte[] {'1'}, 0600))
                    .hasMessage("file name .lock in " + dir() + " is already used by the secrets set");
        }
    }

    @Test
    void open_createsMissingDirectoriesWithMode0755() throws Exception {
        Path nested = tmp.resolve("m/n/secrets");
        try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(nested), Metrics.noop())) {
            for (Path p : List.of(tmp.resolve("m"), tmp.resolve("m/n"), nested)) {
                assertThat(mode(p)).as("%s", p).isEqualTo("rwxr-xr-x");
            }
        }
    }

    @Test
    void open_aDirectoryEveryUserMayWrite_withoutTheStickyBit_warnsOnce_andWorks() throws Exception {
        Path open = Files.createDirectories(tmp.resolve("emptydir"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path sticky = Files.createDirectories(tmp.resolve("sticky"));
        try (CapturedLog log = CapturedLog.start(Log.Format.TEXT, Log.Level.INFO)) {
            try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(open), Metrics.noop())) {
                out.write(Snapshots.of(Map.of("A", "a")));
            }
            assertThat(read(open.resolve("A"))).isEqualTo("a");
            assertThat(log.text().lines().filter(l -> l.contains("WARN")).toList()).singleElement().asString()
                    .contains("output directory is writable by every user and has no sticky bit")
                    .contains("can replace or delete the secret files the app reads").contains("dir=" + open)
                    .contains("mode=0777");

            new ProcessBuilder("chmod", "1777", sticky.toString()).inheritIO().start().waitFor();
            try (OutputDirectory out = OutputDirectory.open(OutputOptions.of(sticky), Metrics.noop())) {
                out.write(Snapshots.of(Map.of("A", "a")));
            }
            assertThat(log.text().lines().filter(l -> l.contains("WARN"))).as("1777 like /tmp is fine").hasSize(1);
        }
    }
}
