package io.streamgrad.flink.train;

import io.streamgrad.nn.Loss;
import io.streamgrad.nn.ModelFactory;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

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
      Map<String, TrainerState> initialModels) {
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
  }

  /** This configuration with {@code initialModels} as its warm-start states. */
  public TrainerConfig withInitialModels(Map<String, TrainerState> initialModels) {
    return new TrainerConfig(
        features, model, loss, optimizer, batchSize, maxBatchDelayMillis, snapshotEvery, seed, gradClipNorm,
        snapshotOptimizerState, initialModels);
  }
}
