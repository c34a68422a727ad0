package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.KafkaPreflight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Feeds samples to Kafka, keyed by model id: synthetic (the tutorial's) or from a CSV file. */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = "Produce samples to Kafka, keyed by model id.")
public final class ProduceCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin SyntheticDataOptions data = new SyntheticDataOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--features",
      defaultValue = "16",
      description = "Features per synthetic sample (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(
      names = "--csv",
      description =
          "Read samples from this CSV file (numbers, last column the label) instead of generating them.")
  Path csv;

  @Option(
      names = "--model-id",
      defaultValue = "default",
      description = "Model id of CSV samples (default: ${DEFAULT-VALUE}).")
  String csvModelId;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description =
          "Samples per second at most; 0 = as fast as possible (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--progress",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Show a progress bar on stderr.")
  boolean progress;

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    Check.nonNegativeFinite("--rate", rate);
    if (csv == null) {
      data.validate();
      Check.positive("--features", features);
    } else {
      Check.notBlank("--model-id", csvModelId);
      if (!Files.isRegularFile(csv)) {
        throw new BadOption("--csv " + csv + ": no such file");
      }
    }
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopicsOrAutoCreation("where the samples go", List.of(kafka.samplesTopic));
    }
    SampleProducer.Result r =
        SampleProducer.produce(
            kafka, data, features, csv, csvModelId, rate, progress ? System.err : null);
    System.out.println(
        "produced "
            + r.produced()
            + " records to "
            + kafka.samplesTopic
            + (r.corrupted() > 0 ? " (" + r.corrupted() + " of them bad on purpose)" : ""));
    if (!r.trueWeights().isEmpty()) {
      System.out.println("true weights: " + Json.weights(r.trueWeights()));
    }
    return 0;
  }
}
