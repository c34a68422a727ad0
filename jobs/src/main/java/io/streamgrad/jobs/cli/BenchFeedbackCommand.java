package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.bench.PipelineBench.Run;
import io.streamgrad.jobs.bench.ThreadCpu;
import io.streamgrad.jobs.bench.WireBench;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.online.feedback.FeedbackConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What learning from outcomes costs: the feedback job (answer each request, remember it, join its
 * label, train) against the train job over the same events with their outcomes already joined.
 */
@Command(
    name = "feedback",
    mixinStandardHelpOptions = true,
    description =
        "The feedback job (serve + join + train, a 5-minute label window, labels 30 s late on average) against the train job over the same events pre-joined (first of --configs; a logistic click model, or sparse-logistic with --sparse B), and against serving alone without Flink (one thread that reads the requests and writes a prediction for each: the least any job that answers every request does), rotating rounds, and the ratios of their events/s.")
final class BenchFeedbackCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Option(
      names = "--sparse",
      paramLabel = "B",
      description = "Sparse clicks (30 hashed tokens an event) in a model of 2^B coordinates.")
  int sparse;

  @Option(
      names = "--feedback-correction",
      defaultValue = "none",
      description = "none or fnw (default: ${DEFAULT-VALUE}).")
  String correction;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Check.oneOf("--feedback-correction", correction, "none", "fnw");
    Config config = bench.parsedConfigs().get(0);
    FeedbackConfig feedback =
        FeedbackConfig.builder()
            .labelWindow(Duration.ofMinutes(5))
            .correction(FeedbackConfig.Correction.valueOf(correction.toUpperCase()))
            .build();
    return bench.onKafka(
        () -> {
          String topic = "bench-feedback-" + Long.toString(System.currentTimeMillis(), 36);
          PipelineBench pipeline =
              new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize);
          if (sparse > 0) {
            pipeline.sparse(sparse);
          }
          pipeline.preloadFeedback(topic, config, 30_000, 42);
          pipeline.warmUpEngine(config, 2_000);
          EmbeddedKafka.createTopics(
              bench.bootstrapServers, bench.parallelism, topic + "-bare-predictions");
          WireBench wire = new WireBench(bench.bootstrapServers);
          List<Map<String, Long>> cpuByThread = new ArrayList<>();
          List<List<Run>> runs =
              bench.rotate(
                  "feedback",
                  List.of(
                      () -> BenchOptions.report(config, pipeline.trainJoined(topic, config)),
                      () ->
                          BenchOptions.report(
                              config,
                              wire.serve(topic + "-requests", topic + "-bare-predictions", config)),
                      () ->
                          ThreadCpu.recording(
                              cpuByThread,
                              () ->
                                  BenchOptions.report(
                                      config, pipeline.feedback(topic, config, feedback)))));
          List<Run> train = runs.get(0);
          List<Run> serve = runs.get(1);
          List<Run> fed = runs.get(2);
          String shape = sparse > 0 ? "sparse clicks 2^" + sparse : config.name();
          BenchOptions.printRounds(
              "click model, " + shape,
              "events/s",
              "CPU µs",
              List.of(
                  Map.entry("train, outcomes pre-joined", train),
                  Map.entry("serving alone: consumer + producer", serve),
                  Map.entry("feedback: serve + join + train", fed)));
          BenchOptions.printRatio("feedback / train", fed, train);
          BenchOptions.printRatio("serving alone / train", serve, train);
          ThreadCpu.print(
              "feedback job",
              cpuByThread.subList(bench.warmupRounds, cpuByThread.size()),
              config.samples());
          return 0;
        });
  }
}
