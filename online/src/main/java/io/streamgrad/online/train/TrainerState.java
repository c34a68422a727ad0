package io.streamgrad.online.train;

import java.io.Serializable;

/**
 * Everything that defines one model's future, as a Flink POJO of primitives and primitive arrays
 * (Flink's own serializers, no Kryo; fields can be added later with POJO schema evolution).
 *
 * <p>Also Java-serializable: warm-start states travel inside the job's configuration.
 *
 * <p>Arrays are copies owned by this record: a checkpoint may serialize it asynchronously while
 * training goes on.
 */
public class TrainerState implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Updates applied so far. */
  public long version;

  /** Samples trained on so far. */
  public long samplesSeen;

  /** Version of the last snapshot emitted downstream. */
  public long lastEmittedVersion;

  /** Sum over batches of batch loss x batch size, for the prequential (progressive) loss. */
  public double prequentialLossSum;

  public float lastBatchLoss;
  public float lastGradNorm;

  /** All parameters, concatenated in the model's parameter order. */
  public float[] parameters;

  public long optimizerStep;

  /** All optimizer buffers, slot-major then parameter order, concatenated. */
  public float[] optimizerSlots;

  /** The partly filled batch: {@code batchCount} rows of X, Y and sample weights. */
  public int batchCount;

  public float[] batchFeatures;
  public float[] batchLabels;
  public float[] batchWeights;

  /**
   * The partial batch's sparse part (models with sparse tables): row offsets ({@code batchCount +
   * 1}), indices and values; null otherwise. The tables themselves are kept by chunks beside this
   * state, not in it.
   */
  public int[] batchSparseOffsets;

  public int[] batchSparseIndices;
  public float[] batchSparseValues;

  /** Processing time at which a partial batch is flushed (0: none pending). */
  public long batchDeadline;

  /** Steps the divergence guard rolled back. */
  public long rejectedBatches;

  /** Processing time of the last update (0: none yet). */
  public long lastUpdateMillis;

  /** Processing time of the last sample, when idle models expire (0: not tracked). */
  public long lastSampleMillis;

  /** The expiry timer registered for this model (0: none). */
  public long expiryTimer;

  /** The Kafka partition the model's samples come from (-1: not known yet). */
  public int sourcePartition = -1;

  /** Standardization statistics ({@code Standardizer.state()}); null without preprocessing. */
  public double[] standardizer;

  /** Prequential metrics ({@code PrequentialMetrics.state()}); null when they are off. */
  public double[] metrics;

  /** The drift test's state ({@code PageHinkley.state()}); null without drift detection. */
  public double[] driftTest;

  /** Sample counts at which drift was detected (the last 100). */
  public long[] drifts;

  public long driftCount;

  /** Snapshots the quality gate held back. */
  public long gatedSnapshots;

  /** The feedback join's counters of this model ({@code FeedbackTally}); null without one. */
  public long[] feedbackCounts;

  /** The feedback join's served-prediction metrics of this model; null without one. */
  public double[] servedMetrics;

  public TrainerState() {}
}
