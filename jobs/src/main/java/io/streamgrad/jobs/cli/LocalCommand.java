package io.streamgrad.jobs.cli;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.dashboard.Dashboard;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.FailureInjection;
import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.graph.PredictJob;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.graph.TrainJob;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * Everything on one machine with no external service: a real Kafka broker in this JVM (KRaft), the
 * topics, {@code produce}, {@code train} on a Flink MiniCluster until the input is consumed, then
 * the snapshot table and the learned vs true weights.
 */
@Command(
    name = "local",
    mixinStandardHelpOptions = true,
    description =
        "Run produce, train and watch end to end on an embedded Kafka broker and a Flink MiniCluster.")
public final class LocalCommand implements Callable<Integer> {

  @Mixin KafkaOptions kafka = new KafkaOptions();
  @Mixin TrainerOptions trainer = new TrainerOptions();
  @Mixin SyntheticDataOptions data = new SyntheticDataOptions();
  @Mixin RuntimeOptions runtime = new RuntimeOptions();
  @Mixin InputOptions input = new InputOptions();
  @Mixin PredictorOptions predictor = new PredictorOptions();
  @Mixin VerboseOption verbose = new VerboseOption();
  @Mixin FeedbackOptions feedback = new FeedbackOptions();
  @Mixin FeedbackDataOptions feedbackData = new FeedbackDataOptions();

  @Option(
      names = "--requests",
      defaultValue = "1000",
      description =
          "After training, serve: this many prediction requests for the synthetic models go through the predictor job, and their predictions are compared with the true outputs; 0 skips serving (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(
      names = "--requests-topic",
      defaultValue = "requests",
      description = "Topic of prediction requests (default: ${DEFAULT-VALUE}).")
  String requestsTopic;

  @Option(
      names = "--predictions-topic",
      defaultValue = "predictions",
      description = "Topic of predictions (default: ${DEFAULT-VALUE}).")
  String predictionsTopic;

  @Option(
      names = "--partitions",
      defaultValue = "2",
      description = "Partitions of the samples topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--parallelism",
      defaultValue = "2",
      description = "Parallelism of the training job (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--show-models",
      defaultValue = "20",
      description =
          "With up to this many models, print every snapshot and each model's learned weights; with more, only the worst and best of them and the spread (the --summary-json keeps every model) (default: ${DEFAULT-VALUE}).")
  int showModels;

  @Option(
      names = "--export",
      paramLabel = "DIR",
      description =
          "Keep a Triton model repository of ONNX models in DIR while training (export --follow), and export each model's last version at the end.")
  Path export;

  @Option(names = "--summary-json", description = "Write a JSON summary of the run to this file.")
  Path summaryJson;

  @Option(
      names = "--fail-after",
      split = ",",
      paramLabel = "N",
      description =
          "Chaos: make the training job fail after N (then M, ...) processed samples; it restarts from its last checkpoint.")
  long[] failAfter = new long[0];

  @Option(
      names = "--checkpoint-interval-ms",
      defaultValue = "200",
      description =
          "Checkpoint interval when checkpoints are needed (--fail-after, exactly-once) (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  @Option(
      names = "--dashboard",
      description =
          "Serve the live dashboard during the run (see the dashboard command); its address is printed.")
  boolean dashboard;

