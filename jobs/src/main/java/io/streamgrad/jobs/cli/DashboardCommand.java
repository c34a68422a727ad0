package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.dashboard.Dashboard;
import io.streamgrad.jobs.dashboard.FlinkRestarts;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The live dashboard of a training job's models, in the browser. */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description =
        "Serve a live dashboard of the models (loss curves, versions, weights, dead letters) read from the snapshot and dead-letter topics, until interrupted.")
public final class DashboardCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin DashboardOptions dashboard = new DashboardOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--predictions-topic",
      defaultValue = "predictions",
      description =
          "Topic of predictions, counted per model when it exists (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--true-weights",
      description =
          "JSON file of the true weights, {\"model-0\": [..], ...} as `produce` prints them: adds the distance to them over time.")
  Path trueWeights;

  @Option(
      names = "--flink-rest",
      paramLabel = "URL",
      description =
          "The Flink cluster's REST address (e.g. http://jobmanager:8081): the page shows its jobs' restarts.")
  String flinkRest;

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    dashboard.validate();
    if (trueWeights != null && !Files.isRegularFile(trueWeights)) {
      throw new BadOption("--true-weights " + trueWeights + ": no such file");
    }
    // The broker must answer; topics may come later (the page says it waits for them).
    try (KafkaPreflight check = kafka.preflight()) {
      // reachable
    }
    try (Dashboard d =
        dashboard.start(
            kafka,
            predictionsTopic,
            trueWeights == null ? Map.of() : SnapshotTable.readWeights(trueWeights))) {
      FlinkRestarts restarts = null;
      if (flinkRest != null) {
        restarts = new FlinkRestarts(flinkRest);
        d.board().restarts(restarts);
      }
      System.err.println(
          "streamgrad dashboard at "
              + d.url()
              + " (snapshots '"
              + kafka.snapshotsTopic
              + "', dead letters '"
              + kafka.deadLettersTopic
              + "' on "
              + kafka.bootstrapServers
              + "); Ctrl-C to stop");
      try {
        new CountDownLatch(1).await(); // until interrupted
      } finally {
        if (restarts != null) {
          restarts.close();
        }
      }
    }
    return 0;
  }
}
