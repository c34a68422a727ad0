package io.streamgrad.flink.train;

import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
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
  public final Map<String, ModelTrainer.SparseRows> initialTables;

  /** Preprocessing, prequential metrics, drift detection and the quality gate. */
  public final QualitySpec quality;

  public TrainerConfig(
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
      QualitySpec quality) {
    this(
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
        Map.of(),
        quality);
  }

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
      Map<String, ModelTrainer.SparseRows> initialTables,
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
    return model.link() == io.streamgrad.nn.Link.LOGISTIC;
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
        && model.spec(features).kind().equals(io.streamgrad.nn.ModelSpec.FM)) {
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
      Map<String, TrainerState> initialModels, Map<String, ModelTrainer.SparseRows> initialTables) {
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
}