  @Option(
      names = "--dashboard-port",
      defaultValue = "8088",
      description = "Port of --dashboard; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int dashboardPort;

  @Option(
      names = "--dashboard-bind",
      defaultValue = "127.0.0.1",
      description = "Address --dashboard listens on (default: ${DEFAULT-VALUE}).")
  String dashboardBind;

  @Option(
      names = "--keep-dashboard",
      description =
          "With --dashboard: after the run, keep the page (and the embedded broker) up until interrupted.")
  boolean keepDashboard;

  @Spec CommandSpec spec;

  /** The dashboard of the current run, once started (tests read its address). */
  volatile Dashboard runningDashboard;

  @Override
  public Integer call() throws Exception {
    if (feedbackData.feedback) {
      return new LocalFeedback(this).run();
    }
    if (feedback.enabled()) {
      throw new BadOption(
          "--labels-topic in local goes with --feedback (a served stream to learn from)");
    }
    long start = System.nanoTime();
    List<String> writerSchemas = validate(); // nothing is produced with a value refused later
    OnlineTrainer t = trainer.build();
    try (Resources run = new Resources()) {
      connectKafka(run);
      createTopics();
      startDashboard(run);
      // The topics may hold records of earlier runs: this run reads only what it writes from now.
      long since = System.currentTimeMillis();
      SampleProducer.Result produced = produceSamples();
      RuntimeSettings rt = runtimeSettings(run);
      KafkaSettings settings = settings(since, writerSchemas);
      if (export != null) {
        run.export = LocalExport.start(kafka, export);
      }
      int restarts = train(run, t, rt, settings);
      Outcome outcome = readOutcome(t, since, produced);
      printModels(outcome, produced);
      if (run.export != null) {
        Map<String, Long> newest = new TreeMap<>();
        outcome.table.latest.forEach((id, s) -> newest.put(id, s.getVersion()));
        run.export.finish(newest);
      }
      Served served = null;
      if (requests > 0) {
        served = serve(settings, rt);
        System.out.println(served.line());
      }
      long dead = outcome.deadLetters.values().stream().mapToLong(Long::longValue).sum();
      long seen =
          outcome.table.latest.values().stream().mapToLong(WeightSnapshot::getSamplesSeen).sum();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "%d records produced, %d samples trained on, %d dead letters %s, %d restarts, %.1f s%n",
          produced.produced(), seen, dead, outcome.deadLetters, restarts, seconds);
      if (summaryJson != null) {
        Served shown = served;
        LocalSummary.writeAtomically(
            summaryJson,
            out ->
                LocalSummary.write(
                    out,
                    produced,
                    seen,
                    dead,
                    outcome.deadLetters,
                    restarts,
                    seconds,
                    outcome.table.latest,
                    outcome.versions,
                    shown,
                    outcome.drifts,
                    outcome.gated,
                    outcome.table.sparseModels));
      }
      if (outcome.table.latest.isEmpty()) {
        System.err.println("local: no snapshot arrived; is the snapshots topic readable?");
        return 1;
      }
      if (run.dashboard != null && keepDashboard) {
        System.err.println("the dashboard stays up at " + run.dashboard.url() + "; Ctrl-C to stop");
        new CountDownLatch(1).await();
      }
      return 0;
    }
  }

  /** What a run starts and must stop, whatever happens: broker, dashboard, checkpoints. */
  static final class Resources implements AutoCloseable {
    EmbeddedKafka broker;
    Dashboard dashboard;
    LocalExport export;
    Path checkpoints;

    @Override
    public void close() throws InterruptedException {
      if (export != null) {
        export.close();
      }
      if (dashboard != null) {
        dashboard.close();
      }
      if (broker != null) {
        try {
          broker.close();
        } catch (Exception e) {
          System.err.println("stopping the embedded broker failed: " + e);
        }
      }
      if (checkpoints != null) {
        deleteRecursively(checkpoints);
      }
    }
  }

  /** Checks every option; returns the writer schemas announced. */
  private List<String> validate() {
    if (data.sparse) {
      sparseDefaults();
    }
    kafka.validate(false);
    trainer.validate();
    data.validate();
    if (data.sparse && !trainer.isSparse()) {
      throw new BadOption(
          "--sparse produces click data with hashed tokens: train it with a sparse model, e.g."
              + " --model sparse-logistic --optimizer ftrl --lr 0.1 --features 0");
    }
    runtime.validate();
    List<String> writerSchemas = input.validate();
    Check.positive("--partitions", partitions);
    Check.positive("--parallelism", parallelism);
    Check.positive("--show-models", showModels);
    Check.positive("--checkpoint-interval-ms", checkpointIntervalMs);
    Check.atLeast("--requests", requests, 0);
    Check.notBlank("--requests-topic", requestsTopic);
    Check.notBlank("--predictions-topic", predictionsTopic);
    predictor.validate();
    for (long n : failAfter) {
      Check.positive("--fail-after", n);
    }
    if (dashboard) {
      Check.atLeast("--dashboard-port", dashboardPort, 0);
      Check.notBlank("--dashboard-bind", dashboardBind);
    } else if (keepDashboard) {
      throw new BadOption("--keep-dashboard needs --dashboard");
    }
    String thin = fewerThanABatch(data.samples, data.models, trainer.batchSize);
    if (thin != null) {
      System.err.println("local: " + thin);
    }
    return writerSchemas;
  }

  /**
   * A line when the models get fewer samples each than one batch, so that they would each train
   * once, on the partial batch the end of the input flushes; null otherwise.
   */
  static String fewerThanABatch(long samples, int models, int batchSize) {
    long each = samples / Math.max(1, models);
    if (each >= batchSize) {
      return null;
    }
    return String.format(
        "%,d samples over %,d models is about %,d per model, fewer than one batch of %d: each model"
            + " trains once, on what the end of the input flushes (add --samples, or lower"
            + " --batch-size)",
        samples, models, each, batchSize);
  }

