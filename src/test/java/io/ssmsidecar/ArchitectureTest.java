package io.ssmsidecar;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The package rules, checked on the compiled main classes (not the tests). The two tables of docs/architecture.md's
 * "The packages" are the rules themselves: the test reads them, so the page and the code cannot drift apart. Each
 * package uses exactly the packages its "Uses" cell lists (a use the table does not list fails, and so does a listed
 * use the code no longer has), each library outside the JDK's {@code java.*}, {@code javax.*} and {@code jdk.*} is
 * used only by the packages its row names, the local SSM endpoint stands alone, and no two packages need each other.
 * A failure names each offending class, member and line.
 */
@AnalyzeClasses(packages = "io.ssmsidecar", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String ROOT = "io.ssmsidecar";
    @ArchTest
    static final ArchRule localSsmStandsAlone = noClasses()
            .that().resideInAPackage(ROOT + ".localssm..")
            .should().dependOnClassesThat(resideInAPackage(ROOT + "..")
                    .and(not(resideInAnyPackage(ROOT + ".localssm..", ROOT + ".log.."))))
            .because("the local SSM endpoint is a stand-in for AWS: it shares only the logger with the sidecar"
                    + " (held here as well as in the table, so the table cannot loosen it by one edit)");

    /** The root package is a slice of its own, so a cycle through {@code Main}-style classes there counts too. */
    @ArchTest
    static final ArchRule noPackageCycles = slices()
            .assignedFrom(new TopLevelPackages())
            .should().beFreeOfCycles();

    private static final Path ARCHITECTURE = Path.of("docs/architecture.md");
    /** The name the table gives the classes directly in {@link #ROOT}. */
    private static final String ROOT_ROW = ROOT;
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    /**
     * The packages table: each top-level package has a row, each row a package, and each package uses the project
     * packages its "Uses" cell lists, no more and no fewer ("every package" allows any and requires none).
     */
    @ArchTest
    static void eachPackageUsesWhatTheTableLists(JavaClasses classes) throws IOException {
        Map<String, Set<String>> table = packagesTable();
        Map<String, Set<String>> used = new TreeMap<>();
        List<String> unlisted = new ArrayList<>();
        for (JavaClass c : classes) {
            String from = packageOf(c);
            if (from == null) {
                continue;
            }
            used.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = packageOf(d.getTargetClass().getBaseComponentType());
                if (to == null || to.equals(from)) {
                    continue;
                }
                used.get(from).add(to);
                Set<String> allowed = table.get(from);
                if (allowed != null && allowed != EVERY_PACKAGE && !allowed.contains(to)) {
                    unlisted.add(from + " -> " + to + ": " + d.getDescription());
                }
            }
        }
        assertThat(table.keySet()).as("rows of %s's packages table (one per top-level package)", ARCHITECTURE)
                .containsExactlyInAnyOrderElementsOf(used.keySet());
        assertThat(unlisted).as("uses the \"Uses\" column of %s does not list", ARCHITECTURE).isEmpty();
        Map<String, Set<String>> listed = new TreeMap<>(table);
        listed.values().removeIf(allowed -> allowed == EVERY_PACKAGE);
        Map<String, Set<String>> really = new TreeMap<>(used);
        really.keySet().retainAll(listed.keySet());
        assertThat(really).as("what each package uses, against the \"Uses\" column of %s", ARCHITECTURE)
                .isEqualTo(listed);
    }

    /**
     * The libraries table: every class outside the project and outside the JDK's standard packages belongs to a
     * row, only the packages of that row use it, and each of them really does.
     */
    @ArchTest
    static void eachLibraryIsUsedByTheTablesPackagesOnly(JavaClasses classes) throws IOException {
        List<Library> libraries = librariesTable();
        Map<Library, Set<String>> used = new LinkedHashMap<>();
        libraries.forEach(l -> used.put(l, new TreeSet<>()));
        List<String> unlisted = new ArrayList<>();
        for (JavaClass c : classes) {
            String from = packageOf(c);
            if (from == null) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String target = d.getTargetClass().getBaseComponentType().getName();
                if (target.startsWith(ROOT + ".") || isStandardJdk(target) || !target.contains(".")) {
                    continue;
                }
                Library library = libraries.stream().filter(l -> l.covers(target)).findFirst().orElse(null);
                if (library == null) {
                    unlisted.add("no row for " + target + ": " + d.getDescription());
                } else if (!library.packages().contains(from)) {
                    unlisted.add(library.name() + " used by " + from + ": " + d.getDescription());
                } else {
                    used.get(library).add(from);
                }
            }
        }
        assertThat(unlisted).as("library uses %s's libraries table does not list", ARCHITECTURE).isEmpty();
        used.forEach((library, packages) -> assertThat(packages)
                .as("packages using %s (its row in %s)", library.name(), ARCHITECTURE)
                .containsExactlyInAnyOrderElementsOf(library.packages()));
    }

    private static boolean isStandardJdk(String className) {
        return className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.");
    }

    /** The top-level package of a project class as the table names it, or null for a class outside the project. */
    private static String packageOf(JavaClass c) {
        String pkg = c.getPackageName();
        if (pkg.equals(ROOT)) {
            return ROOT_ROW;
        }
        if (!pkg.startsWith(ROOT + ".")) {
            return null;
        }
        String rest = pkg.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    private static final Set<String> EVERY_PACKAGE = Set.of("(every package)");

    /** Package -> the packages its "Uses" cell lists: {@code nothing}, {@code every package} or backticked names. */
    private static Map<String, Set<String>> packagesTable() throws IOException {
        Map<String, Set<String>> table = new TreeMap<>();
        for (List<String> row : table("| Package | What it does | Uses |")) {
            String pkg = onlyCode(row.get(0));
            String uses = row.get(2).strip();
            Set<String> names = codes(uses);
            if (names.isEmpty()) {
                assertThat(uses).as("the Uses cell of %s names packages in backticks, or is one of", pkg)
                        .isIn("nothing", "every package");
            }
            assertThat(table.put(pkg, uses.equals("every package") ? EVERY_PACKAGE : names))
                    .as("rows for %s", pkg).isNull();
        }
        assertThat(table).as("the packages table of %s", ARCHITECTURE).isNotEmpty();
        return table;
    }

    private record Library(String name, Set<String> prefixes, Set<String> packages) {
        boolean covers(String className) {
            return prefixes.stream().anyMatch(p -> className.startsWith(p + "."));
        }
    }

    /** Each row: the library's name, its Java packages (prefixes, backticked) and the packages that may use it. */
    private static List<Library> librariesTable() throws IOException {
        List<Library> libraries = new ArrayList<>();
        for (List<String> row : table("| Library | Its Java packages | Used by |")) {
            libraries.add(new Library(row.get(0).strip(), codes(row.get(1)), codes(row.get(2))));
        }
        assertThat(libraries).as("the libraries table of %s", ARCHITECTURE).isNotEmpty();
        return libraries;
    }

    /** The body rows of the Markdown table whose header line is {@code header}, as cells. */
    private static List<List<String>> table(String header) throws IOException {
        List<String> lines = Files.readAllLines(ARCHITECTURE);
        int start = lines.indexOf(header);
        assertThat(start).as("a table headed %s in %s", header, ARCHITECTURE).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String line = lines.get(i);
            rows.add(List.of(line.substring(1, line.length() - 1).split("\\|", -1)));
        }
        return rows;
    }

    private static Set<String> codes(String cell) {
        Set<String> names = new TreeSet<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String onlyCode(String cell) {
        Matcher m = CODE.matcher(cell.strip());
        assertThat(m.matches()).as("a table's first cell is one backticked name: %s", cell).isTrue();
        return m.group(1);
    }

    /** {@code io.ssmsidecar.X..} is slice X; classes directly in {@code io.ssmsidecar} are the slice "(root)". */
    private static final class TopLevelPackages implements SliceAssignment {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String pkg = javaClass.getPackageName();
            if (pkg.equals(ROOT)) {
                return SliceIdentifier.of("(root)");
            }
            if (!pkg.startsWith(ROOT + ".")) {
                return SliceIdentifier.ignore();
            }
            String rest = pkg.substring(ROOT.length() + 1);
            int dot = rest.indexOf('.');
            return SliceIdentifier.of(dot < 0 ? rest : rest.substring(0, dot));
        }

        @Override
        public String getDescription() {
            return "the top-level packages of " + ROOT + " and the root package itself";
        }
    }
}
