package io.streamgrad.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module map as rules the build enforces: arrows one way between packages, the engine, the
 * models and the training core free of Flink, Flink's operators free of the jobs around them.
 */
@AnalyzeClasses(packages = "io.streamgrad", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noPackageCycles =
      slices().matching("io.streamgrad.(**)").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule engineModelsAndCoreKnowNoFlink =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.streamgrad.autograd..",
              "io.streamgrad.nn..",
              "io.streamgrad.online..",
              "io.streamgrad.export..",
              "io.streamgrad.schemas..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.flink..")
          .because("the engine, the models, the training core and the exporter run without Flink");

  @ArchTest
  static final ArchRule coreKnowsNoOperatorsOrJobs =
      noClasses()
          .that()
          .resideInAnyPackage(
              "io.streamgrad.autograd..",
              "io.streamgrad.nn..",
              "io.streamgrad.online..",
              "io.streamgrad.export..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.streamgrad.flink..", "io.streamgrad.jobs..");

  @ArchTest
  static final ArchRule operatorsKnowNoJobs =
      noClasses()
          .that()
          .resideInAPackage("io.streamgrad.flink..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.streamgrad.jobs..");

  @ArchTest
  static final ArchRule productionGraphsHaveNoChaos =
      noClasses()
          .that()
          .resideInAPackage("io.streamgrad.jobs.graph..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.streamgrad.jobs.demo..", "io.streamgrad.jobs.cli..")
          .because("failure injection is added by local and tests as an InputTap");
}
