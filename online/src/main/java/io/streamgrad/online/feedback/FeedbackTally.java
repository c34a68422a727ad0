package io.streamgrad.online.feedback;

import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.schemas.FeedbackMetrics;

/**
 * One model's accounting in the feedback join, and its served-prediction metrics: checkpointed with
 * the model, published in its snapshots ({@link #toAvro}). Every event ends joined or expired
 * ({@code joined + expired + pending == events}); every label is joined, late, an orphan, a
 * duplicate or dead-lettered.
 */
public final class FeedbackTally {
  public static final int EVENTS = 0;
  public static final int LABELS = 1;
  public static final int JOINED = 2;
  public static final int EXPIRED = 3;
  public static final int LATE_LABELS = 4;
  public static final int ORPHAN_LABELS = 5;
  public static final int DUPLICATE_LABELS = 6;
  public static final int DEAD_LETTERS = 7;
  public static final int TRAINED_POSITIVES = 8;
  public static final int TRAINED_NEGATIVES = 9;
  private static final int COUNTS = 10;

  private final long[] counts;
  private final ServedMetrics served;

  public FeedbackTally(boolean classification) {
    this.counts = new long[COUNTS];
    this.served = new ServedMetrics(classification);
  }

  /** A tally restored from its state ({@link #counts()}, {@link ServedMetrics#state()}). */
  public static FeedbackTally restore(long[] counts, double[] served, boolean classification) {
    FeedbackTally t = new FeedbackTally(classification);
    if (counts != null) {
      System.arraycopy(counts, 0, t.counts, 0, Math.min(counts.length, COUNTS));
    }
    if (served != null) {
      t.served.loadState(served);
    }
    return t;
  }

  void inc(int counter) {
    counts[counter]++;
  }

  public long get(int counter) {
    return counts[counter];
  }

  /** Events still in their label window. */
  public long pending() {
    return counts[EVENTS] - counts[JOINED] - counts[EXPIRED];
  }

  public ServedMetrics served() {
    return served;
  }

  /** The counters (a copy), for the model's state. */
  public long[] counts() {
    return counts.clone();
  }

  public FeedbackMetrics toAvro() {
    PrequentialMetrics s = served.scores();
    return FeedbackMetrics.newBuilder()
        .setEvents(counts[EVENTS])
        .setLabels(counts[LABELS])
        .setJoined(counts[JOINED])
        .setExpired(counts[EXPIRED])
        .setPending(pending())
        .setLateLabels(counts[LATE_LABELS])
        .setOrphanLabels(counts[ORPHAN_LABELS])
        .setDuplicateLabels(counts[DUPLICATE_LABELS])
        .setDeadLetters(counts[DEAD_LETTERS])
        .setTrainedPositives(counts[TRAINED_POSITIVES])
        .setTrainedNegatives(counts[TRAINED_NEGATIVES])
        .setScored(served.scored())
        .setServedAuc(value(s.auc(false)))
        .setServedLogLoss(value(s.logLoss(false)))
        .setServedMae(value(s.mae(false)))
        .setServedRmse(value(s.rmse(false)))
        .setMeanServedPrediction(value(served.meanServed()))
        .setObservedRate(value(served.observedRate()))
        .setWindowServedAuc(value(s.auc(true)))
        .setWindowServedLogLoss(value(s.logLoss(true)))
        .setWindowMeanServedPrediction(value(served.recentMeanServed()))
        .setWindowObservedRate(value(served.recentObservedRate()))
        .build();
  }

  private static Double value(double v) {
    return Double.isFinite(v) ? v : null;
  }
}
