package io.streamgrad.jobs.cli;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.EmbeddedKafka;
import io.streamgrad.jobs.demo.FailureInjection;
import io.streamgrad.jobs.demo.FeedbackStream;
import io.streamgrad.jobs.demo.SyntheticData;
import io.streamgrad.jobs.format.EventTime;
import io.streamgrad.jobs.format.Json;
import io.streamgrad.jobs.graph.FeedbackJob;
import io.streamgrad.jobs.graph.RuntimeSettings;
import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.online.serving.SparseRequests;
import io.streamgrad.online.snapshot.ServedModel;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.SparseModelAssembler;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FeedbackMetrics;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Printable;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.io.IOException;
import java.io.Writer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.ParseResult;

/**
 * {@code local --feedback}: serve, wait for the outcome, learn, end to end on the embedded broker
 * and a MiniCluster. A served stream with known truth (a logistic click workload unless told
 * otherwise) goes to the requests and labels topics; the feedback job answers, joins and trains
 * until both are consumed; then the accounting, and per model the trained model on fresh data
 * beside the true model, the served-prediction metrics and calibration.
 */
final class LocalFeedback {

  /** The final models' calibration on the fresh events. */
  private final Map<String, Calibration> freshCalibration = new TreeMap<>();

  /** Fresh events per model the trained and the true models are scored on, at most. */
  static final int FRESH_EVENTS = 10_000;

  private final LocalCommand cmd;

  LocalFeedback(LocalCommand cmd) {
    this.cmd = cmd;
  }

  /** What a feedback run wrote and learned, per model and in total. */
  record Outcome(
      Map<String, WeightSnapshot> latest,
      Map<String, FeedbackMetrics> reports,
      Map<String, Calibration> served,
      Map<String, SparseModelAssembler> sparseModels,
      Map<String, Long> deadLetters,
      Map<String, PrequentialMetrics> trained,
      Map<String, PrequentialMetrics> truth) {}

  /**
   * What was served against what actually happened (every outcome, whenever its label came): the
   * predictions topic read back beside the stream's truth. Over all events and over the second half
   * of them, once the models had warmed up.
   */
  static final class Calibration {
    double served;
    double happened;
    double logLoss;
    long count;
    double lateServed;
    double lateHappened;
    double lateLogLoss;
    long lateCount;

    void add(double p, double y, boolean secondHalf) {
      double loss = PrequentialMetrics.error(true, p, y);
      served += p;
      happened += y;
      logLoss += loss;
      count++;
      if (secondHalf) {
        lateServed += p;
        lateHappened += y;
        lateLogLoss += loss;
        lateCount++;
      }
    }

    double ratio() {
      return served / happened;
    }

    double secondHalfRatio() {
      return lateServed / lateHappened;
    }
  }

