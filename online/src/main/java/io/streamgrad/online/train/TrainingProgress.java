package io.streamgrad.online.train;

import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.Arrays;

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

  /** Prequential metrics; null when they are off. */
  PrequentialMetrics metrics;

  /** Sample counts at which drift was detected, the last {@value #DRIFTS_KEPT}. */
  long[] drifts = new long[0];

  /** Drifts detected in all (also those no longer in {@link #drifts}). */
  long driftCount;

  /** Snapshots the quality gate held back. */
  long gatedSnapshots;

  /** Drift sample counts a model keeps (and its snapshots carry). */
  public static final int DRIFTS_KEPT = 100;

  void driftAt(long sample) {
    driftCount++;
    long[] d = drifts.length < DRIFTS_KEPT ? Arrays.copyOf(drifts, drifts.length + 1) : drifts;
    if (d == drifts) {
      System.arraycopy(d, 1, d, 0, d.length - 1);
    }
    d[d.length - 1] = sample;
    drifts = d;
  }

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

  /** The prequential metrics as they are now (live), or null when they are off. */
  public PrequentialMetrics metrics() {
    return metrics;
  }

  /** Sample counts at which drift was detected (the last {@value #DRIFTS_KEPT}). */
  public long[] drifts() {
    return drifts.clone();
  }

  public long driftCount() {
    return driftCount;
  }

  public long gatedSnapshots() {
    return gatedSnapshots;
  }

  /** Counts a snapshot the quality gate held back. */
  public void gated() {
    gatedSnapshots++;
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
    s.metrics = metrics == null ? null : metrics.state();
    s.drifts = drifts.length == 0 ? null : drifts.clone(); // null: a byte, not an array
    s.driftCount = driftCount;
    s.gatedSnapshots = gatedSnapshots;
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
    if (s.metrics == null) {
      if (metrics != null) {
        metrics.reset();
      }
    } else if (metrics != null && metrics.stateSize() == s.metrics.length) {
      metrics.loadState(s.metrics);
    } else {
      metrics = PrequentialMetrics.fromState(s.metrics);
    }
    drifts = s.drifts == null ? new long[0] : s.drifts.clone();
    driftCount = s.driftCount;
    gatedSnapshots = s.gatedSnapshots;
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
    p.drifts = snapshot.getDrifts().stream().mapToLong(Long::longValue).toArray();
    p.driftCount = p.drifts.length;
    p.gatedSnapshots = snapshot.getGatedSnapshots();
    return p;
  }
}
