package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.bench.PipelineBench.Run;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * What every {@code bench} measurement shares: how much data, which configurations, how many
 * alternating rounds, and where Kafka is; and how they run and print their rounds.
 */
final class BenchOptions {

  @Option(
      names = "--samples",
      defaultValue = "2000000",
      description =
          "Samples (or requests) pre-loaded per configuration (default: ${DEFAULT-VALUE}).")
  long samples;

  @Option(
      names = "--configs",
      split = ",",
      defaultValue = "16x1,16x64,128x1",
      paramLabel = "FxM",
      description = "Configurations as features x models (default: ${DEFAULT-VALUE}).")
  List<String> configs;

  @Option(
      names = "--batch-size",
      defaultValue = "64",
      description = "Samples per update (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--parallelism",
      defaultValue = "1",
      description = "Job parallelism and partitions (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--rounds",
      defaultValue = "5",
      description =
          "Runs of each job per configuration, alternating; the median is reported (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--warmup-rounds",
      defaultValue = "3",
      description =
          "Runs of each job per configuration before the measured ones, not reported: JIT warm-up (default: ${DEFAULT-VALUE}).")
  int warmupRounds;

  @Option(
      names = "--bootstrap-servers",
      description = "Use this Kafka cluster instead of an embedded broker.")
  String bootstrapServers;

  /** The configurations, checked. */
  List<Config> parsedConfigs() {
    List<Config> parsed = new ArrayList<>();
    for (String c : configs) {
      String[] fm = c.toLowerCase().split("x");
      int features;
      int models;
      try {
        features = fm.length == 2 ? Integer.parseInt(fm[0].trim()) : 0;
        models = fm.length == 2 ? Integer.parseInt(fm[1].trim()) : 0;
      } catch (NumberFormatException e) {
        features = 0;
        models = 0;
      }
      if (features <= 0 || models <= 0) {
        throw new BadOption(
            "--configs: a configuration is FEATURESxMODELS with positive counts, e.g. 16x1, not '"
                + c
                + "'");
      }
      parsed.add(new Config(features, models, samples));
    }
    return parsed;
  }

  /** Checks the counts every measurement uses. */
  void validate() {
    Check.positive("--samples", samples);
    Check.positive("--batch-size", batchSize);
    Check.positive("--parallelism", parallelism);
    Check.positive("--rounds", rounds);
    Check.atLeast("--warmup-rounds", warmupRounds, 0);
  }

  /** Runs {@code work} against --bootstrap-servers (checked first), or an embedded broker. */
  int onKafka(Callable<Integer> work) throws Exception {
    EmbeddedKafka broker = null;
    try {
      if (bootstrapServers == null) {
        broker = new EmbeddedKafka();
        bootstrapServers = broker.bootstrapServers();
      } else {
        // Reachable, or the cause within 10 s.
        KafkaPreflight.connect(bootstrapServers, new Properties(), Duration.ofSeconds(10)).close();
      }
      return work.call();
    } finally {
      if (broker != null) {
        broker.close();
        bootstrapServers = null;
      }
    }
  }

  /** Two jobs' rounds, run side by side. */
  record Pair(List<Run> first, List<Run> second) {}

  /**
   * Runs two jobs {@link #warmupRounds} times unreported, then {@link #rounds} times alternating
   * which goes first, so neither always gets the warmer JVM or the quieter machine.
   */
  Pair alternate(String what, Callable<Run> first, Callable<Run> second) throws Exception {
    List<List<Run>> runs = rotate(what, List.of(first, second));
    return new Pair(runs.get(0), runs.get(1));
  }

  /**
   * Runs each job {@link #warmupRounds} times unreported, then {@link #rounds} times, each round
   * starting one job later than the last, so no job always gets the warmer JVM or the quieter
   * machine; a round's runs are next to each other in time. One list of runs per job, in order.
   */
  List<List<Run>> rotate(String what, List<Callable<Run>> jobs) throws Exception {
    int n = jobs.size();
    for (int r = 0; r < warmupRounds; r++) {
      System.err.printf("bench: %s warm-up %d/%d%n", what, r + 1, warmupRounds);
      for (Callable<Run> job : jobs) {
        job.call();
      }
    }
    List<List<Run>> runs = new ArrayList<>();
    for (int j = 0; j < n; j++) {
      runs.add(new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < n; k++) {
        int j = (r + k) % n;
        runs.get(j).add(jobs.get(j).call());
      }
    }
    return runs;
  }

  static Run report(Config config, Run r) {
    System.err.printf(
        "bench: %-28s %-11s %,12.0f samples/s  %6.2f µs CPU/sample  GC %.2f s%n",
        config.name(), r.job(), r.samplesPerSecond(), r.cpuMicrosPerSample(), r.gcSeconds());
    return r;
  }

  /** Each job's rounds: median, min and max per second, CPU per record at the median. */
  static void printRounds(
      String title, String rate, String cpu, List<Map.Entry<String, List<Run>>> jobs) {
    System.out.println();
    System.out.printf("%-44s %14s %14s %14s %12s%n", title, rate, "min", "max", cpu);
    for (Map.Entry<String, List<Run>> job : jobs) {
      List<Run> runs = job.getValue();
      Run m = median(runs);
      System.out.printf(
          "%-44s %14.0f %14.0f %14.0f %12.2f%n",
          job.getKey(),
          m.samplesPerSecond(),
          runs.stream().mapToDouble(Run::samplesPerSecond).min().orElse(0),
          runs.stream().mapToDouble(Run::samplesPerSecond).max().orElse(0),
          m.cpuMicrosPerSample());
    }
  }

  /**
   * A ratio of two jobs' samples/s two ways: of their medians, and the median of the same-round
   * ratios (rounds alternate the jobs, so a pair shares the machine's state of the moment: the
   * steadier figure on a noisy machine).
   */
  static void printRatio(String label, List<Run> num, List<Run> den) {
    int n = Math.min(num.size(), den.size());
    double[] paired = new double[n];
    for (int i = 0; i < n; i++) {
      paired[i] = num.get(i).samplesPerSecond() / den.get(i).samplesPerSecond();
    }
    Arrays.sort(paired);
    System.out.printf(
        "%s: %.2fx (medians of %d rounds); same-round ratios: median %.2fx, %.2fx to %.2fx%n",
        label,
        median(num).samplesPerSecond() / median(den).samplesPerSecond(),
        n,
        paired[n / 2],
        paired[0],
        paired[n - 1]);
  }

  static Run median(List<Run> runs) {
    List<Run> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(Run::samplesPerSecond));
    return sorted.get(sorted.size() / 2);
  }
}
