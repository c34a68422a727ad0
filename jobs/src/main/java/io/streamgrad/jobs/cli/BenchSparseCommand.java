package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DenseSample;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * Click samples through the training job of a sparse model against the passthrough job; then,
 * outside Flink, what a checkpoint writes of a sparse model.
 */
@Command(
    name = "sparse",
    mixinStandardHelpOptions = true,
    description =
        "Click samples with 30 hashed tokens (of 10^6) through the training job (an FTRL sparse-logistic model of 2^B coordinates; --configs gives its dense features and models) against the passthrough job, alternating; then, outside Flink, a sparse model's memory and what a checkpoint writes of it against the coordinates touched since the last one.")
final class BenchSparseCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Parameters(
      index = "0",
      paramLabel = "B",
      defaultValue = "20",
      description = "Hash bits of the model: 2^B coordinates (default: ${DEFAULT-VALUE}).")
  int bits;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Check.inRange("B", bits, 1, 30, false);
    Config config = bench.parsedConfigs().get(0);
    int code =
        bench.onKafka(
            () -> {
              String topic = "bench-sparse-" + Long.toString(System.currentTimeMillis(), 36);
              PipelineBench pipeline =
                  new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize)
                      .sparse(bits);
              pipeline.preload(topic, config, 42);
              BenchOptions.Pair runs =
                  bench.alternate(
                      "sparse",
                      () -> BenchOptions.report(config, pipeline.passthrough(topic, config)),
                      () -> BenchOptions.report(config, pipeline.train(topic, config)));
              BenchOptions.printRounds(
                  "click samples (30 tokens), " + config.name() + ", 2^" + bits,
                  "samples/s",
                  "CPU µs",
                  List.of(
                      Map.entry("passthrough", runs.first()),
                      Map.entry("train (sparse-logistic, ftrl)", runs.second())));
              BenchOptions.printRatio("train / passthrough", runs.second(), runs.first());
              return 0;
            });
    checkpointWrites(config.features());
    return code;
  }

  /**
   * Outside Flink: a sparse model's heap, and what a write-back (a checkpoint) writes of it after k
   * steps of 64 impressions, against the coordinates those steps touched.
   */
  private void checkpointWrites(int features) {
    ModelTrainer t =
        new ModelTrainer(
            TrainerConfig.builder()
                .features(features)
                .model(SparseModels.logistic(bits))
                .optimizer(Optimizers.ftrl(0.1))
                .batchSize(64)
                .build(),
            "m");
    SyntheticData data = new SyntheticData(features, 1, 0.1f, 7).sparse(1_000_000, 30);
    System.out.println();
    System.out.printf(
        "a sparse-logistic model of 2^%d coordinates with FTRL: %,d bytes on the heap while live%n",
        bits, t.heapBytes());
    System.out.printf(
        "%-22s %16s %14s %16s %12s%n",
        "steps since last", "coords touched", "chunks", "bytes written", "ms to copy");
    for (int k : new int[] {1, 10, 100, 1000}) {
      t.takeDirtyChunks(); // a checkpoint just happened
      Set<Integer> touched = new HashSet<>();
      for (int step = 0; step < k; step++) {
        for (int i = 0; i < 64; i++) {
          DenseSample s = DenseSample.of(data.next(), bits);
          for (int c : s.indices) {
            touched.add(c);
          }
          t.add(s.features, s.indices, s.values, s.label, s.weight);
        }
        t.step();
      }
      long start = System.nanoTime();
      int[] dirty = t.takeDirtyChunks();
      long bytes = 0;
      for (int id : dirty) {
        bytes += 4L * t.chunk(id).length;
      }
      double ms = (System.nanoTime() - start) / 1e6;
      System.out.printf(
          "%-22d %,16d %,14d %,16d %12.2f%n", k, touched.size(), dirty.length, bytes, ms);
    }
    System.out.printf(
        "(the whole model: %,d chunks of %,d bytes)%n", t.chunkCount(), 4L * t.chunk(0).length);
  }
}
