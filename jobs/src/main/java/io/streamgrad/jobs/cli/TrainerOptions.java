package io.streamgrad.jobs.cli;

import io.streamgrad.autograd.Losses;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.flink.operator.PerModelMetrics;
import io.streamgrad.flink.train.OptimizerSpec;
import io.streamgrad.flink.train.Optimizers;
import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Option;

/** The trainer's options, shared by {@code train} and {@code local}. */
public final class TrainerOptions {
  @Option(
      names = "--features",
      defaultValue = "16",
      description = "Features per sample (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(
      names = "--model",
      defaultValue = "linear",
      description =
          "linear, logistic, mlp:H1[,H2...] (tanh) or mlp-relu:H1[,H2...] (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--loss",
      description = "mse, huber[:DELTA] or bce (default: the model's: mse, or bce for logistic).")
  String loss;

  @Option(
      names = "--optimizer",
      defaultValue = "sgd",
      description = "sgd, adam or adagrad (default: ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--lr",
      defaultValue = "0.02",
      description = "Learning rate (default: ${DEFAULT-VALUE}).")
  double lr;

  @Option(
      names = "--momentum",
      defaultValue = "0",
      description = "SGD momentum (default: ${DEFAULT-VALUE}).")
  double momentum;

  @Option(names = "--nesterov", description = "Nesterov momentum (SGD).")
  boolean nesterov;

