package io.streamgrad.online.serving;

import java.io.Serializable;

/**
 * How the predictor answers: micro-batch bounds, how long a request waits for a model that has no
 * snapshot yet, and what happens to predictions from a model older than {@code maxModelAgeMillis}.
 * Built and validated by {@code OnlinePredictor.builder()}.
 */
public final class PredictorConfig implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What to do with a request whose model is older than the allowed age. */
  public enum StalePolicy {
    /** Dead-letter the request as {@code model too old}. */
    REFUSE,
    /** Answer it, with {@code stale = true} in the prediction. */
    FLAG
  }

  public final int maxBatchSize;
  public final long maxBatchDelayMillis;
  public final long noModelWaitMillis;
  public final long maxModelAgeMillis;
  public final StalePolicy stalePolicy;
  public final int maxLiveModels;

  /**
   * Hold every request until the snapshot input has ended, then answer with the final versions: for
   * a bounded snapshot input (backfills, tests, {@code local}), never for a live topic.
   */
  public final boolean snapshotsFirst;

  public PredictorConfig(
      int maxBatchSize,
      long maxBatchDelayMillis,
      long noModelWaitMillis,
      long maxModelAgeMillis,
      StalePolicy stalePolicy,
      int maxLiveModels,
      boolean snapshotsFirst) {
    this.maxBatchSize = maxBatchSize;
    this.maxBatchDelayMillis = maxBatchDelayMillis;
    this.noModelWaitMillis = noModelWaitMillis;
    this.maxModelAgeMillis = maxModelAgeMillis;
    this.stalePolicy = stalePolicy;
    this.maxLiveModels = maxLiveModels;
    this.snapshotsFirst = snapshotsFirst;
  }

  /** Checks every value; returns this. */
  public PredictorConfig validate() {
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be at least 1, got " + maxBatchSize);
    }
    if (maxBatchDelayMillis < 0) {
      throw new IllegalArgumentException(
          "maxBatchDelay must not be negative, got " + maxBatchDelayMillis + " ms");
    }
    if (noModelWaitMillis < 0) {
      throw new IllegalArgumentException(
          "noModelWait must not be negative, got " + noModelWaitMillis + " ms");
    }
    if (maxModelAgeMillis < 0) {
      throw new IllegalArgumentException(
          "maxModelAge must not be negative, got " + maxModelAgeMillis + " ms");
    }
    if (stalePolicy == null) {
      throw new IllegalArgumentException("stalePolicy must be REFUSE or FLAG");
    }
    if (maxLiveModels < 1) {
      throw new IllegalArgumentException("maxLiveModels must be at least 1, got " + maxLiveModels);
    }
    return this;
  }

  @Override
  public String toString() {
    return "batches of up to "
        + maxBatchSize
        + " within "
        + maxBatchDelayMillis
        + " ms, no-model wait "
        + noModelWaitMillis
        + " ms"
        + (maxModelAgeMillis > 0
            ? ", max model age " + maxModelAgeMillis + " ms (" + stalePolicy + ")"
            : "")
        + (snapshotsFirst ? ", every snapshot before any request" : "");
  }
}
