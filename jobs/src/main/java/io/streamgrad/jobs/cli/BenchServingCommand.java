package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench.Latency;
import io.streamgrad.jobs.bench.PipelineBench.Run;
import io.streamgrad.jobs.bench.ServingBench;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The predictor job against a passthrough job of the same pipeline, then request-to-prediction
 * latency at a steady rate.
 */
@Command(
    name = "serving",
    mixinStandardHelpOptions = true,
    description =
        "The predictor job's requests/s against a passthrough job of the same pipeline over --samples pre-loaded requests for --models models (first of --configs' features), alternating; then request-to-prediction latency at --latency-rate.")
final class BenchServingCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Option(
      names = "--models",
      defaultValue = "64",
      description = "Models the requests are for (default: ${DEFAULT-VALUE}).")
  int models;

  @Mixin BenchLatencyOptions latency;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Check.positive("--models", models);
    int features = bench.parsedConfigs().get(0).features();
    int servingModels = models;
    double latencyRate = latency.rate;
    double latencySeconds = latency.seconds;
    long bufferTimeoutMs = latency.bufferTimeoutMs;
    return bench.onKafka(
        () -> {
          ServingBench servingBench = new ServingBench(bench.bootstrapServers, bench.parallelism);
          String run = "bench-serving-" + Long.toString(System.currentTimeMillis(), 36);
          System.err.printf(
              "bench: serving %d requests for %d models of %d features, request batches of %d, parallelism %d, %d rounds, JDK %s, %d cores%n",
              bench.samples,
              servingModels,
              features,
              bench.batchSize,
              bench.parallelism,
              bench.rounds,
              Runtime.version(),
              Runtime.getRuntime().availableProcessors());
          ServingBench.Topics topics =
              servingBench.preload(run, features, servingModels, bench.samples);
          servingBench.warmUpEngine(features, bench.batchSize, 2_000);
          BenchOptions.Pair runs =
              bench.alternate(
                  "serving",
                  () -> servingBench.passthrough(topics),
                  () -> servingBench.predictor(topics, bench.batchSize));
          List<Run> pass = runs.first();
          List<Run> predict = runs.second();
          BenchOptions.printRounds(
              "job",
              "requests/s",
              "CPU µs/req",
              List.of(Map.entry("predict", predict), Map.entry("passthrough", pass)));
          BenchOptions.printRatio("predict / passthrough", predict, pass);
          if (latencyRate > 0) {
            Latency l =
                servingBench.latency(
                    run + "-latency", features, latencyRate, latencySeconds, bufferTimeoutMs);
            System.out.printf(
                "latency at %.0f requests/s, buffer timeout %d ms: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)%n",
                l.ratePerSecond(), l.bufferTimeoutMillis(), l.p50(), l.p99(), l.max(), l.samples());
          }
          return 0;
        });
  }
}