  /**
   * Click data trains a sparse model: with {@code --sparse}, the model, optimizer, learning rate
   * and dense features the user did not give are those of the click workload (sparse-logistic, FTRL
   * with alpha 0.1, no dense features).
   */
  void sparseDefaults() {
    ParseResult given = spec.commandLine().getParseResult();
    if (given.hasMatchedOption("--model")) {
      return; // the user chose the model, and what goes with it
    }
    trainer.model = "sparse-logistic";
    if (!given.hasMatchedOption("--optimizer")) {
      trainer.optimizer = "ftrl";
    }
    if (!given.hasMatchedOption("--lr")) {
      trainer.lr = 0.1;
    }
    if (!given.hasMatchedOption("--features")) {
      trainer.features = 0;
    }
  }

  /** An embedded broker, or the one given, reachable within --kafka-timeout. */
  void connectKafka(Resources run) throws Exception {
    if (kafka.bootstrapServers == null) {
      run.broker = new EmbeddedKafka();
      kafka.bootstrapServers = run.broker.bootstrapServers();
      System.err.println(
          "started an embedded Kafka 4.2 broker (KRaft) at " + kafka.bootstrapServers);
    } else {
      kafka.preflight().close(); // reachable, or the cause within --kafka-timeout
    }
  }

  private void createTopics() throws Exception {
    EmbeddedKafka.createTopics(
        kafka.bootstrapServers,
        partitions,
        kafka.samplesTopic,
        kafka.snapshotsTopic,
        kafka.deadLettersTopic,
        kafka.driftsTopic,
        kafka.heldBackTopic,
        requestsTopic,
        predictionsTopic);
  }

  private void startDashboard(Resources run) throws Exception {
    if (!dashboard) {
      return;
    }
    run.dashboard =
        Dashboard.start(
            kafka.bootstrapServers,
            kafka.clientProperties(),
            kafka.snapshotsTopic,
            kafka.deadLettersTopic,
            predictionsTopic,
            kafka.feedbackTopic,
            data.generatorAfterSamples(trainer.features).trueWeights(),
            dashboardBind,
            dashboardPort);
    runningDashboard = run.dashboard;
    System.err.println("dashboard at " + run.dashboard.url());
  }

  private SampleProducer.Result produceSamples() throws Exception {
    SampleProducer.Result produced =
        SampleProducer.produce(
            kafka,
            data,
            trainer.features,
            null,
            null,
            0,
            System.err,
            input.sampleFormat.equals("json"));
    System.err.println(
        "produced "
            + produced.produced()
            + " records for "
            + data.models
            + " models"
            + (produced.corrupted() > 0 ? " (" + produced.corrupted() + " bad on purpose)" : ""));
    return produced;
  }

  /**
   * How the local jobs run: checkpoints when exactly-once or failures need them (to a temporary
   * directory), restarts bounded so that a run that keeps failing ends with its error.
   */
  RuntimeSettings runtimeSettings(Resources run) throws Exception {
    boolean checkpointed = kafka.exactlyOnce() || failAfter.length > 0;
    RuntimeSettings.Builder rt =
        runtime
            .settings()
            .parallelism(parallelism)
            .checkpointIntervalMs(checkpointed ? checkpointIntervalMs : 0)
            .restartDelay(Duration.ofMillis(200));
    if (checkpointed && runtime.checkpointDir == null) {
      run.checkpoints = Files.createTempDirectory("streamgrad-local-checkpoints");
      rt.checkpointDir(run.checkpoints.toString());
    }
    if (runtime.maxRestarts == null) {
      rt.maxRestarts(failAfter.length + 3);
    }
    return rt.build();
  }

