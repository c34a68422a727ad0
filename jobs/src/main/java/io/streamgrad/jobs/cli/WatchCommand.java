package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.kafka.KafkaPreflight;
import io.streamgrad.schemas.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Prints the snapshot stream as a table, one row per snapshot, with the distance to known true
 * weights.
 */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = "Print weight snapshots as they arrive.")
public final class WatchCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin VerboseOption verbose = new VerboseOption();

  @Option(
      names = "--idle-timeout-ms",
      defaultValue = "0",
      description =
          "Stop after this long without a new snapshot; 0 = run until interrupted (default: ${DEFAULT-VALUE}).")
  long idleTimeoutMs;

  @Option(
      names = "--true-weights",
      description =
          "JSON file of the true weights, {\"model-0\": [..], ...} as `produce` prints them: adds the distance column.")
  Path trueWeights;

  @Override
  public Integer call() throws Exception {
    kafka.validate(true);
    Check.atLeast("--idle-timeout-ms", idleTimeoutMs, 0);
    if (trueWeights != null && !Files.isRegularFile(trueWeights)) {
      throw new BadOption("--true-weights " + trueWeights + ": no such file");
    }
    try (KafkaPreflight check = kafka.preflight()) {
      check.requireTopics("the snapshots to watch", List.of(kafka.snapshotsTopic));
    }
    SnapshotTable table =
        new SnapshotTable(
            System.out, trueWeights == null ? Map.of() : SnapshotTable.readWeights(trueWeights));
    TopicReader.read(
        kafka,
        kafka.snapshotsTopic,
        idleTimeoutMs <= 0 ? Long.MAX_VALUE : idleTimeoutMs,
        bytes -> table.row(WireFormat.snapshot(bytes)));
    return 0;
  }
}
