package io.streamgrad.flink.train;

import io.streamgrad.flink.model.ModelFactory;
import java.io.Serializable;

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

  public TrainerConfig(
      int features,
      ModelFactory model,
      Loss loss,
      OptimizerSpec optimizer,
      int batchSize,
      long maxBatchDelayMillis,
      int snapshotEvery,
      long seed,
      float gradClipNorm) {
    this.features = features;
    this.model = model;
    this.loss = loss;
    this.optimizer = optimizer;
    this.batchSize = batchSize;
    this.maxBatchDelayMillis = maxBatchDelayMillis;
    this.snapshotEvery = snapshotEvery;
    this.seed = seed;
    this.gradClipNorm = gradClipNorm;
  }
}
