package io.streamgrad.online.train;

import io.streamgrad.nn.Link;
import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import java.io.Serializable;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/** The validated, immutable configuration of an online trainer. */
public final class TrainerConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int features;
  public final ModelFactory model;
  public final Loss loss;
  public final OptimizerSpec optimizer;
  public final int batchSize;

  /** 0 disables the time-based flush of partial batches. */
  public final long maxBatchDelayMillis;

  public final int snapshotEvery;
  public final long seed;

  /** Rescale gradients whose global L2 norm exceeds this; 0 disables clipping. */
  public final float gradClipNorm;

  /** Snapshots carry the optimizer's state (exact warm starts). */
  public final boolean snapshotOptimizerState;

  /** Warm start: the state a model starts from when it has none in Flink's state, by model id. */
  public final Map<String, TrainerState> initialModels;

  /** Warm start of sparse models: their tables' non-zero rows, by model id. */
  public final Map<String, SparseRows> initialTables;

  /** Preprocessing, prequential metrics, drift detection and the quality gate. */
  public final QualitySpec quality;

  private TrainerConfig(
      int features,
      ModelFactory model,
      Loss loss,
      OptimizerSpec optimizer,
      int batchSize,
      long maxBatchDelayMillis,
      int snapshotEvery,
      long seed,
      float gradClipNorm,
      boolean snapshotOptimizerState,
      Map<String, TrainerState> initialModels,
      Map<String, SparseRows> initialTables,
      QualitySpec quality) {
    this.features = features;
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.batchSize = batchSize;
    this.maxBatchDelayMillis = maxBatchDelayMillis;
    this.snapshotEvery = snapshotEvery;
    this.seed = seed;
    this.gradClipNorm = gradClipNorm;
    this.snapshotOptimizerState = snapshotOptimizerState;
    this.initialModels = Collections.unmodifiableMap(new HashMap<>(initialModels));
    this.initialTables = Collections.unmodifiableMap(new HashMap<>(initialTables));
    this.quality = quality;
  }

  /** Whether the model has a hashed sparse part (then it may have no dense features). */
  public boolean sparseModel() {
    try {
      return model.spec(Math.max(features, 0)).sparse();
    } catch (IllegalArgumentException e) {
      return false; // a dense model's spec refuses 0 features
    }
  }

  /** Whether the model predicts a probability (its link is the logistic function). */
  public boolean classification() {
    return model.link() == Link.LOGISTIC;
  }

  /**
   * Checks what a task manager would otherwise find out too late: counts and limits, and that the
   * model and its optimizer can be built (the optimizer checks its hyper-parameters).
   *
   * @throws IllegalArgumentException naming the setting
   */
  public TrainerConfig validate() {
    boolean sparse = sparseModel();
    if (features < 0 || (features == 0 && !sparse)) {
      throw new IllegalArgumentException(
          "features must be set to a positive count, got " + features);
    }
    if (optimizer.kind() == OptimizerSpec.Kind.FTRL
        && model.spec(features).kind().equals(ModelSpec.FM)) {
      throw new IllegalArgumentException(
          "FTRL starts every weight at zero, and a factorization machine's factors must not:"
              + " train fm with adagrad, lazy-adam or sgd");
    }
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    if (snapshotEvery <= 0) {
      throw new IllegalArgumentException("snapshotEvery must be positive, got " + snapshotEvery);
    }
    if (!(gradClipNorm >= 0)) {
      throw new IllegalArgumentException(
          "gradClipNorm must be >= 0 (0 disables), got " + gradClipNorm);
    }
    if (maxBatchDelayMillis < 0) {
      throw new IllegalArgumentException(
          "maxBatchDelay must not be negative, got " + maxBatchDelayMillis + " ms");
    }
    optimizer.create(model.create(features, new SplittableRandom(seed)).parameters());
    quality.validate(classification());
    return this;
  }

  /** This configuration with {@code initialModels} as its warm-start states. */
  public TrainerConfig withInitialModels(Map<String, TrainerState> initialModels) {
    return withInitialModels(initialModels, Map.of());
  }

  /** The same, sparse models' tables in {@code initialTables}. */
  public TrainerConfig withInitialModels(
      Map<String, TrainerState> initialModels, Map<String, SparseRows> initialTables) {
    return new TrainerConfig(
        features,
        model,
        loss,
        optimizer,
        batchSize,
        maxBatchDelayMillis,
        snapshotEvery,
        seed,
        gradClipNorm,
        snapshotOptimizerState,
        initialModels,
        initialTables,
        quality);
  }

  /** A fluent, validated builder: {@code TrainerConfig.builder().features(16).build()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Fluent configuration, validated by {@link #build()}; warm starts: {@code WarmStart}. */
  public static final class Builder {
    private int features;
    private ModelFactory model = Models.linear();
    private Loss loss;
    private OptimizerSpec optimizer = Optimizers.sgd(0.01);
    private int batchSize = 64;
    private Duration maxBatchDelay = Duration.ZERO;
    private int snapshotEvery = 1;
    private long seed = 42L;
    private double gradClipNorm;
    private boolean snapshotOptimizerState;
    private QualitySpec quality = QualitySpec.DEFAULT;

    private Builder() {}

    /** Number of input features d of every sample (required for a dense model). */
    public Builder features(int features) {
      this.features = features;
      return this;
    }

    /** The model; {@link Models#linear()} by default. */
    public Builder model(ModelFactory model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** The loss; by default the model's own ({@code mse} for linear, BCE for logistic). */
    public Builder loss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    /** The optimizer; {@code sgd(0.01)} by default. */
    public Builder optimizer(OptimizerSpec optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    /** Samples per update (default 64). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * Trains on a partial batch once its first sample has waited this long (processing time).
     * {@link Duration#ZERO} (the default) disables it: batches are then formed by count only, which
     * keeps replays after a failure bit-identical.
     */
    public Builder maxBatchDelay(Duration delay) {
      this.maxBatchDelay = Objects.requireNonNull(delay, "maxBatchDelay");
      return this;
    }

    /** Emit a snapshot every this many updates (default 1: every update). */
    public Builder snapshotEvery(int updates) {
      this.snapshotEvery = updates;
      return this;
    }

    /** Seed of parameter initialisation (models with random init, e.g. MLPs). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Rescales each batch's gradients so their global L2 norm is at most {@code maxNorm} ({@code
     * clip_grad_norm_}); 0 (the default) disables clipping.
     */
    public Builder gradClipNorm(double maxNorm) {
      this.gradClipNorm = maxNorm;
      return this;
    }

    /** Snapshots also carry the optimizer's state, so a warm start from them is exact. */
    public Builder snapshotOptimizerState(boolean enabled) {
      this.snapshotOptimizerState = enabled;
      return this;
    }

    /**
     * Preprocessing, prequential metrics, drift detection and the quality gate ({@link
     * QualitySpec#DEFAULT}: metrics only).
     */
    public Builder quality(QualitySpec quality) {
      this.quality = Objects.requireNonNull(quality, "quality");
      return this;
    }

    /**
     * The configuration, validated: what a task manager would otherwise find out too late.
     *
     * @throws IllegalArgumentException naming the setting, or the warm start that does not fit
     */
    public TrainerConfig build() {
      if (maxBatchDelay.isNegative()) {
        throw new IllegalArgumentException(
            "maxBatchDelay must not be negative, got " + maxBatchDelay);
      }
      return new TrainerConfig(
              features,
              model,
              loss != null ? loss : model.defaultLoss(),
              optimizer,
              batchSize,
              maxBatchDelay.toMillis(),
              snapshotEvery,
              seed,
              (float) gradClipNorm,
              snapshotOptimizerState,
              Map.of(),
              Map.of(),
              quality)
          .validate();
    }
  }
}
