package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.kafka.KafkaPreflight;
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
  @Mixin FeedbackDataOptions feedback = new FeedbackDataOptions();

  @Option(
      names = "--labels-topic",
      defaultValue = "labels",
      description = "With --feedback: topic of the outcomes' labels (default: ${DEFAULT-VALUE}).")
  String labelsTopic;

  @Option(
      names = "--label-format",
      defaultValue = "avro",
      description = "With --feedback: labels as avro or json (default: ${DEFAULT-VALUE}).")
  String labelFormat;

  @Option(
      names = "--outcomes",
      defaultValue = "clicks",
      paramLabel = "clicks|values",
      description =
          "With --feedback: clicks (0/1 drawn from the true click probability, for logistic models) or values (the true output plus --noise, for regression) (default: ${DEFAULT-VALUE}).")
  String outcomes;

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
      names = "--requests",
      defaultValue = "0",
      description =
          "Write this many prediction requests for the synthetic models instead of samples (their true outputs, noise-free, are known from --seed) (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(
      names = "--requests-topic",
      defaultValue = "requests",
      description = "Topic of prediction requests (default: ${DEFAULT-VALUE}).")
  String requestsTopic;

  @Option(
      names = "--sample-format",
      defaultValue = "avro",
      description =
          "Write samples as avro (single-object encoding) or json (what train --sample-format json reads) (default: ${DEFAULT-VALUE}).")
  String sampleFormat;

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
    Check.atLeast("--requests", requests, 0);
    Check.oneOf("--sample-format", sampleFormat, "avro", "json");
    if (requests > 0 && csv != null) {
      throw new BadOption("--requests makes synthetic requests; it cannot read --csv");
    }
    if (csv == null) {
      data.validate();
      if (data.sparse) {
        Check.atLeast("--features", features, 0); // click data may be tokens only
      } else {
        Check.positive("--features", features);
      }
    } else {
      Check.notBlank("--model-id", csvModelId);
      if (!Files.isRegularFile(csv)) {
        throw new BadOption("--csv " + csv + ": no such file");
      }
    }
    if (feedback.feedback) {
      return produceFeedback();
    }
    if (requests > 0) {
      Check.notBlank("--requests-topic", requestsTopic);
      try (KafkaPreflight check = kafka.preflight()) {
        check.requireTopicsOrAutoCreation("where the requests go", List.of(requestsTopic));
      }
      SampleProducer.Requests r =
          SampleProducer.produceRequests(
              kafka, data, features, requestsTopic, requests, rate, progress ? System.err : null);
      System.out.println("produced " + r.produced() + " requests to " + requestsTopic);
      return 0;
    }
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopicsOrAutoCreation("where the samples go", List.of(kafka.samplesTopic));
    }
    SampleProducer.Result r =
        SampleProducer.produce(
            kafka,
            data,
            features,
            csv,
            csvModelId,
            rate,
            progress ? System.err : null,
            sampleFormat.equals("json"));
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

  /** Requests and their delayed outcomes, in the order they would arrive. */
  private int produceFeedback() throws Exception {
    if (csv != null || requests > 0) {
      throw new BadOption("--feedback makes its own requests: not with --csv or --requests");
    }
    feedback.validate();
    Check.oneOf("--outcomes", outcomes, "clicks", "values");
    Check.oneOf("--label-format", labelFormat, "avro", "json");
    Check.notBlank("--requests-topic", requestsTopic);
    Check.notBlank("--labels-topic", labelsTopic);
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopicsOrAutoCreation(
          "where the requests and labels go", List.of(requestsTopic, labelsTopic));
    }
    FeedbackProducer.Result r =
        FeedbackProducer.produce(
            kafka,
            data,
            feedback,
            data.generator(features),
            outcomes.equals("clicks"),
            requestsTopic,
            labelsTopic,
            null,
            labelFormat.equals("json"),
            progress ? System.err : null);
    System.out.printf(
        "produced %d requests to %s and %d labels to %s (%d late on purpose), event times %s to"
            + " %s%n",
        r.events(),
        requestsTopic,
        r.labels(),
        labelsTopic,
        r.lateLabels(),
        java.time.Instant.ofEpochMilli(r.firstEventMillis()),
        java.time.Instant.ofEpochMilli(r.lastEventMillis()));
    return 0;
  }
}
