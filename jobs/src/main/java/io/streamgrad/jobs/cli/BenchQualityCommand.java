package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.online.train.QualitySpec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The cost of the trust features: the same job and samples with none and with all of them. */
@Command(
    name = "quality",
    mixinStandardHelpOptions = true,
    description =
        "The training job (first of --configs) with nothing of the trust features against all of them (standardization, prequential metrics, Page-Hinkley drift detection), alternating, and the ratio of their samples/s.")
final class BenchQualityCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Config config = bench.parsedConfigs().get(0);
    QualitySpec all =
        QualitySpec.DEFAULT
            .standardize(100)
            .drift(PageHinkley.Params.DEFAULT, QualitySpec.DriftAction.NONE);
    return bench.onKafka(
        () -> {
          String topic = "bench-quality-" + Long.toString(System.currentTimeMillis(), 36);
          PipelineBench pipeline =
              new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize);
          pipeline.preload(topic, config, 42);
          pipeline.warmUpEngine(config, 2_000);
          BenchOptions.Pair runs =
              bench.alternate(
                  "quality",
                  () -> BenchOptions.report(config, pipeline.train(topic, config, QualitySpec.OFF)),
                  () -> BenchOptions.report(config, pipeline.train(topic, config, all)));
          BenchOptions.printRounds(
              "training job, " + config.name(),
              "samples/s",
              "CPU µs",
              List.of(
                  Map.entry("without", runs.first()),
                  Map.entry("with all (standardize, metrics, drift)", runs.second())));
          BenchOptions.printRatio("with / without", runs.second(), runs.first());
          return 0;
        });
  }
}
