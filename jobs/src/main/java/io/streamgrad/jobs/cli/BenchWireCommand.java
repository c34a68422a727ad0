package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.bench.ThreadCpu;
import io.streamgrad.jobs.bench.TwoThreadTrainer;
import io.streamgrad.jobs.bench.WireBench;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The training job against the wire: a bare consumer decoding the same topic with the job's own
 * decoder; a job of Flink's Kafka source and that decoder with nothing after them, which bounds
 * what any job on Flink's Kafka connector reaches here; and two threads without Flink that read and
 * train as the job does ({@code TwoThreadTrainer}), which bounds what any training pipeline reaches
 * here. Rotating rounds, with the train job's CPU per sample by thread.
 */
@Command(
    name = "wire",
    mixinStandardHelpOptions = true,
    description =
        "The training job against a bare single-threaded consumer that reads and decodes the same pre-loaded topic with the job's own decoder, against a job of Flink's Kafka source and that decoder alone (what any job on Flink's Kafka connector reaches here), and against two threads without Flink that read and train with the job's decoder, trainer and snapshots (what any training pipeline reaches here), rotating rounds: the rates, their ratios (min/median/max), and each side's CPU per sample by thread.")
final class BenchWireCommand implements Callable<Integer> {

  @Mixin BenchOptions bench;

  @Option(
      names = "--sparse-bits",
      defaultValue = "0",
      description =
          "Click samples (30 hashed tokens) trained by an FTRL sparse-logistic model of 2^B coordinates instead of dense samples; 0 = dense (default: ${DEFAULT-VALUE}).")
  int sparseBits;

  @Option(
      names = "--snapshot-every",
      defaultValue = "10",
      description =
          "A snapshot every N updates, as train publishes by default (default: ${DEFAULT-VALUE}).")
  int snapshotEvery;

  @Override
  public Integer call() throws Exception {
    bench.validate();
    Check.inRange("--sparse-bits", sparseBits, 0, 30, false);
    Check.positive("--snapshot-every", snapshotEvery);
    List<Config> configs = bench.parsedConfigs();
    return bench.onKafka(
        () -> {
          for (Config config : configs) {
            measure(config);
          }
          return 0;
        });
  }

  private void measure(Config config) throws Exception {
    String topic = "bench-wire-" + Long.toString(System.nanoTime(), 36);
    PipelineBench pipeline =
        new PipelineBench(bench.bootstrapServers, bench.parallelism, bench.batchSize);
    if (sparseBits > 0) {
      pipeline.sparse(sparseBits);
    }
    pipeline.preload(topic, config, 42);
    pipeline.warmUpEngine(config, 2_000);
    WireBench wire = new WireBench(bench.bootstrapServers);
    List<Map<String, Long>> cpuByThread = new ArrayList<>();
    List<Map<String, Long>> readCpuByThread = new ArrayList<>();
    List<TwoThreadTrainer.Threads> twoThreads = new ArrayList<>();
    List<List<PipelineBench.Run>> runs =
        bench.rotate(
            "wire " + config.name(),
            List.of(
                () -> BenchOptions.report(config, wire.consume(topic, config, sparseBits)),
                () ->
                    ThreadCpu.recording(
                        readCpuByThread,
                        () -> BenchOptions.report(config, pipeline.read(topic, config))),
                () ->
                    BenchOptions.report(
                        config,
                        wire.consumeAndTrain(
                            topic,
                            config,
                            sparseBits,
                            pipeline.trainer(config, snapshotEvery).config(),
                            twoThreads)),
                () ->
                    ThreadCpu.recording(
                        cpuByThread,
                        () ->
                            BenchOptions.report(
                                config, pipeline.train(topic, config, snapshotEvery)))));
    List<PipelineBench.Run> consumer = runs.get(0);
    List<PipelineBench.Run> read = runs.get(1);
    List<PipelineBench.Run> handRolled = runs.get(2);
    List<PipelineBench.Run> train = runs.get(3);
    String what = (sparseBits > 0 ? "sparse clicks 2^" + sparseBits + ", " : "") + config.name();
    BenchOptions.printRounds(
        what + ", parallelism " + bench.parallelism,
        "samples/s",
        "CPU µs",
        List.of(
            Map.entry("bare consumer + decoder", consumer),
            Map.entry("Flink Kafka source + decoder only", read),
            Map.entry("two threads, no Flink: read | train", handRolled),
            Map.entry("train job", train)));
    // The two CPU figures differ in kind: a bare consumer has one thread, a job many.
    System.out.println(
        "CPU µs per sample, first sample to last: the bare consumer's own thread; each job's"
            + " whole process, and the two threads' (the broker's threads included)");
    BenchOptions.printRatio("train job / wire", train, consumer);
    BenchOptions.printRatio("source + decoder only / wire", read, consumer);
    BenchOptions.printRatio("train job / source + decoder only", train, read);
    BenchOptions.printRatio("two threads, no Flink / wire", handRolled, consumer);
    BenchOptions.printRatio("train job / two threads, no Flink", train, handRolled);
    TwoThreadTrainer.print(
        twoThreads.subList(bench.warmupRounds, twoThreads.size()), config.samples());
    ThreadCpu.print(
        "train job", cpuByThread.subList(bench.warmupRounds, cpuByThread.size()), config.samples());
    // The fetcher's cost when the task thread beside it has little to do.
    ThreadCpu.print(
        "source + decoder only",
        readCpuByThread.subList(bench.warmupRounds, readCpuByThread.size()),
        config.samples());
  }
}
