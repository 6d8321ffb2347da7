package io.ssmsidecar;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The package rules the javadoc and STYLE.md state, checked on the compiled main classes (not the tests): each
 * third-party library stays in the one package that wraps it, the local SSM endpoint stands alone, and no two
 * packages need each other. A failure names each offending class, member and line.
 */
@AnalyzeClasses(packages = "io.ssmsidecar", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    private static final String ROOT = "io.ssmsidecar";
    private static final String[] AWS_SDK = {"software.amazon.awssdk.."};
    private static final String[] JAVALIN_JETTY = {"io.javalin..", "org.eclipse.jetty..", "jakarta.servlet.."};
    private static final String[] MICROMETER_PROMETHEUS = {"io.micrometer..", "io.prometheus.."};

    @ArchTest
    static final ArchRule awsSdkOnlyInSource = onlyIn(".source..",
            "the SSM implementation of ParameterSource is the only code that talks to AWS", AWS_SDK);

    @ArchTest
    static final ArchRule javalinAndJettyOnlyInHttp = onlyIn(".http..",
            "the HTTP API is the only code that uses the web server", JAVALIN_JETTY);

    @ArchTest
    static final ArchRule micrometerOnlyInMetrics = onlyIn(".metrics..",
            "everything else records through the small metrics interface", MICROMETER_PROMETHEUS);

    @ArchTest
    static final ArchRule localSsmStandsAlone = noClasses()
            .that().resideInAPackage(ROOT + ".localssm..")
            .should().dependOnClassesThat(resideInAPackage(ROOT + "..")
                    .and(not(resideInAnyPackage(ROOT + ".localssm..", ROOT + ".log.."))))
            .because("the local SSM endpoint is a stand-in for AWS: it shares only the logger with the sidecar");

    /** The root package is a slice of its own, so a cycle through {@code Main}-style classes there counts too. */
    @ArchTest
    static final ArchRule noPackageCycles = slices()
            .assignedFrom(new TopLevelPackages())
            .should().beFreeOfCycles();

    /**
     * The rules above pass trivially when a package name in them is misspelt: each wrapped library must really be
     * used by its own package.
     */
    @ArchTest
    static void eachWrappedLibraryIsUsedWhereTheRulesAllowIt(JavaClasses classes) {
        assertThat(usesAny(classes, ROOT + ".source..", AWS_SDK)).as("source uses the AWS SDK").isTrue();
        assertThat(usesAny(classes, ROOT + ".http..", JAVALIN_JETTY)).as("http uses Javalin").isTrue();
        assertThat(usesAny(classes, ROOT + ".metrics..", MICROMETER_PROMETHEUS)).as("metrics uses Micrometer").isTrue();
        assertThat(usesAny(classes, ROOT + ".localssm..", ROOT + ".log..")).as("localssm uses log").isTrue();
    }

    /** No class outside {@code ROOT + home} uses any of {@code libraries}. */
    private static ArchRule onlyIn(String home, String because, String... libraries) {
        return noClasses()
                .that().resideOutsideOfPackage(ROOT + home)
                .should().dependOnClassesThat().resideInAnyPackage(libraries)
                .because(because);
    }

    private static boolean usesAny(JavaClasses classes, String origin, String... targets) {
        return classes.stream()
                .filter(resideInAPackage(origin))
                .flatMap(c -> c.getDirectDependenciesFromSelf().stream())
                .anyMatch(d -> resideInAnyPackage(targets).test(d.getTargetClass()));
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
