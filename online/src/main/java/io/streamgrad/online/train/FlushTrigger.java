package io.streamgrad.online.train;

import java.io.Serializable;

/**
 * When a model's pending samples are trained on, kept apart from the trainer and from whatever
 * hosts it (a Flink operator, a plain Java loop), in the manner of Flink's {@code BundleTrigger}:
 * the host tells the trigger what happened and asks it what to do.
 *
 * <p>Batches formed by count alone replay bit for bit after a restore; a deadline trades that for
 * bounded staleness of a slow model.
 */
public interface FlushTrigger extends Serializable {

  /** Whether to train now, {@code pending} samples waiting after one more arrived. */
  boolean onSample(int pending);

  /**
   * When a batch whose first sample arrived at {@code firstSampleMillis} (processing time) must be
   * trained on even if not full; 0 when there is no deadline.
   */
  long deadline(long firstSampleMillis);

  /** For logs: what this trigger does. */
  String explain();

  /**
   * Trains a full batch of {@code batchSize}, or a partial one {@code maxDelayMillis} after its
   * first sample (0: never).
   */
  static FlushTrigger countOrDelay(int batchSize, long maxDelayMillis) {
    return new CountOrDelay(batchSize, maxDelayMillis);
  }

  /** The trigger {@code config} describes: its batch size and its maximum batch delay. */
  static FlushTrigger of(TrainerConfig config) {
    return countOrDelay(config.batchSize, config.maxBatchDelayMillis);
  }

  /** A full batch, or a deadline after the first sample. */
  record CountOrDelay(int batchSize, long maxDelayMillis) implements FlushTrigger {
    public CountOrDelay {
      if (batchSize <= 0 || maxDelayMillis < 0) {
        throw new IllegalArgumentException(
            "a batch of " + batchSize + " and a delay of " + maxDelayMillis + " ms");
      }
    }

    @Override
    public boolean onSample(int pending) {
      return pending >= batchSize;
    }

    @Override
    public long deadline(long firstSampleMillis) {
      return maxDelayMillis > 0 ? firstSampleMillis + maxDelayMillis : 0;
    }

    @Override
    public String explain() {
      return "batches of "
          + batchSize
          + (maxDelayMillis > 0 ? " or " + maxDelayMillis + " ms after the first sample" : "");
    }
  }
}
