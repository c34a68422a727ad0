package io.streamgrad.flink.operator;

import io.streamgrad.online.feedback.FeedbackTally;
import io.streamgrad.online.train.TrainerState;

/**
 * What the training operator keeps per model beside its trainer: the partial batch's deadline and
 * the idle-expiry timer (processing time), the Kafka partition the model's samples come from, and
 * the feedback join's tally. Checkpointed with the model, in its {@link TrainerState}.
 */
final class ModelTimers {
  /** Processing time at which the partial batch is trained (0: none pending). */
  long batchDeadline;

  /** Processing time of the last sample, when idle models expire (0: not tracked). */
  long lastSampleMillis;

  /** The expiry timer registered for this model (0: none). */
  long expiryTimer;

  /** The partition the model's samples come from (-1: not known yet). */
  int sourcePartition = -1;

  /** The feedback join's tally of this model (null: none, or not used since restored). */
  FeedbackTally feedback;

  /** The tally's state as restored, until the feedback operator turns it into {@link #feedback}. */
  private long[] feedbackCounts;

  private double[] servedMetrics;

  static ModelTimers from(TrainerState s) {
    ModelTimers t = new ModelTimers();
    if (s != null) {
      t.batchDeadline = s.batchDeadline;
      t.lastSampleMillis = s.lastSampleMillis;
      t.expiryTimer = s.expiryTimer;
      t.sourcePartition = s.sourcePartition;
      t.feedbackCounts = s.feedbackCounts;
      t.servedMetrics = s.servedMetrics;
    }
    return t;
  }

  void copyTo(TrainerState s) {
    s.batchDeadline = batchDeadline;
    s.lastSampleMillis = lastSampleMillis;
    s.expiryTimer = expiryTimer;
    s.sourcePartition = sourcePartition;
    s.feedbackCounts = feedback != null ? feedback.counts() : feedbackCounts;
    s.servedMetrics = feedback != null ? feedback.served().state() : servedMetrics;
  }

  /** The feedback tally of this model, restored or new. */
  FeedbackTally feedback(boolean classification) {
    if (feedback == null) {
      feedback = FeedbackTally.restore(feedbackCounts, servedMetrics, classification);
      feedbackCounts = null;
      servedMetrics = null;
    }
    return feedback;
  }

  /**
   * Notes that a sample came from Kafka partition {@code partition} (-1: unknown); false when the
   * model's samples came from another partition before, which breaks their order.
   */
  boolean fromPartition(int partition) {
    if (partition < 0 || partition == sourcePartition) {
      return true;
    }
    if (sourcePartition < 0) {
      sourcePartition = partition;
      return true;
    }
    return false;
  }
}
