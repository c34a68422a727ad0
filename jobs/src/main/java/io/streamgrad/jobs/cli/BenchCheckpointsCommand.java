package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.CheckpointBench;
import io.streamgrad.jobs.graph.RuntimeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Checkpoint size and duration against what changed since the last checkpoint. */
@Command(
    name = "checkpoints",
    mixinStandardHelpOptions = true,
    description =
        "Checkpoint size and duration against the number of models touched since the last checkpoint, on each --state-backends (see CheckpointBench); with --sparse B, against the coordinates of one sparse model of 2^B touched.")
final class BenchCheckpointsCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Option(
      names = "--state-backends",
      split = ",",
      defaultValue = "hashmap",
      paramLabel = "hashmap|rocksdb",
      description = "State backends measured (default: ${DEFAULT-VALUE}).")
  List<String> stateBackends;

  @Option(
      names = "--models",
      defaultValue = "1000000",
      description = "Models in state (default: ${DEFAULT-VALUE}).")
  int checkpointModels;

  @Option(
      names = "--touched",
      split = ",",
      defaultValue = "1000,10000,100000",
      description =
          "Models (or coordinates) touched per checkpoint interval (default: ${DEFAULT-VALUE}).")
  List<Integer> checkpointTouched;

  @Option(
      names = "--sparse",
      paramLabel = "B",
      description = "One sparse model of 2^B coordinates instead of many dense ones.")
  int sparseBits;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    List<RuntimeSettings.StateBackend> backends = new ArrayList<>();
    for (String b : stateBackends) {
      backends.add(RuntimeOptions.stateBackend("--state-backends", b));
    }
    return checkpointTable(backends);
  }

  private int checkpointTable(List<RuntimeSettings.StateBackend> backends) throws Exception {
    Check.positive("--models", checkpointModels);
    for (int t : checkpointTouched) {
      Check.positive("--touched", t);
    }
    Path dir = Files.createTempDirectory("streamgrad-checkpoint-bench");
    try {
      CheckpointBench checkpointBench = new CheckpointBench(16, bench.batchSize, 5_000, dir);
      List<CheckpointBench.Row> rows = new ArrayList<>();
      for (RuntimeSettings.StateBackend backend : backends) {
        for (int touched : checkpointTouched) {
          // With --sparse B: one sparse model, `touched` its coordinates, not models.
          CheckpointBench.Row r =
              sparseBits > 0
                  ? checkpointBench.runSparse(backend, sparseBits, touched)
                  : checkpointBench.run(backend, checkpointModels, touched);
          System.err.println("bench: " + r);
          rows.add(r);
        }
      }
      System.out.println();
      System.out.printf(
          "%-8s %10s %16s %18s %16s %14s%n",
          "backend",
          sparseBits > 0 ? "coords" : "models",
          "touched/interval",
          "checkpointed size",
          "full state size",
          "ckpt duration");
      for (CheckpointBench.Row r : rows) {
        System.out.printf(
            "%-8s %,10d %,16d %,16d B %,14d B %,11d ms%n",
            r.backend(),
            r.models(),
            r.touched(),
            r.checkpointedBytes(),
            r.stateBytes(),
            r.durationMillis());
      }
      return 0;
    } finally {
      LocalCommand.deleteRecursively(dir);
    }
  }
}
