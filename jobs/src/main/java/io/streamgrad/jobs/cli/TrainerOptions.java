package io.streamgrad.jobs.cli;

import io.streamgrad.autograd.Losses;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.flink.operator.ModelLifecycle;
import io.streamgrad.jobs.graph.InitialModels;
import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.nn.SparseModels;
import io.streamgrad.online.live.PerModelMetrics;
import io.streamgrad.online.train.OptimizerSpec;
import io.streamgrad.online.train.Optimizers;
import java.time.Duration;
import java.util.Arrays;
import picocli.CommandLine.Option;

/** The trainer's options, shared by {@code train} and {@code local}. */
public final class TrainerOptions {
  @Option(
      names = "--features",
      defaultValue = "16",
      description =
          "Features per sample: the dense part's, which may be 0 for a sparse model (default: ${DEFAULT-VALUE}).")
  int features;

  @Option(
      names = "--model",
      defaultValue = "linear",
      description =
          "linear, logistic, mlp:H1[,H2...] (tanh), mlp-relu:H1[,H2...]; over hashed sparse features"
              + " too: sparse-logistic, sparse-linear or fm:K (a factorization machine with K factors)"
              + " (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--hash-bits",
      defaultValue = "20",
      description =
          "A sparse model's space: 2^B coordinates, into which tokens are hashed (1..30; default: ${DEFAULT-VALUE}).")
  int hashBits;

  @Option(
      names = "--ftrl",
      paramLabel = "BETA,L1,L2",
      defaultValue = "1,1,1",
      description =
          "FTRL-Proximal's beta, L1 and L2 (--optimizer ftrl; default: ${DEFAULT-VALUE}).")
  String ftrl;

  @Option(
      names = "--loss",
      description = "mse, huber[:DELTA] or bce (default: the model's: mse, or bce for logistic).")
  String loss;

  @Option(
      names = "--optimizer",
      defaultValue = "sgd",
      description =
          "sgd, adam, adagrad, ftrl (FTRL-Proximal; --lr is its alpha) or lazy-adam (Adam, lazy on sparse rows) (default: ${DEFAULT-VALUE}).")
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
    Check.atLeast("--features", features, 0);
    Check.inRange("--hash-bits", hashBits, 1, 30, false);
    if (features == 0 && !isSparse()) {
      throw new BadOption(
          "--features must be a positive whole number, got 0 (only a sparse model, e.g. --model"
              + " sparse-logistic, may have no dense features)");
    }
    ftrlParams();
    Check.positiveFinite("--lr", lr);
    Check.inRange("--momentum", momentum, 0, 1, true);
    Check.nonNegativeFinite("--weight-decay", weightDecay);
    Check.positive("--batch-size", batchSize);
    Check.atLeast("--max-batch-delay-ms", maxBatchDelayMs, 0);
    Check.positive("--snapshot-every", snapshotEvery);
    Check.nonNegativeFinite("--grad-clip-norm", gradClipNorm);
    Check.oneOf("--optimizer", optimizer.trim(), "sgd", "adam", "adagrad", "ftrl", "lazy-adam");
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
    return build(InitialModels.Loaded.none());
  }

  OnlineTrainer build(InitialModels.Loaded initialModels) {
    try {
      return builder(initialModels).build();
    } catch (IllegalArgumentException e) {
      if (!initialModels.isEmpty()) {
        throw e; // a snapshot that does not fit the model: not an option's fault
      }
      throw new BadOption(e.getMessage());
    }
  }

  private OnlineTrainer.Builder builder(InitialModels.Loaded initialModels) {
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
            .initialModels(initialModels.dense())
            .initialSparseModels(initialModels.sparse())
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

  /** Whether {@code --model} has a hashed sparse part. */
  boolean isSparse() {
    String m = model.trim();
    return m.equals("sparse-logistic") || m.equals("sparse-linear") || m.startsWith("fm:");
  }

  /** The sparse model's space, 2^hashBits, or 0 for a dense model (what decoders check). */
  int sparseBits() {
    return isSparse() ? hashBits : 0;
  }

  int features() {
    return features;
  }

  private double[] ftrlParams() {
    String[] parts = ftrl.split(",", -1);
    double[] out = new double[3];
    try {
      if (parts.length != 3) {
        throw new NumberFormatException();
      }
      for (int i = 0; i < 3; i++) {
        out[i] = Double.parseDouble(parts[i].trim());
        if (!(out[i] >= 0) || Double.isInfinite(out[i])) {
          throw new NumberFormatException();
        }
      }
    } catch (NumberFormatException e) {
      throw new BadOption(
          "--ftrl must be BETA,L1,L2, three numbers >= 0, as in 1,1,1, not '" + ftrl + "'");
    }
    return out;
  }

  private ModelFactory model() {
    String m = model.trim();
    if (m.equals("sparse-logistic")) {
      return SparseModels.logistic(hashBits);
    }
    if (m.equals("sparse-linear")) {
      return SparseModels.linear(hashBits);
    }
    if (m.startsWith("fm:")) {
      int k;
      try {
        k = Integer.parseInt(m.substring(3).trim());
      } catch (NumberFormatException e) {
        k = 0;
      }
      if (k <= 0) {
        throw new BadOption("--model " + model + ": the factor count must be positive, as in fm:8");
      }
      return SparseModels.factorizationMachine(hashBits, k);
    }
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
        "--model must be linear, logistic, mlp:H1[,H2...], mlp-relu:H1[,H2...], sparse-logistic,"
            + " sparse-linear or fm:K, not '"
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
      case "ftrl":
        double[] f = ftrlParams();
        return Optimizers.ftrl(lr).ftrl(f[0], f[1], f[2]);
      case "lazy-adam":
        return Optimizers.lazyAdam(lr);
      default:
        throw new BadOption(
            "--optimizer must be sgd, adam, adagrad, ftrl or lazy-adam, not '" + optimizer + "'");
    }
  }
}
