package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.MemoryBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Memory per model: heap per live trainer and bytes of keyed state. */
@Command(
    name = "memory",
    mixinStandardHelpOptions = true,
    description =
        "Memory per model for each of --configs' feature counts at --batch-size: heap per live trainer and bytes of keyed state (see MemoryBench).")
final class BenchMemoryCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    return memoryTable(bench.parsedConfigs());
  }

  private int memoryTable(List<Config> configs) throws Exception {
    System.out.printf(
        "%8s %6s %16s %20s %18s %22s %20s %20s%n",
        "features",
        "batch",
        "heap, fresh",
        "heap, after a batch",
        "estimate, fresh",
        "estimate, after batch",
        "state, empty batch",
        "state, half batch");
    for (int features : configs.stream().mapToInt(Config::features).distinct().toArray()) {
      MemoryBench.Row r = MemoryBench.measure(features, bench.batchSize, 100_000);
      System.out.printf(
          "%8d %6d %14d B %18d B %16d B %20d B %18d B %18d B%n",
          r.features(),
          r.batchSize(),
          r.heapFresh(),
          r.heapFullBatch(),
          r.estimateFresh(),
          r.estimateFullBatch(),
          r.stateBytesEmptyBatch(),
          r.stateBytesHalfBatch());
    }
    return 0;
  }
}