  /**
   * The training job on a MiniCluster over what this run produced, bounded; with --fail-after, its
   * input decorated with failures. Returns the restarts.
   */
  private int train(Resources run, OnlineTrainer t, RuntimeSettings rt, KafkaSettings settings)
      throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env);
    String runId = "local-" + UUID.randomUUID();
    if (run.dashboard != null) {
      run.dashboard.board().restarts(() -> FailureInjection.failures(runId));
    }
    TrainJob.build(env, settings, t, FailureInjection.tap(runId, failAfter));
    System.err.println(
        "training "
            + t.config().model.name()
            + " with "
            + t.config().optimizer
            + " on a Flink MiniCluster…");
    env.execute("streamgrad-local");
    int restarts = FailureInjection.failures(runId);
    FailureInjection.forget(runId);
    if (run.dashboard != null) {
      run.dashboard.board().restarts(() -> restarts);
    }
    return restarts;
  }

  /** The training job's Kafka settings: this run's records only, bounded, its own ids. */
  private KafkaSettings settings(long since, List<String> writerSchemas) {
    KafkaSettings.Builder builder =
        kafka
            .settings()
            .groupId("streamgrad-local-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.timestamp(since))
            .transactionalIdPrefix(kafka.transactionalIdPrefix + "-" + UUID.randomUUID())
            .bounded(true); // stop once everything produced above is consumed
    input.applyTo(builder, writerSchemas);
    return builder.build();
  }

  /** What the run wrote, read back from its topics. */
  private static final class Outcome {
    SnapshotTable table;
    final Map<String, List<Long>> versions = new TreeMap<>();
    final Map<String, Long> deadLetters = new TreeMap<>();
    final Map<String, List<DriftEvent>> drifts = new TreeMap<>();
    final Map<String, Long> gated = new TreeMap<>();
  }

  private Outcome readOutcome(OnlineTrainer t, long since, SampleProducer.Result produced)
      throws Exception {
    Outcome o = new Outcome();
    boolean few = data.models <= showModels;
    o.table = new SnapshotTable(System.out, produced.trueWeights(), few);
    SnapshotTable table = o.table;
    TopicReader.read(
        kafka,
        kafka.snapshotsTopic,
        1500,
        since,
        bytes -> {
          WeightSnapshot s = WireFormat.snapshot(bytes);
          if (SnapshotModels.firstPart(s)) {
            o.versions.computeIfAbsent(s.getModelId(), k -> new ArrayList<>()).add(s.getVersion());
          }
          table.row(s);
        });
    TopicReader.read(
        kafka,
        kafka.deadLettersTopic,
        1000,
        since,
        bytes -> o.deadLetters.merge(WireFormat.deadLetter(bytes).getReason(), 1L, Long::sum));
    if (t.config().quality.drift() != null) {
      TopicReader.read(
          kafka,
          kafka.driftsTopic,
          1000,
          since,
          bytes -> {
            DriftEvent d = WireFormat.driftEvent(bytes);
            o.drifts.computeIfAbsent(d.getModelId(), k -> new ArrayList<>()).add(d);
          });
    }
    if (t.config().quality.gate() != null) {
      TopicReader.read(
          kafka,
          kafka.heldBackTopic,
          1000,
          since,
          bytes -> {
            WeightSnapshot h = WireFormat.snapshot(bytes);
            o.gated.merge(h.getModelId(), h.getGatedSnapshots(), Math::max);
          });
      table.latest.forEach((id, s) -> o.gated.merge(id, s.getGatedSnapshots(), Math::max));
    }
    return o;
  }

  /** Each shown model's learned weights (and metrics) against the true ones. */
  private void printModels(Outcome o, SampleProducer.Result produced) {
    if (data.models > showModels) {
      o.table.printModels(showModels);
    }
    printDrifts(o.drifts, o.gated);
    System.out.println();
    for (WeightSnapshot latest : o.table.shown(showModels)) {
      String id = latest.getModelId();
      String shown = Printable.escape(id); // a producer's id never drives the terminal
      float[] truth = produced.trueWeights().get(id);
      Float trueBias = produced.trueBias().get(id);
      boolean showBias = trueBias != null && trueBias != 0f;
      System.out.println(
          shown
              + (latest.getWeights().isEmpty() && trainer.isSparse()
                  ? "  dense part: none, bias " + latest.getBias()
                  : "  learned: "
                      + Json.array(FloatLists.unboxed(latest.getWeights()))
                      + (showBias ? "  bias " + latest.getBias() : "")));
      var trueModel = produced.trueModel().get(id);
      if (trueModel != null && latest.getMetrics() != null) {
        System.out.printf(
            "%s  AUC %.4f (true model %.4f)  log loss %.4f (true model %.4f)  over %,d samples%n",
            " ".repeat(shown.length()),
            latest.getMetrics().getAuc(),
            trueModel.auc(false),
            latest.getMetrics().getLogLoss(),
            trueModel.logLoss(false),
            latest.getMetrics().getSamples());
      }
      if (truth != null && truth.length > 0) {
        System.out.println(
            " ".repeat(shown.length())
                + "  true:    "
                + Json.array(truth)
                + (showBias ? "  bias " + trueBias : "")
                + "  (max |w - w*| = "
                + String.format("%.4f", SnapshotTable.maxAbsError(latest.getWeights(), truth))
                + ")");
      }
    }
  }

  /** What serving the trained models showed. */
  record Served(
      long requests,
      long count,
      long deadLetters,
      Map<String, Long> deadLettersByReason,
      double maxAbsError,
      double meanAbsError,
      long minVersion,
      long maxVersion) {
    String line() {
      return String.format(
          "%d requests: %d predictions (max |y - y*| = %.4f, mean %.4f, model versions %d..%d), %d dead letters %s",
          requests,
          count,
          maxAbsError,
          meanAbsError,
          minVersion,
          maxVersion,
          deadLetters,
          deadLettersByReason);
    }

    String json() {
      return "{\"requests\": "
          + requests
          + ", \"count\": "
          + count
          + ", \"deadLetters\": "
          + deadLetters
          + ", \"maxAbsError\": "
          + Json.number(maxAbsError)
          + ", \"meanAbsError\": "
          + Json.number(meanAbsError)
          + ", \"modelVersions\": ["
          + minVersion
          + ", "
          + maxVersion
          + "]}";
    }
  }

  /**
   * Serving after training: synthetic requests (true outputs known) through the predictor job on a
   * MiniCluster, bounded, so that each is answered by its model's final snapshot.
   */
  private Served serve(KafkaSettings trained, RuntimeSettings rt) throws Exception {
    long since = System.currentTimeMillis();
    SampleProducer.Requests sent =
        SampleProducer.produceRequests(
            kafka, data, trainer.features, requestsTopic, requests, 0, null);
    KafkaSettings s =
        trained.toBuilder()
            .requestsTopic(requestsTopic)
            .predictionsTopic(predictionsTopic)
            .groupId("streamgrad-local-predict-" + UUID.randomUUID())
            .startingOffsets(StartingOffsets.timestamp(since))
            .transactionalIdPrefix("streamgrad-local-predict-" + UUID.randomUUID())
            .build(); // chaos (--fail-after) is for the training job
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            parallelism, rt.miniClusterConfig(parallelism));
    rt.applyTo(env);
    PredictJob.build(env, s, predictor.build(true));
    System.err.println("serving " + requests + " requests with the trained models…");
    env.execute("streamgrad-local-predict");
    double[] err = {0, 0};
    long[] versions = {Long.MAX_VALUE, Long.MIN_VALUE};
    long count =
        TopicReader.read(
            kafka,
            predictionsTopic,
            1000,
            since,
            bytes -> {
              Prediction p = WireFormat.prediction(bytes);
              Float truth = sent.trueOutputs().get(p.getRequestId());
              if (truth != null) {
                double e = Math.abs(p.getOutput() - truth);
                err[0] = Math.max(err[0], e);
                err[1] += e;
              }
              versions[0] = Math.min(versions[0], p.getModelVersion());
              versions[1] = Math.max(versions[1], p.getModelVersion());
            });
    Map<String, Long> refused = new TreeMap<>();
    TopicReader.read(
        kafka,
        kafka.deadLettersTopic,
        1000,
        since,
        bytes -> refused.merge(WireFormat.deadLetter(bytes).getReason(), 1L, Long::sum));
    long dead = refused.values().stream().mapToLong(Long::longValue).sum();
    if (count == 0) {
      versions[0] = versions[1] = 0;
    }
    return new Served(
        requests,
        count,
        dead,
        refused,
        err[0],
        count == 0 ? 0 : err[1] / count,
        versions[0],
        versions[1]);
  }

  /** Deletes {@code dir} and what it holds; a failure is said, not thrown (a temporary dir). */
  static void deleteRecursively(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + dir + ": " + e.getMessage());
    }
  }

  /** Each detected drift, and the models the quality gate held back. */
  private void printDrifts(Map<String, List<DriftEvent>> drifts, Map<String, Long> gated) {
    int shown = 0;
    for (List<DriftEvent> events : drifts.values()) {
      for (DriftEvent d : events) {
        if (shown++ < showModels) {
          System.out.printf(
              "drift: %s at sample %,d%s: %s %.4g -> %.4g; action %s%n",
              Printable.escape(d.getModelId()),
              d.getSamplesSeen(),
              data.driftAt > 0 ? String.format(" (true drift after %,d)", data.driftAt) : "",
              d.getError(),
              d.getErrorBefore(),
              d.getErrorAfter(),
              d.getAction());
        }
      }
    }
    if (shown > showModels) {
      System.out.printf("drift: %,d detections in all%n", shown);
    } else if (shown == 0 && data.driftAt > 0) {
      System.out.println("drift: none detected");
    }
    long held = gated.values().stream().mapToLong(Long::longValue).sum();
    if (held > 0) {
      System.out.printf(
          "quality gate: %,d snapshots of %,d models held back%n",
          held, gated.values().stream().filter(v -> v > 0).count());
    }
  }
}
