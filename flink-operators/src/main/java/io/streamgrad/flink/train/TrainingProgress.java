package io.streamgrad.flink.train;

import io.streamgrad.schemas.WeightSnapshot;

/**
 * A model's progress counters: what a snapshot reports and a restore must continue exactly. The one
 * place that lists them, so that Flink state, warm starts and snapshots copy the same fields.
 */
public final class TrainingProgress {
  /** Updates applied so far. */
  long version;

  /** Samples trained on so far. */
  long samplesSeen;

  /** Version of the last snapshot emitted downstream. */
  long lastEmittedVersion;

  /** Sum over batches of batch loss x batch size, for the prequential (progressive) loss. */
  double prequentialLossSum;

  float lastBatchLoss = Float.NaN;
  float lastGradNorm = Float.NaN;

  /** Steps the divergence guard rolled back. */
  long rejectedBatches;

  /** Processing time of the last update (0: none yet). */
  long lastUpdateMillis;

  /**
   * Counts {@code n} samples of an update whose batch loss (before the update) was {@code
   * batchLoss}.
   */
  void update(int n, float batchLoss, float gradNorm) {
    version++;
    samplesSeen += n;
    prequentialLossSum += (double) batchLoss * n;
    lastBatchLoss = batchLoss;
    lastGradNorm = gradNorm;
  }

  public long version() {
    return version;
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  /** Mean over all samples trained on of their batch's loss before its update. */
  public double prequentialLoss() {
    return samplesSeen == 0 ? Double.NaN : prequentialLossSum / samplesSeen;
  }

  public float lastBatchLoss() {
    return lastBatchLoss;
  }

  public float lastGradNorm() {
    return lastGradNorm;
  }

  public long rejectedBatches() {
    return rejectedBatches;
  }

  public long lastUpdateMillis() {
    return lastUpdateMillis;
  }

  /** A copy that no longer follows training (what the metrics of an evicted model show). */
  public TrainingProgress copy() {
    TrainerState s = new TrainerState(); // through the one field list of copyTo / copyFrom
    copyTo(s);
    TrainingProgress p = new TrainingProgress();
    p.copyFrom(s);
    return p;
  }

  /** Writes these counters into {@code s}, whatever else it holds. */
  public void copyTo(TrainerState s) {
    s.version = version;
    s.samplesSeen = samplesSeen;
    s.lastEmittedVersion = lastEmittedVersion;
    s.prequentialLossSum = prequentialLossSum;
    s.lastBatchLoss = lastBatchLoss;
    s.lastGradNorm = lastGradNorm;
    s.rejectedBatches = rejectedBatches;
    s.lastUpdateMillis = lastUpdateMillis;
  }

  void copyFrom(TrainerState s) {
    version = s.version;
    samplesSeen = s.samplesSeen;
    lastEmittedVersion = s.lastEmittedVersion;
    prequentialLossSum = s.prequentialLossSum;
    lastBatchLoss = s.lastBatchLoss;
    lastGradNorm = s.lastGradNorm;
    rejectedBatches = s.rejectedBatches;
    lastUpdateMillis = s.lastUpdateMillis;
  }

  /**
   * The progress a warm start from {@code snapshot} continues: that very snapshot counts as
   * emitted.
   */
  public static TrainingProgress of(WeightSnapshot snapshot) {
    TrainingProgress p = new TrainingProgress();
    p.version = snapshot.getVersion();
    p.samplesSeen = snapshot.getSamplesSeen();
    p.lastEmittedVersion = snapshot.getVersion();
    p.prequentialLossSum = p.samplesSeen == 0 ? 0 : snapshot.getPrequentialLoss() * p.samplesSeen;
    p.lastBatchLoss = snapshot.getBatchLoss();
    p.lastGradNorm = snapshot.getGradNorm();
    return p;
  }
}
