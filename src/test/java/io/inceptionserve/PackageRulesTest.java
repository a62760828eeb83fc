package io.inceptionserve;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packages and arrows of docs/architecture.md, checked on the compiled main classes. */
class PackageRulesTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.inceptionserve");
    }

    @Test
    void packagesFormNoCycle() {
        slices().matching("io.inceptionserve.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void arrowsPointOneWay() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("api")
                .definedBy("io.inceptionserve.api..")
                .layer("oip")
                .definedBy("io.inceptionserve.oip..")
                .layer("web")
                .definedBy("io.inceptionserve.web..")
                .layer("security")
                .definedBy("io.inceptionserve.security..")
                .layer("config")
                .definedBy("io.inceptionserve.config..")
                .layer("inference")
                .definedBy("io.inceptionserve.inference..")
                .layer("serving")
                .definedBy("io.inceptionserve.serving..")
                .layer("repository")
                .definedBy("io.inceptionserve.repository..")
                .layer("observability")
                .definedBy("io.inceptionserve.observability..")
                .layer("training")
                .definedBy("io.inceptionserve.training..")
                .layer("importer")
                .definedBy("io.inceptionserve.importer..")
                .layer("image")
                .definedBy("io.inceptionserve.image..")
                .layer("artifact")
                .definedBy("io.inceptionserve.artifact..")
                .layer("model")
                .definedBy("io.inceptionserve.model")
                .layer("networks")
                .definedBy(
                        "io.inceptionserve.model.googlenet..",
                        "io.inceptionserve.model.inceptionv2..",
                        "io.inceptionserve.model.inceptionv3..")
                .layer("inferenceform")
                .definedBy("io.inceptionserve.model.inferenceform..")
                .layer("blocks")
                .definedBy("io.inceptionserve.model.blocks..")
                .whereLayer("api")
                .mayOnlyAccessLayers("web", "inference", "serving", "image", "artifact", "config")
                .whereLayer("oip")
                .mayOnlyAccessLayers("web", "inference", "serving", "image", "artifact", "config")
                .whereLayer("web")
                .mayOnlyAccessLayers("config")
                .whereLayer("security")
                .mayOnlyAccessLayers("web", "config")
                .whereLayer("config")
                .mayOnlyAccessLayers("model")
                .whereLayer("inference")
                .mayOnlyAccessLayers("serving", "repository", "image", "artifact", "model", "config", "observability")
                .whereLayer("repository")
                .mayOnlyAccessLayers("artifact")
                .whereLayer("serving")
                .mayOnlyAccessLayers("repository", "artifact", "model")
                .whereLayer("observability")
                .mayNotAccessAnyLayer()
                .whereLayer("training")
                .mayOnlyAccessLayers("importer", "image", "artifact", "model", "networks", "inferenceform", "blocks")
                .whereLayer("importer")
                .mayOnlyAccessLayers("image", "artifact", "model", "networks", "inferenceform", "blocks")
                .whereLayer("image")
                .mayOnlyAccessLayers("artifact")
                .whereLayer("artifact")
                .mayOnlyAccessLayers("model", "networks", "inferenceform", "blocks")
                .whereLayer("model")
                .mayOnlyAccessLayers("networks", "blocks")
                .whereLayer("networks")
                .mayOnlyAccessLayers("blocks")
                .whereLayer("inferenceform")
                .mayOnlyAccessLayers("model", "blocks")
                .whereLayer("blocks")
                .mayNotAccessAnyLayer()
                .check(classes);
    }

    @Test
    void offlineToolsAndNetworksRunWithoutSpring() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.inceptionserve.serving..",
                        "io.inceptionserve.repository..",
                        "io.inceptionserve.model..",
                        "io.inceptionserve.artifact..",
                        "io.inceptionserve.image..",
                        "io.inceptionserve.training..",
                        "io.inceptionserve.importer..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework..")
                .check(classes);
    }
}
