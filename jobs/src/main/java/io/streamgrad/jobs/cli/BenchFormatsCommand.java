package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The training job over the same samples in Avro and in JSON, alternating. */
@Command(
    name = "formats",
    mixinStandardHelpOptions = true,
    description =
        "The training job on the same samples written as Avro and as JSON (first of --configs), alternating, and JSON's samples/s against Avro's.")
final class BenchFormatsCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Config config = bench.parsedConfigs().get(0);
    return bench.onKafka(
        () -> {
          String run = "bench-formats-" + Long.toString(System.currentTimeMillis(), 36);
          PipelineBench avro =
              new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize, "avro");
          PipelineBench json =
              new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize, "json");
          avro.preload(run + "-avro", config, 42);
          json.preload(run + "-json", config, 42); // the same samples
          avro.warmUpEngine(config, 2_000);
          BenchOptions.Pair runs =
              bench.alternate(
                  "formats",
                  () -> BenchOptions.report(config, avro.train(run + "-avro", config)),
                  () -> BenchOptions.report(config, json.train(run + "-json", config)));
          BenchOptions.printRounds(
              "training job, " + config.name(),
              "samples/s",
              "CPU µs",
              List.of(Map.entry("avro", runs.first()), Map.entry("json", runs.second())));
          BenchOptions.printRatio("json / avro", runs.second(), runs.first());
          return 0;
        });
  }
}
