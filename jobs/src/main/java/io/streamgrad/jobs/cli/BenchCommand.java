package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.bench.PipelineBench.Latency;
import io.streamgrad.jobs.bench.PipelineBench.Run;
import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.graph.RuntimeSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end throughput: the training job against a passthrough job with the same source, decoding,
 * shuffle and sink, over the same pre-loaded topic, side by side in one JVM; the other measurements
 * are its subcommands.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure end-to-end samples/s of the training job against a passthrough job, and sample-to-snapshot latency, on an embedded Kafka broker and a Flink MiniCluster; the subcommands measure the rest.",
    subcommands = {
      BenchServingCommand.class,
      BenchSparseCommand.class,
      BenchFeedbackCommand.class,
      BenchFormatsCommand.class,
      BenchQualityCommand.class,
      BenchCheckpointsCommand.class,
      BenchPendingCommand.class,
      BenchMemoryCommand.class,
      BenchWireCommand.class
    })
public final class BenchCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Mixin BenchLatencyOptions latency;

  @Option(
      names = "--state-backends",
      split = ",",
      defaultValue = "hashmap",
      paramLabel = "hashmap|rocksdb",
      description =
          "State backends the training job is measured on, each against the passthrough job (default: ${DEFAULT-VALUE}).")
  List<String> stateBackends;

  @Option(
      names = "--max-live-models",
      defaultValue = "auto",
      paramLabel = "N|auto",
      description = "The training job's live-model cache per subtask (default: ${DEFAULT-VALUE}).")
  String maxLiveModels;

  @Option(names = "--summary-json", description = "Write the figures as JSON to this file.")
  Path summaryJson;

  @Override
  public Integer call() throws Exception {
    List<Config> parsed = bench.parsedConfigs();
    List<RuntimeSettings.StateBackend> backends = new ArrayList<>();
    for (String b : stateBackends) {
      backends.add(RuntimeOptions.stateBackend("--state-backends", b));
    }
    int maxLive = TrainerOptions.maxLiveModels("--max-live-models", maxLiveModels);
    bench.validate();
    return bench.onKafka(
        () -> {
          System.err.printf(
              "bench: %d samples per configuration, batch %d, parallelism %d, %d rounds, JDK %s, %d cores%n",
              bench.samples,
              bench.batchSize,
              bench.parallelism,
              bench.rounds,
              Runtime.version(),
              Runtime.getRuntime().availableProcessors());
          PipelineBench pipeline =
              new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize);
          List<Result> results = new ArrayList<>();
          String run = Long.toString(System.currentTimeMillis(), 36);
          for (int i = 0; i < parsed.size(); i++) {
            Config config = parsed.get(i);
            String topic =
                "bench-" + run + "-" + i + "-" + config.features() + "f-" + config.models() + "m";
            long t0 = System.nanoTime();
            pipeline.preload(topic, config, 42 + i);
            System.err.printf(
                "bench: %s: pre-loaded %d samples in %.1f s%n",
                config.name(), config.samples(), (System.nanoTime() - t0) / 1e9);
            pipeline.warmUpEngine(config, 2_000);
            for (RuntimeSettings.StateBackend backend : backends) {
              BenchOptions.Pair runs =
                  bench.alternate(
                      config.name(),
                      () -> BenchOptions.report(config, pipeline.passthrough(topic, config)),
                      () ->
                          BenchOptions.report(
                              config, pipeline.train(topic, config, backend, maxLive)));
              List<Run> pass = runs.first();
              List<Run> train = runs.second();
              results.add(
                  new Result(
                      config,
                      backend.flinkName,
                      BenchOptions.median(train),
                      BenchOptions.median(pass),
                      train,
                      pass,
                      null));
            }
            Latency measured = null;
            if (i == 0 && latency.rate > 0) {
              measured =
                  pipeline.latency(
                      "bench-" + run + "-latency",
                      config.features(),
                      latency.rate,
                      latency.seconds,
                      latency.bufferTimeoutMs);
              System.err.printf(
                  "bench: latency at %.0f samples/s: p50 %.1f ms, p99 %.1f ms%n",
                  measured.ratePerSecond(), measured.p50(), measured.p99());
            }
            if (measured != null) { // reported with the configuration's first backend
              int first = results.size() - backends.size();
              results.set(first, results.get(first).withLatency(measured));
            }
          }
          print(results);
          if (summaryJson != null) {
            Files.writeString(summaryJson, json(results), StandardCharsets.UTF_8);
          }
          return 0;
        });
  }

  record Result(
      Config config,
      String backend,
      Run train,
      Run passthrough,
      List<Run> trainRounds,
      List<Run> passRounds,
      Latency latency) {
    double ratio() {
      return train.samplesPerSecond() / passthrough.samplesPerSecond();
    }

    Result withLatency(Latency l) {
      return new Result(config, backend, train, passthrough, trainRounds, passRounds, l);
    }
  }

  private void print(List<Result> results) {
    System.out.println();
    System.out.printf(
        "%-44s %15s %15s %7s %14s %14s %9s %9s%n",
        "configuration",
        "train/s",
        "passthrough/s",
        "ratio",
        "train µs CPU",
        "pass µs CPU",
        "train GC",
        "pass GC");
    for (Result r : results) {
      System.out.printf(
          "%-44s %,15.0f %,15.0f %6.2f× %14.2f %14.2f %8.2fs %8.2fs%n",
          r.config().name() + ", " + r.backend(),
          r.train().samplesPerSecond(),
          r.passthrough().samplesPerSecond(),
          r.ratio(),
          r.train().cpuMicrosPerSample(),
          r.passthrough().cpuMicrosPerSample(),
          r.train().gcSeconds(),
          r.passthrough().gcSeconds());
    }
    for (Result r : results) {
      if (r.latency() != null) {
        Latency l = r.latency();
        System.out.printf(
            "%nsample → snapshot latency (%s, batch %d, %.0f samples/s, buffer timeout %d ms, %d samples): p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
            r.config().name(),
            bench.batchSize,
            l.ratePerSecond(),
            l.bufferTimeoutMillis(),
            l.samples(),
            l.p50(),
            l.p99(),
            l.max());
      }
    }
  }

  private String json(List<Result> results) {
    StringBuilder b = new StringBuilder("[\n");
    for (int i = 0; i < results.size(); i++) {
      Result r = results.get(i);
      b.append("  {\"features\": ")
          .append(r.config().features())
          .append(", \"models\": ")
          .append(r.config().models())
          .append(", \"samples\": ")
          .append(r.config().samples())
          .append(", \"batchSize\": ")
          .append(bench.batchSize)
          .append(", \"parallelism\": ")
          .append(bench.parallelism)
          .append(", \"stateBackend\": ")
          .append(Json.string(r.backend()))
          .append(",\n   \"train\": ")
          .append(json(r.train(), r.trainRounds()))
          .append(",\n   \"passthrough\": ")
          .append(json(r.passthrough(), r.passRounds()))
          .append(",\n   \"ratio\": ")
          .append(Json.number(r.ratio()));
      if (r.latency() != null) {
        Latency l = r.latency();
        b.append(",\n   \"latency\": {\"ratePerSecond\": ")
            .append(Json.number(l.ratePerSecond()))
            .append(", \"samples\": ")
            .append(l.samples())
            .append(", \"bufferTimeoutMs\": ")
            .append(l.bufferTimeoutMillis())
            .append(", \"p50Ms\": ")
            .append(Json.number(l.p50()))
            .append(", \"p99Ms\": ")
            .append(Json.number(l.p99()))
            .append(", \"maxMs\": ")
            .append(Json.number(l.max()))
            .append('}');
      }
      b.append('}').append(i + 1 < results.size() ? ",\n" : "\n");
    }
    return b.append("]\n").toString();
  }

  private static String json(Run median, List<Run> rounds) {
    StringBuilder b = new StringBuilder();
    b.append("{\"samplesPerSecond\": ")
        .append(Json.number(median.samplesPerSecond()))
        .append(", \"seconds\": ")
        .append(Json.number(median.seconds()))
        .append(", \"cpuMicrosPerSample\": ")
        .append(Json.number(median.cpuMicrosPerSample()))
        .append(", \"gcSeconds\": ")
        .append(Json.number(median.gcSeconds()))
        .append(", \"outputs\": ")
        .append(median.outputs())
        .append(", \"roundsSamplesPerSecond\": [");
    for (int i = 0; i < rounds.size(); i++) {
      b.append(i == 0 ? "" : ", ").append(Json.number(rounds.get(i).samplesPerSecond()));
    }
    return b.append("]}").toString();
  }
}