  @Option(
      names = "--weight-decay",
      defaultValue = "0",
      description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay;

  @Option(
      names = "--batch-size",
      defaultValue = "32",
      description = "Samples per update (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(
      names = "--max-batch-delay-ms",
      defaultValue = "0",
      description =
          "Flush a partial batch after this long (processing time); 0 = count-only batches, exact replays (default: ${DEFAULT-VALUE}).")
  long maxBatchDelayMs;

  @Option(
      names = "--snapshot-every",
      defaultValue = "10",
      description = "Emit a snapshot every N updates (default: ${DEFAULT-VALUE}).")
  int snapshotEvery;

  @Option(
      names = "--grad-clip-norm",
      defaultValue = "0",
      description =
          "Clip each batch's gradient to this global L2 norm; 0 = off (default: ${DEFAULT-VALUE}).")
  double gradClipNorm;

  @Option(
      names = "--init-seed",
      defaultValue = "42",
      description = "Seed of parameter initialisation (default: ${DEFAULT-VALUE}).")
  long initSeed;

  @Option(
      names = "--snapshot-optimizer-state",
      description =
          "Snapshots also carry the optimizer's state (momentum, Adam moments), so a warm start from them is exact.")
  boolean snapshotOptimizerState;

  @Option(
      names = "--max-live-models",
      defaultValue = "auto",
      paramLabel = "N|auto",
      description =
          "Models kept in memory per subtask; one not used recently is written to state and evicted when another is needed. auto: as many as fit in a quarter of the heap, shared by the task manager's slots (default: ${DEFAULT-VALUE}).")
  String maxLiveModels;

  @Option(
      names = "--model-ttl",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Drop a model that got no sample for this long (processing time), after training its partial batch and emitting its final snapshot, e.g. 30d (default: never).")
  Duration modelTtl;

  @Option(
      names = "--per-model-metrics",
      defaultValue = "first:20",
      paramLabel = "none|first:K|all",
      description =
          "Which models get their own metric group: none, the first K of each subtask, or all (only for a few models) (default: ${DEFAULT-VALUE}).")
  String perModelMetrics;

  @Option(
      names = "--prequential-predictions",
      description =
          "Test-then-train: for every sample trained on, write the prediction the model made before training on it (with its label and the version that made it) to the predictions topic.")
  boolean prequentialPredictions;

  @picocli.CommandLine.Mixin QualityOptions quality = new QualityOptions();

  /** Refuses any value the trainer cannot use, before anything is produced or submitted. */
  void validate() {
    Check.positive("--features", features);
    Check.positiveFinite("--lr", lr);
    Check.inRange("--momentum", momentum, 0, 1, true);
    Check.nonNegativeFinite("--weight-decay", weightDecay);
    Check.positive("--batch-size", batchSize);
    Check.atLeast("--max-batch-delay-ms", maxBatchDelayMs, 0);
    Check.positive("--snapshot-every", snapshotEvery);
    Check.nonNegativeFinite("--grad-clip-norm", gradClipNorm);
    Check.oneOf("--optimizer", optimizer.trim(), "sgd", "adam", "adagrad");
    if (nesterov && !(optimizer.trim().equals("sgd") && momentum > 0)) {
      throw new BadOption("--nesterov needs --optimizer sgd and a --momentum > 0");
    }
    maxLiveModels();
    perModelMetrics();
    if (modelTtl != null && !(modelTtl.toMillis() > 0)) {
      throw new BadOption("--model-ttl must be positive, got " + modelTtl.toMillis() + "ms");
    }
    model();
    if (loss != null) {
      loss();
    }
    build(); // anything else the builder refuses, e.g. a hidden layer of size 0
  }

  OnlineTrainer build() {
    return build(Map.of());
  }

  OnlineTrainer build(Map<String, WeightSnapshot> initialModels) {
    try {
      return builder(initialModels).build();
    } catch (IllegalArgumentException e) {
      if (!initialModels.isEmpty()) {
        throw e; // a snapshot that does not fit the model: not an option's fault
      }
      throw new BadOption(e.getMessage());
    }
  }

  private OnlineTrainer.Builder builder(Map<String, WeightSnapshot> initialModels) {
    OnlineTrainer.Builder b =
        OnlineTrainer.builder()
            .features(features)
            .model(model())
            .optimizer(optimizerSpec())
            .batchSize(batchSize)
            .maxBatchDelay(Duration.ofMillis(maxBatchDelayMs))
            .snapshotEvery(snapshotEvery)
            .seed(initSeed)
            .gradClipNorm(gradClipNorm)
            .snapshotOptimizerState(snapshotOptimizerState)
            .initialModels(initialModels)
            .maxLiveModels(maxLiveModels())
            .modelTtl(modelTtl == null ? Duration.ZERO : modelTtl)
            .perModelMetrics(perModelMetrics())
            .prequentialPredictions(prequentialPredictions)
            .quality(quality.spec());
    if (loss != null) {
      b.loss(loss());
    }
    return b;
  }

  private int maxLiveModels() {
    return maxLiveModels("--max-live-models", maxLiveModels);
  }

  /** A positive count, or {@code auto} ({@link ModelLifecycle#AUTO}). */
  static int maxLiveModels(String option, String value) {
    String v = value.trim();
    if (v.equals("auto")) {
      return ModelLifecycle.AUTO;
    }
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadOption(option + " must be a positive whole number or auto, not '" + value + "'");
  }

  private PerModelMetrics perModelMetrics() {
    try {
      return PerModelMetrics.parse(perModelMetrics);
    } catch (IllegalArgumentException e) {
      throw new BadOption(
          "--per-model-metrics must be none, all or first:K with K >= 0, not '"
              + perModelMetrics
              + "'");
    }
  }

  private ModelFactory model() {
    String m = model.trim();
    if (m.equals("linear")) {
      return Models.linear();
    }
    if (m.equals("logistic")) {
      return Models.logistic();
    }
    if (m.startsWith("mlp:") || m.startsWith("mlp-relu:")) {
      int[] hidden;
      try {
        hidden =
            Arrays.stream(m.substring(m.indexOf(':') + 1).split(",", -1))
                .mapToInt(s -> Integer.parseInt(s.trim()))
                .toArray();
      } catch (NumberFormatException e) {
        hidden = new int[] {0};
      }
      if (Arrays.stream(hidden).anyMatch(h -> h <= 0)) {
        throw new BadOption(
            "--model "
                + model
                + ": hidden layer sizes must be positive whole numbers, as in mlp:32,16");
      }
      Models.MlpFactory f = Models.mlp(hidden);
      return m.startsWith("mlp-relu:") ? f.activation(Models.Activation.RELU) : f;
    }
    throw new BadOption(
        "--model must be linear, logistic, mlp:H1[,H2...] or mlp-relu:H1[,H2...], not '"
            + model
            + "'");
  }

  private Loss loss() {
    String l = loss.trim();
    if (l.equals("mse")) {
      return Losses::mse;
    }
    if (l.equals("bce")) {
      return Losses::bceWithLogits;
    }
    if (l.equals("huber") || l.startsWith("huber:")) {
      float delta;
      try {
        delta = l.equals("huber") ? 1f : Float.parseFloat(l.substring(6));
      } catch (NumberFormatException e) {
        delta = Float.NaN;
      }
      if (!(delta > 0) || Float.isInfinite(delta)) {
        throw new BadOption(
            "--loss " + loss + ": huber's delta must be a positive number, as in huber:1.5");
      }
      float d = delta;
      return (p, t, w) -> Losses.huber(p, t, d, w);
    }
    throw new BadOption("--loss must be mse, huber[:DELTA] or bce, not '" + loss + "'");
  }

  private OptimizerSpec optimizerSpec() {
    switch (optimizer.trim()) {
      case "sgd":
        return Optimizers.sgd(lr).momentum(momentum).nesterov(nesterov).weightDecay(weightDecay);
      case "adam":
        return Optimizers.adam(lr).weightDecay(weightDecay);
      case "adagrad":
        return Optimizers.adagrad(lr).weightDecay(weightDecay);
      default:
        throw new BadOption("--optimizer must be sgd, adam or adagrad, not '" + optimizer + "'");
    }
  }
}
