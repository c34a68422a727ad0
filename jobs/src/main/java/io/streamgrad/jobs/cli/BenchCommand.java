package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.train.QualitySpec;
import io.streamgrad.jobs.KafkaPreflight;
import io.streamgrad.jobs.RuntimeSettings;
import io.streamgrad.jobs.bench.CheckpointBench;
import io.streamgrad.jobs.bench.MemoryBench;
import io.streamgrad.jobs.bench.PipelineBench;
import io.streamgrad.jobs.bench.PipelineBench.Config;
import io.streamgrad.jobs.bench.PipelineBench.Latency;
import io.streamgrad.jobs.bench.PipelineBench.Run;
import io.streamgrad.jobs.bench.ServingBench;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.nn.quality.PageHinkley;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End-to-end throughput: the training job against a passthrough job with the same source, decoding,
 * shuffle and sink, over the same pre-loaded topic, side by side in one JVM.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description =
        "Measure end-to-end samples/s of the training job against a passthrough job, and sample-to-snapshot latency, on an embedded Kafka broker and a Flink MiniCluster.")
public final class BenchCommand implements Callable<Integer> {

  @Option(
      names = "--samples",
      defaultValue = "2000000",
      description = "Samples pre-loaded per configuration (default: ${DEFAULT-VALUE}).")
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
      names = "--latency-rate",
      defaultValue = "20000",
      description =
          "Samples/s sent during the latency run; 0 skips it (default: ${DEFAULT-VALUE}).")
  double latencyRate;

  @Option(
      names = "--latency-seconds",
      defaultValue = "10",
      description = "Length of the latency run (default: ${DEFAULT-VALUE}).")
  double latencySeconds;

  @Option(
      names = "--buffer-timeout-ms",
      defaultValue = "100",
      description =
          "Flink's network buffer timeout in the latency run (Flink's default: 100) (default: ${DEFAULT-VALUE}).")
  long bufferTimeoutMs;

  @Option(
      names = "--bootstrap-servers",
      description = "Use this Kafka cluster instead of an embedded broker.")
  String bootstrapServers;

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

  @Option(
      names = "--checkpoints",
      description =
          "Instead: checkpoint size and duration against the number of models touched since the last checkpoint, on each --state-backends (see CheckpointBench); with --sparse B, against the coordinates of one sparse model of 2^B touched.")
  boolean checkpoints;

  @Option(
      names = "--serving",
      description =
          "Instead: the predictor job's requests/s against a passthrough job of the same pipeline over --samples pre-loaded requests for --serving-models models (first of --configs' features), and request-to-prediction latency at --latency-rate with --buffer-timeout-ms.")
  boolean serving;

  @Option(
      names = "--serving-models",
      defaultValue = "64",
      description = "Models the serving bench's requests are for (default: ${DEFAULT-VALUE}).")
  int servingModels;

  @Option(
      names = "--sample-formats",
      description =
          "Instead: the training job on the same samples written as Avro and as JSON (first of --configs), alternating, and JSON's samples/s against Avro's.")
  boolean sampleFormats;

  @Option(
      names = "--sparse",
      paramLabel = "B",
      description =
          "Instead: click samples with 30 hashed tokens (of 10^6) through the training job (an FTRL sparse-logistic model of 2^B coordinates, --configs gives its dense features and models) against the passthrough job, alternating; then, outside Flink, a sparse model's memory and what a checkpoint writes of it against the coordinates touched since the last one.")
  int sparseBits;

  @Option(
      names = "--quality",
      description =
          "Instead: the training job (first of --configs) with nothing of the trust features against all of them (standardization, prequential metrics, Page-Hinkley drift detection), alternating, and the ratio of their samples/s.")
  boolean quality;

  @Option(names = "--summary-json", description = "Write the figures as JSON to this file.")
  Path summaryJson;

  @Override
  public Integer call() throws Exception {
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
    List<RuntimeSettings.StateBackend> backends = new ArrayList<>();
    for (String b : stateBackends) {
      backends.add(RuntimeOptions.stateBackend("--state-backends", b));
    }
    int maxLive = TrainerOptions.maxLiveModels("--max-live-models", maxLiveModels);
    if (checkpoints) {
      return checkpointTable(backends);
    }
    if (memory) {
      return memoryTable(parsed);
    }
    Check.positive("--samples", samples);
    Check.positive("--batch-size", batchSize);
    Check.positive("--parallelism", parallelism);
    Check.positive("--rounds", rounds);
    Check.atLeast("--warmup-rounds", warmupRounds, 0);
    if (serving) {
      Check.positive("--serving-models", servingModels);
      return servingTable(parsed.get(0).features());
    }
    if (sampleFormats) {
      return formatsTable(parsed.get(0));
    }
    if (quality) {
      return qualityTable(parsed.get(0));
    }
    if (sparseBits > 0) {
      Check.inRange("--sparse", sparseBits, 1, 30, false);
      return sparseTable(parsed.get(0));
    }
    if (bootstrapServers != null) {
      // Reachable, or the cause within 10 s.
      KafkaPreflight.connect(bootstrapServers, new Properties(), Duration.ofSeconds(10)).close();
    }
    EmbeddedKafka broker = null;
    try {
      if (bootstrapServers == null) {
        broker = new EmbeddedKafka();
        bootstrapServers = broker.bootstrapServers();
      }
      System.err.printf(
          "bench: %d samples per configuration, batch %d, parallelism %d, %d rounds, JDK %s, %d cores%n",
          samples,
          batchSize,
          parallelism,
          rounds,
          Runtime.version(),
          Runtime.getRuntime().availableProcessors());
      PipelineBench bench = new PipelineBench(bootstrapServers, parallelism, batchSize);
      List<Result> results = new ArrayList<>();
      String run = Long.toString(System.currentTimeMillis(), 36);
      for (int i = 0; i < parsed.size(); i++) {
        Config config = parsed.get(i);
        String topic =
            "bench-" + run + "-" + i + "-" + config.features() + "f-" + config.models() + "m";
        long t0 = System.nanoTime();
        bench.preload(topic, config, 42 + i);
        System.err.printf(
            "bench: %s: pre-loaded %d samples in %.1f s%n",
            config.name(), config.samples(), (System.nanoTime() - t0) / 1e9);
        bench.warmUpEngine(config, 2_000);
        for (RuntimeSettings.StateBackend backend : backends) {
          List<Run> train = new ArrayList<>();
          List<Run> pass = new ArrayList<>();
          for (int r = 0; r < warmupRounds; r++) {
            System.err.printf("bench: %s: warm-up %d/%d%n", config.name(), r + 1, warmupRounds);
            bench.passthrough(topic, config);
            bench.train(topic, config, backend, maxLive);
          }
          for (int r = 0; r < rounds; r++) {
            // Alternate which job goes first, so neither always gets the warmer JVM.
            if (r % 2 == 0) {
              pass.add(report(config, bench.passthrough(topic, config)));
              train.add(report(config, bench.train(topic, config, backend, maxLive)));
            } else {
              train.add(report(config, bench.train(topic, config, backend, maxLive)));
              pass.add(report(config, bench.passthrough(topic, config)));
            }
          }
          results.add(
              new Result(
                  config, backend.flinkName, median(train), median(pass), train, pass, null));
        }
        Latency latency = null;
        if (i == 0 && latencyRate > 0) {
          latency =
              bench.latency(
                  "bench-" + run + "-latency",
                  config.features(),
                  latencyRate,
                  latencySeconds,
                  bufferTimeoutMs);
          System.err.printf(
              "bench: latency at %.0f samples/s: p50 %.1f ms, p99 %.1f ms%n",
              latency.ratePerSecond(), latency.p50(), latency.p99());
        }
        if (latency != null) { // reported with the configuration's first backend
          int first = results.size() - backends.size();
          results.set(first, results.get(first).withLatency(latency));
        }
      }
      print(results);
      if (summaryJson != null) {
        Files.writeString(summaryJson, json(results), StandardCharsets.UTF_8);
      }
      return 0;
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @Option(
      names = "--memory",
      description =
          "Instead: memory per model for each of --configs' feature counts at --batch-size: heap per live trainer and bytes of keyed state (see MemoryBench).")
  boolean memory;

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
      MemoryBench.Row r = MemoryBench.measure(features, batchSize, 100_000);
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

  @Option(
      names = "--checkpoint-models",
      defaultValue = "1000000",
      description = "--checkpoints: models in state (default: ${DEFAULT-VALUE}).")
  int checkpointModels;

  @Option(
      names = "--checkpoint-touched",
      split = ",",
      defaultValue = "1000,10000,100000",
      description =
          "--checkpoints: models touched per checkpoint interval (default: ${DEFAULT-VALUE}).")
  List<Integer> checkpointTouched;

  private int checkpointTable(List<RuntimeSettings.StateBackend> backends) throws Exception {
    Check.positive("--checkpoint-models", checkpointModels);
    for (int t : checkpointTouched) {
      Check.positive("--checkpoint-touched", t);
    }
    Path dir = Files.createTempDirectory("streamgrad-checkpoint-bench");
    try {
      CheckpointBench bench = new CheckpointBench(16, batchSize, 5_000, dir);
      List<CheckpointBench.Row> rows = new ArrayList<>();
      for (RuntimeSettings.StateBackend backend : backends) {
        for (int touched : checkpointTouched) {
          // With --sparse B: one sparse model, `touched` its coordinates, not models.
          CheckpointBench.Row r =
              sparseBits > 0
                  ? bench.runSparse(backend, sparseBits, touched)
                  : bench.run(backend, checkpointModels, touched);
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
      try (var walk = Files.walk(dir)) {
        walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
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

  private static Run report(Config config, Run r) {
    System.err.printf(
        "bench: %-28s %-11s %,12.0f samples/s  %6.2f µs CPU/sample  GC %.2f s%n",
        config.name(), r.job(), r.samplesPerSecond(), r.cpuMicrosPerSample(), r.gcSeconds());
    return r;
  }

  /** The predictor job against its passthrough, then latency at a steady rate. */
  private int servingTable(int features) throws Exception {
    return onKafka(
        () -> {
          ServingBench bench = new ServingBench(bootstrapServers, parallelism);
          String run = "bench-serving-" + Long.toString(System.currentTimeMillis(), 36);
          System.err.printf(
              "bench: serving %d requests for %d models of %d features, request batches of %d, parallelism %d, %d rounds, JDK %s, %d cores%n",
              samples,
              servingModels,
              features,
              batchSize,
              parallelism,
              rounds,
              Runtime.version(),
              Runtime.getRuntime().availableProcessors());
          ServingBench.Topics topics = bench.preload(run, features, servingModels, samples);
          bench.warmUpEngine(features, batchSize, 2_000);
          List<Run> predict = new ArrayList<>();
          List<Run> pass = new ArrayList<>();
          for (int r = 0; r < warmupRounds; r++) {
            System.err.printf("bench: serving warm-up %d/%d%n", r + 1, warmupRounds);
            bench.passthrough(topics);
            bench.predictor(topics, batchSize);
          }
          for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
              pass.add(bench.passthrough(topics));
              predict.add(bench.predictor(topics, batchSize));
            } else {
              predict.add(bench.predictor(topics, batchSize));
              pass.add(bench.passthrough(topics));
            }
            System.err.printf(
                "bench: serving round %d: predict %.0f/s, passthrough %.0f/s%n",
                r + 1, predict.get(r).samplesPerSecond(), pass.get(r).samplesPerSecond());
          }
          printRounds(
              "job",
              "requests/s",
              "CPU µs/req",
              List.of(Map.entry("predict", predict), Map.entry("passthrough", pass)));
          printRatio("predict / passthrough", predict, pass);
          if (latencyRate > 0) {
            Latency l =
                bench.latency(
                    run + "-latency", features, latencyRate, latencySeconds, bufferTimeoutMs);
            System.out.printf(
                "latency at %.0f requests/s, buffer timeout %d ms: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d requests)%n",
                l.ratePerSecond(), l.bufferTimeoutMillis(), l.p50(), l.p99(), l.max(), l.samples());
          }
          return 0;
        });
  }

  /** The training job over the same samples in Avro and in JSON, alternating. */
  private int formatsTable(Config config) throws Exception {
    return onKafka(
        () -> {
          String run = "bench-formats-" + Long.toString(System.currentTimeMillis(), 36);
          PipelineBench avro = new PipelineBench(bootstrapServers, parallelism, batchSize, "avro");
          PipelineBench json = new PipelineBench(bootstrapServers, parallelism, batchSize, "json");
          avro.preload(run + "-avro", config, 42);
          json.preload(run + "-json", config, 42); // the same samples
          avro.warmUpEngine(config, 2_000);
          List<Run> a = new ArrayList<>();
          List<Run> j = new ArrayList<>();
          for (int r = 0; r < warmupRounds; r++) {
            System.err.printf("bench: formats warm-up %d/%d%n", r + 1, warmupRounds);
            avro.train(run + "-avro", config);
            json.train(run + "-json", config);
          }
          for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
              a.add(report(config, avro.train(run + "-avro", config)));
              j.add(report(config, json.train(run + "-json", config)));
            } else {
              j.add(report(config, json.train(run + "-json", config)));
              a.add(report(config, avro.train(run + "-avro", config)));
            }
          }
          printRounds(
              "training job, " + config.name(),
              "samples/s",
              "CPU µs",
              List.of(Map.entry("avro", a), Map.entry("json", j)));
          printRatio("json / avro", j, a);
          return 0;
        });
  }

  /** The cost of the trust features: the same job and samples with none and with all of them. */
  private int qualityTable(Config config) throws Exception {
    QualitySpec all =
        QualitySpec.DEFAULT
            .standardize(100)
            .drift(PageHinkley.Params.DEFAULT, QualitySpec.DriftAction.NONE);
    return onKafka(
        () -> {
          String topic = "bench-quality-" + Long.toString(System.currentTimeMillis(), 36);
          PipelineBench bench = new PipelineBench(bootstrapServers, parallelism, batchSize);
          bench.preload(topic, config, 42);
          bench.warmUpEngine(config, 2_000);
          List<Run> off = new ArrayList<>();
          List<Run> on = new ArrayList<>();
          for (int r = 0; r < warmupRounds; r++) {
            System.err.printf("bench: quality warm-up %d/%d%n", r + 1, warmupRounds);
            bench.train(topic, config, QualitySpec.OFF);
            bench.train(topic, config, all);
          }
          for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
              off.add(report(config, bench.train(topic, config, QualitySpec.OFF)));
              on.add(report(config, bench.train(topic, config, all)));
            } else {
              on.add(report(config, bench.train(topic, config, all)));
              off.add(report(config, bench.train(topic, config, QualitySpec.OFF)));
            }
          }
          printRounds(
              "training job, " + config.name(),
              "samples/s",
              "CPU µs",
              List.of(
                  Map.entry("without", off),
                  Map.entry("with all (standardize, metrics, drift)", on)));
          printRatio("with / without", on, off);
          return 0;
        });
  }

  private int sparseTable(Config config) throws Exception {
    int code =
        onKafka(
            () -> {
              String topic = "bench-sparse-" + Long.toString(System.currentTimeMillis(), 36);
              PipelineBench bench =
                  new PipelineBench(bootstrapServers, parallelism, batchSize).sparse(sparseBits);
              bench.preload(topic, config, 42);
              List<Run> train = new ArrayList<>();
              List<Run> pass = new ArrayList<>();
              for (int r = 0; r < warmupRounds; r++) {
                System.err.printf("bench: sparse warm-up %d/%d%n", r + 1, warmupRounds);
                bench.passthrough(topic, config);
                bench.train(topic, config);
              }
              for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                  pass.add(report(config, bench.passthrough(topic, config)));
                  train.add(report(config, bench.train(topic, config)));
                } else {
                  train.add(report(config, bench.train(topic, config)));
                  pass.add(report(config, bench.passthrough(topic, config)));
                }
              }
              printRounds(
                  "click samples (30 tokens), " + config.name() + ", 2^" + sparseBits,
                  "samples/s",
                  "CPU µs",
                  List.of(
                      Map.entry("passthrough", pass),
                      Map.entry("train (sparse-logistic, ftrl)", train)));
              printRatio("train / passthrough", train, pass);
              return 0;
            });
    sparseCheckpoints(config.features());
    return code;
  }

  /**
   * Outside Flink: a sparse model's heap, and what a write-back (a checkpoint) writes of it after k
   * steps of 64 impressions, against the coordinates those steps touched.
   */
  private void sparseCheckpoints(int features) {
    var trainer =
        OnlineTrainer.builder()
            .features(features)
            .model(io.streamgrad.nn.sparse.SparseModels.logistic(sparseBits))
            .optimizer(io.streamgrad.flink.train.Optimizers.ftrl(0.1))
            .batchSize(64)
            .build();
    var t = new io.streamgrad.flink.train.ModelTrainer(trainer.config(), "m");
    var data =
        new io.streamgrad.jobs.demo.SyntheticData(features, 1, 0.1f, 7).sparse(1_000_000, 30);
    System.out.println();
    System.out.printf(
        "a sparse-logistic model of 2^%d coordinates with FTRL: %,d bytes on the heap while live%n",
        sparseBits, t.heapBytes());
    System.out.printf(
        "%-22s %16s %14s %16s %12s%n",
        "steps since last", "coords touched", "chunks", "bytes written", "ms to copy");
    int[] steps = {1, 10, 100, 1000};
    for (int k : steps) {
      t.takeDirtyChunks(); // a checkpoint just happened
      java.util.Set<Integer> touched = new java.util.HashSet<>();
      for (int step = 0; step < k; step++) {
        for (int i = 0; i < 64; i++) {
          var s = io.streamgrad.schemas.DenseSample.of(data.next(), sparseBits);
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

  /** Runs {@code work} against --bootstrap-servers (checked first), or an embedded broker. */
  private int onKafka(Callable<Integer> work) throws Exception {
    EmbeddedKafka broker = null;
    try {
      if (bootstrapServers == null) {
        broker = new EmbeddedKafka();
        bootstrapServers = broker.bootstrapServers();
      } else {
        KafkaPreflight.connect(bootstrapServers, new Properties(), Duration.ofSeconds(10)).close();
      }
      return work.call();
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  /** Each job's rounds: median, min and max per second, CPU per record at the median. */
  private static void printRounds(
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
  private static void printRatio(String label, List<Run> num, List<Run> den) {
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
            batchSize,
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
          .append(batchSize)
          .append(", \"parallelism\": ")
          .append(parallelism)
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