  Integer run() throws Exception {
    long start = System.nanoTime();
    List<String> writerSchemas = validate();
    OnlineTrainer t = cmd.trainer.build();
    FeedbackConfig config = cmd.feedback.config();
    EventTime eventTime = cmd.feedback.eventTime();
    boolean clicks = t.config().classification();
    try {
      config.checkModel(clicks);
    } catch (IllegalArgumentException e) {
      throw new BadOption(e.getMessage());
    }
    KafkaOptions kafka = cmd.kafka;
    try (LocalCommand.Resources run = new LocalCommand.Resources()) {
      cmd.connectKafka(run);
      EmbeddedKafka.createTopics(
          kafka.bootstrapServers,
          cmd.partitions,
          cmd.requestsTopic,
          cmd.feedback.labelsTopic,
          kafka.snapshotsTopic,
          kafka.deadLettersTopic,
          kafka.driftsTopic,
          kafka.heldBackTopic,
          kafka.feedbackTopic,
          cmd.predictionsTopic);
      // The inputs' timestamps are simulated event times in the past: this run starts at the
      // topics' ends, not at a time.
      Properties client = KafkaClients.settings(kafka.bootstrapServers);
      client.putAll(kafka.clientProperties());
      Map<TopicPartition, Long> ends =
          KafkaClients.endOffsets(client, List.of(cmd.requestsTopic, cmd.feedback.labelsTopic));
      long since = System.currentTimeMillis();
      SyntheticData gen = cmd.data.generator(cmd.trainer.features);
      FeedbackProducer.Result produced =
          FeedbackProducer.produce(
              kafka,
              cmd.data,
              cmd.feedbackData,
              gen,
              clicks,
              cmd.requestsTopic,
              cmd.feedback.labelsTopic,
              cmd.feedback.labelWindow,
              cmd.feedback.labelFormat() == KafkaSettings.SampleFormat.JSON,
              System.err);
      System.err.printf(
          "produced %,d events for %d models and %,d labels (%,d late on purpose; %,d outcomes"
              + " would come after the last event: not in the stream) over %s of event time%n",
          produced.events(),
          cmd.data.models,
          produced.labels(),
          produced.lateLabels(),
          produced.unhappened(),
          Duration.ofMillis(produced.lastEventMillis() - produced.firstEventMillis()));
      RuntimeSettings rt = cmd.runtimeSettings(run);
      KafkaSettings.Builder settings =
          kafka
              .settings()
              .groupId("streamgrad-local-" + UUID.randomUUID())
              .startingOffsets(StartingOffsets.offsets(ends))
              .transactionalIdPrefix(kafka.transactionalIdPrefix + "-" + UUID.randomUUID())
              .requestsTopic(cmd.requestsTopic)
              .labelsTopic(cmd.feedback.labelsTopic)
              .labelFormat(cmd.feedback.labelFormat())
              .predictionsTopic(cmd.predictionsTopic)
              .bounded(true);
      cmd.input.applyTo(settings, writerSchemas);
      int restarts = train(rt, t, settings.build(), config, eventTime);
      Outcome outcome = readOutcome(since, gen, clicks, produced);
      print(produced, outcome, clicks, config);
      long dead = outcome.deadLetters.values().stream().mapToLong(Long::longValue).sum();
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "%d restarts, %d dead letters %s, %.1f s%n",
          restarts, dead, outcome.deadLetters, seconds);
      if (cmd.summaryJson != null) {
        LocalSummary.writeAtomically(
            cmd.summaryJson, out -> summary(out, produced, outcome, restarts, seconds));
      }
      if (outcome.latest.isEmpty()) {
        System.err.println("local: no snapshot arrived; is the snapshots topic readable?");
        return 1;
      }
      return 0;
    }
  }

  /**
   * The click workload unless the user chose a model: logistic over dense features (Adam), or
   * sparse-logistic with FTRL for {@code --sparse}; a 5-minute window, the labels topic.
   */
  private List<String> validate() {
    ParseResult given = cmd.spec.commandLine().getParseResult();
    if (cmd.data.sparse) {
      cmd.sparseDefaults();
    } else if (!given.hasMatchedOption("--model")) {
      cmd.trainer.model = "logistic";
      if (!given.hasMatchedOption("--optimizer")) {
        cmd.trainer.optimizer = "adam";
      }
      if (!given.hasMatchedOption("--lr")) {
        cmd.trainer.lr = 0.01;
      }
    }
    if (cmd.feedback.labelsTopic == null) {
      cmd.feedback.labelsTopic = "labels";
    }
    if (!given.hasMatchedOption("--answer")) {
      cmd.feedback.answer = "in-event-time"; // a replay at full speed: answer as it happened
    }
    if (cmd.feedback.labelWindow == null) {
      cmd.feedback.labelWindow = Duration.ofMinutes(5);
    }
    cmd.kafka.validate(false);
    cmd.trainer.validate();
    cmd.data.validate();
    cmd.feedbackData.validate();
    cmd.feedback.validate(cmd.requestsTopic);
    cmd.runtime.validate();
    Check.positive("--partitions", cmd.partitions);
    Check.positive("--parallelism", cmd.parallelism);
    Check.positive("--checkpoint-interval-ms", cmd.checkpointIntervalMs);
    for (long n : cmd.failAfter) {
      Check.positive("--fail-after", n);
    }
    if (cmd.data.sparse && !cmd.trainer.isSparse()) {
      throw new BadOption("--sparse produces click data with hashed tokens: train a sparse model");
    }
    if (cmd.dashboard || cmd.export != null) {
      throw new BadOption("--feedback runs without --dashboard and --export (not yet)");
    }
    return cmd.input.validate();
  }

  private int train(
      RuntimeSettings rt,
      OnlineTrainer t,
      KafkaSettings settings,
      FeedbackConfig config,
      EventTime eventTime)
      throws Exception {
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(
            cmd.parallelism, rt.miniClusterConfig(cmd.parallelism));
    rt.applyTo(env);
    String runId = "local-" + UUID.randomUUID();
    FeedbackJob.build(
        env,
        settings,
        t,
        config,
        eventTime,
        cmd.feedback.reportInterval,
        FailureInjection.tap(runId, cmd.failAfter));
    System.err.println(
        "serving, joining and training "
            + t.config().model.name()
            + " with "
            + t.config().optimizer
            + " ("
            + config
            + ") on a Flink MiniCluster…");
    env.execute("streamgrad-local-feedback");
    int restarts = FailureInjection.failures(runId);
    FailureInjection.forget(runId);
    return restarts;
  }

  private Outcome readOutcome(
      long since, SyntheticData gen, boolean clicks, FeedbackProducer.Result produced)
      throws Exception {
    Map<String, Calibration> served = new TreeMap<>();
    long half = produced.events() / 2;
    TopicReader.read(
        cmd.kafka,
        cmd.predictionsTopic,
        1000,
        since,
        b -> {
          Prediction p = WireFormat.prediction(b);
          float y = produced.outcome(p.getRequestId());
          if (!Float.isNaN(y)) {
            long i = Long.parseLong(p.getRequestId().substring(4));
            served
                .computeIfAbsent(p.getModelId(), k -> new Calibration())
                .add(p.getOutput(), y, i >= half);
          }
        });
    Map<String, WeightSnapshot> latest = new TreeMap<>();
    Map<String, SparseModelAssembler> sparse = new TreeMap<>();
    TopicReader.read(
        cmd.kafka,
        cmd.kafka.snapshotsTopic,
        1500,
        since,
        bytes -> {
          WeightSnapshot s = WireFormat.snapshot(bytes);
          if (s.getSparse() != null) {
            sparse.computeIfAbsent(s.getModelId(), k -> new SparseModelAssembler()).accept(s);
          }
          if (SnapshotModels.firstPart(s)) {
            latest.merge(s.getModelId(), s, (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
          }
        });
    Map<String, FeedbackMetrics> reports = new TreeMap<>();
    TopicReader.read(
        cmd.kafka,
        cmd.kafka.feedbackTopic,
        1000,
        since,
        b -> {
          FeedbackReport r = WireFormat.feedbackReport(b);
          reports.put(r.getModelId(), r.getMetrics()); // one partition per model: in order
        });
    Map<String, Long> dead = new TreeMap<>();
    TopicReader.read(
        cmd.kafka,
        cmd.kafka.deadLettersTopic,
        1000,
        since,
        b -> dead.merge(WireFormat.deadLetter(b).getReason(), 1L, Long::sum));
    Map<String, PrequentialMetrics> trained = new LinkedHashMap<>();
    Map<String, PrequentialMetrics> truth = new LinkedHashMap<>();
    score(latest, sparse, gen, clicks, trained, truth);
    return new Outcome(latest, reports, served, sparse, dead, trained, truth);
  }

  /** Each model's last version and the true model on the same fresh events and outcomes. */
  private void score(
      Map<String, WeightSnapshot> latest,
      Map<String, SparseModelAssembler> sparse,
      SyntheticData gen,
      boolean clicks,
      Map<String, PrequentialMetrics> trained,
      Map<String, PrequentialMetrics> truth) {
    Map<String, ServedModel> models = new TreeMap<>();
    for (WeightSnapshot s : latest.values()) {
      SparseModelAssembler a = sparse.get(s.getModelId());
      models.put(s.getModelId(), a != null ? a.served() : ServedModel.of(s));
    }
    int each = (int) Math.min(FRESH_EVENTS, Math.max(1_000, 1_000_000 / cmd.data.models));
    FeedbackStream fresh =
        new FeedbackStream(
            gen, clicks, (long) each * cmd.data.models, 1, 0, 0, 0, false, 0, cmd.data.seed + 99);
    float[] p = new float[1];
    float[] y = new float[1];
    float[] out = new float[1];
    SparseBatch row = new SparseBatch();
    while (fresh.hasNext()) {
      if (!(fresh.next() instanceof FeedbackStream.Event e)) {
        continue;
      }
      String id = e.request().getModelId();
      ServedModel model = models.get(id);
      if (model == null) {
        continue;
      }
      DenseRequest r = DenseRequest.of(e.request());
      row.clear();
      if (model.hashBits() > 0) {
        SparseRequests.addRow(row, r, model.hashBits());
      }
      model.predict(r.features, model.hashBits() > 0 ? row : null, 1, out);
      y[0] = e.outcome();
      p[0] = out[0];
      trained.computeIfAbsent(id, k -> new PrequentialMetrics(clicks)).add(p, y, 1);
      freshCalibration.computeIfAbsent(id, k -> new Calibration()).add(p[0], y[0], false);
      p[0] = e.truth();
      truth.computeIfAbsent(id, k -> new PrequentialMetrics(clicks)).add(p, y, 1);
    }
  }

  private void print(
      FeedbackProducer.Result produced, Outcome o, boolean clicks, FeedbackConfig config) {
    System.out.printf("feedback (%s): %s%n", config, FeedbackTotals.of(o.reports.values()).line());
    int shown = 0;
    for (WeightSnapshot s : o.latest.values()) {
      if (shown++ >= cmd.showModels) {
        System.out.printf(
            "… and %d more models (--summary-json has them all)%n",
            o.latest.size() - cmd.showModels);
        break;
      }
      String id = Printable.escape(s.getModelId());
      PrequentialMetrics m = o.trained.get(s.getModelId());
      PrequentialMetrics tm = o.truth.get(s.getModelId());
      FeedbackMetrics f = o.reports.get(s.getModelId());
      if (clicks && m != null) {
        System.out.printf(
            "%s  version %d: AUC %.4f (true model %.4f), log loss %.4f (true model %.4f) on %,d"
                + " fresh events%n",
            id,
            s.getVersion(),
            m.auc(false),
            tm.auc(false),
            m.logLoss(false),
            tm.logLoss(false),
            m.samples());
      } else if (m != null) {
        System.out.printf(
            "%s  version %d: RMSE %.4f (true model %.4f) on %,d fresh events%n",
            id, s.getVersion(), m.rmse(false), tm.rmse(false), m.samples());
      }
      Calibration fresh = freshCalibration.get(s.getModelId());
      if (fresh != null) {
        System.out.printf(
            "%s  its calibration on them: mean prediction %.4f, rate %.4f: %.3f%n",
            " ".repeat(id.length()),
            fresh.served / fresh.count,
            fresh.happened / fresh.count,
            fresh.ratio());
      }
      Calibration c = o.served.get(s.getModelId());
      if (c != null) {
        System.out.printf(
            "%s  served vs what happened: %,d predictions, mean %.4f, actual rate %.4f:"
                + " calibration %.3f, log loss %.4f (second half: %.3f, %.4f)%n",
            " ".repeat(id.length()),
            c.count,
            c.served / c.count,
            c.happened / c.count,
            c.ratio(),
            c.logLoss / c.count,
            c.secondHalfRatio(),
            c.lateLogLoss / c.lateCount);
      }
      if (f != null) {
        System.out.printf(
            "%s  served (the job's view): %s over %,d outcomes; mean served prediction %.4f, observed rate %.4f"
                + " (calibration %.3f; over the last ~1,000: %.4f / %.4f = %.3f)%n",
            " ".repeat(id.length()),
            clicks
                ? String.format(
                    "AUC %.4f, log loss %.4f", num(f.getServedAuc()), num(f.getServedLogLoss()))
                : String.format(
                    "MAE %.4f, RMSE %.4f", num(f.getServedMae()), num(f.getServedRmse())),
            f.getScored(),
            num(f.getMeanServedPrediction()),
            num(f.getObservedRate()),
            num(f.getMeanServedPrediction()) / num(f.getObservedRate()),
            num(f.getWindowMeanServedPrediction()),
            num(f.getWindowObservedRate()),
            num(f.getWindowMeanServedPrediction()) / num(f.getWindowObservedRate()));
      }
    }
  }

  private static double num(Double d) {
    return d == null ? Double.NaN : d;
  }

  private void summary(
      Writer out, FeedbackProducer.Result produced, Outcome o, int restarts, double seconds)
      throws IOException {
    long dead = o.deadLetters.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"feedback\": {")
        .append(FeedbackTotals.of(o.reports.values()).json(dead))
        .append(", \"produced\": {\"events\": ")
        .append(produced.events())
        .append(", \"labels\": ")
        .append(produced.labels())
        .append(", \"lateLabels\": ")
        .append(produced.lateLabels())
        .append(", \"unhappened\": ")
        .append(produced.unhappened())
        .append(", \"positives\": ")
        .append(produced.positives())
        .append("}},\n");
    b.append("  \"deadLettersByReason\": ").append(Json.counts(o.deadLetters)).append(",\n");
    b.append("  \"restarts\": ").append(restarts).append(",\n");
    b.append("  \"seconds\": ").append(Json.number(seconds)).append(",\n");
    b.append("  \"models\": [");
    int i = 0;
    for (WeightSnapshot s : o.latest.values()) {
      String id = s.getModelId();
      PrequentialMetrics m = o.trained.get(id);
      PrequentialMetrics tm = o.truth.get(id);
      FeedbackMetrics f = o.reports.get(s.getModelId());
      b.append(i++ == 0 ? "\n" : ",\n")
          .append("    {\"modelId\": ")
          .append(Json.string(id))
          .append(", \"version\": ")
          .append(s.getVersion())
          .append(", \"samplesSeen\": ")
          .append(s.getSamplesSeen())
          .append(", \"weights\": ")
          .append(Json.array(io.streamgrad.schemas.FloatLists.unboxed(s.getWeights())))
          .append(", \"bias\": ")
          .append(Json.number(s.getBias()))
          .append(", \"auc\": ")
          .append(m == null ? "null" : Json.number(m.auc(false)))
          .append(", \"logLoss\": ")
          .append(m == null ? "null" : Json.number(m.logLoss(false)))
          .append(", \"rmse\": ")
          .append(m == null ? "null" : Json.number(m.rmse(false)))
          .append(", \"trueModelAuc\": ")
          .append(tm == null ? "null" : Json.number(tm.auc(false)))
          .append(", \"trueModelLogLoss\": ")
          .append(tm == null ? "null" : Json.number(tm.logLoss(false)))
          .append(", \"trueModelRmse\": ")
          .append(tm == null ? "null" : Json.number(tm.rmse(false)));
      Calibration c = o.served.get(id);
      if (c != null) {
        b.append(", \"predictions\": ")
            .append(c.count)
            .append(", \"actualRate\": ")
            .append(Json.number(c.happened / c.count))
            .append(", \"calibration\": ")
            .append(Json.number(c.ratio()))
            .append(", \"secondHalfCalibration\": ")
            .append(Json.number(c.secondHalfRatio()))
            .append(", \"servedLogLossVsActual\": ")
            .append(Json.number(c.logLoss / c.count))
            .append(", \"secondHalfServedLogLossVsActual\": ")
            .append(Json.number(c.lateLogLoss / c.lateCount));
      }
      if (f != null) {
        b.append(", \"events\": ")
            .append(f.getEvents())
            .append(", \"joined\": ")
            .append(f.getJoined())
            .append(", \"expired\": ")
            .append(f.getExpired())
            .append(", \"scored\": ")
            .append(f.getScored())
            .append(", \"servedAuc\": ")
            .append(number(f.getServedAuc()))
            .append(", \"servedLogLoss\": ")
            .append(number(f.getServedLogLoss()))
            .append(", \"servedRmse\": ")
            .append(number(f.getServedRmse()))
            .append(", \"meanServedPrediction\": ")
            .append(number(f.getMeanServedPrediction()))
            .append(", \"observedRate\": ")
            .append(number(f.getObservedRate()))
            .append(", \"windowServedAuc\": ")
            .append(number(f.getWindowServedAuc()))
            .append(", \"windowServedLogLoss\": ")
            .append(number(f.getWindowServedLogLoss()))
            .append(", \"windowMeanServedPrediction\": ")
            .append(number(f.getWindowMeanServedPrediction()))
            .append(", \"windowObservedRate\": ")
            .append(number(f.getWindowObservedRate()));
      }
      b.append('}');
    }
    out.append(b.append("\n  ]\n}\n"));
    out.flush();
  }

  private static String number(Double d) {
    return d == null ? "null" : Json.number(d);
  }
}
