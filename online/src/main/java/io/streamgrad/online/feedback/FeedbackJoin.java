package io.streamgrad.online.feedback;

import io.streamgrad.online.feedback.FeedbackConfig.Correction;
import io.streamgrad.online.feedback.FeedbackConfig.LateLabels;
import io.streamgrad.online.feedback.FeedbackConfig.NoLabel;

/**
 * The feedback join's policy, for the events and labels of one model, in event time: what an event,
 * a label or a due time does. The host (a Flink operator, or a test) keeps the state ({@link
 * Store}), the timers ({@link Timers}: {@link #onTime} is called once a watermark passed each
 * registered time) and trains ({@link Sink}).
 *
 * <p>An event waits for its label until its window closes (watermark at {@code eventTime +
 * window}), then is <i>joined</i> or <i>expired</i>; it stays one more window, closed, so that a
 * label after it is recognized as <i>late</i>, then is forgotten. A label before its event waits
 * one window for it, then is an <i>orphan</i>. Training happens only in {@link #onTime}, at event
 * times that do not depend on how the inputs interleaved: with due times processed in order (time,
 * then request id), replays train bit for bit the same.
 */
public final class FeedbackJoin {

  public static final String LATE_EVENT = "late event: its label window had closed when it arrived";
  public static final String DUPLICATE_REQUEST_ID =
      "duplicate requestId: an event with this requestId is still remembered";
  public static final String ORPHAN_LABEL =
      "orphan label: no event with this requestId came within the label window";
  public static final String LATE_LABEL = "late label: its event's label window had closed";

  /** A model's remembered events and waiting labels, by request id. */
  public interface Store {
    PendingEvent event(String requestId) throws Exception;

    void putEvent(String requestId, PendingEvent event) throws Exception;

    void removeEvent(String requestId) throws Exception;

    EarlyLabel earlyLabel(String requestId) throws Exception;

    void putEarlyLabel(String requestId, EarlyLabel label) throws Exception;

    void removeEarlyLabel(String requestId) throws Exception;
  }

  /** Event-time timers by request id. */
  public interface Timers {
    void register(String requestId, long time) throws Exception;
  }

  /** Where the join's outcomes go. */
  public interface Sink {
    /** The model's current output for {@code event}'s inputs (fnw weights: detached). */
    float predict(PendingEvent event) throws Exception;

    /** Trains the model on {@code event}'s inputs with this label and weight. */
    void train(PendingEvent event, float label, float weight) throws Exception;

    /**
     * Answers {@code event} (of request {@code requestId}) with the model as it is now: the
     * prediction goes out, and {@link PendingEvent#served} and {@link PendingEvent#servedVersion}
     * are set.
     */
    void answer(String requestId, PendingEvent event) throws Exception;

    /** A label that will not be trained on, with the reason (a dead letter). */
    void refuseLabel(String requestId, float label, float weight, long time, String reason)
        throws Exception;
  }

  /** The same counts over every model of the host (e.g. its metrics); optional. */
  public interface Totals {
    void inc(int counter);
  }

  private final FeedbackConfig config;
  private final boolean classification;
  private final long window;
  private final Store store;
  private final Timers timers;
  private final Sink sink;
  private Totals totals = counter -> {};

  public FeedbackJoin(
      FeedbackConfig config, boolean classification, Store store, Timers timers, Sink sink) {
    config.checkModel(classification);
    this.config = config;
    this.classification = classification;
    this.window = config.labelWindowMillis();
    this.store = store;
    this.timers = timers;
    this.sink = sink;
  }

  /** Counts every model's events and labels here too. */
  public FeedbackJoin totals(Totals totals) {
    this.totals = totals;
    return this;
  }

  private void count(FeedbackTally tally, int counter) {
    tally.inc(counter);
    totals.inc(counter);
  }

  public FeedbackConfig config() {
    return config;
  }

  /**
   * A served event, with the watermark when it came. Returns null when it is remembered; else the
   * reason it is not (a dead letter): its window had closed already, or its request id is taken.
   */
  public String onEvent(String requestId, PendingEvent event, long watermark, FeedbackTally tally)
      throws Exception {
    if (event.eventTime + window <= watermark) {
      count(tally, FeedbackTally.DEAD_LETTERS);
      return LATE_EVENT;
    }
    if (store.event(requestId) != null) {
      count(tally, FeedbackTally.DEAD_LETTERS);
      return DUPLICATE_REQUEST_ID;
    }
    count(tally, FeedbackTally.EVENTS);
    store.putEvent(requestId, event);
    EarlyLabel early = store.earlyLabel(requestId);
    if (early != null) {
      store.removeEarlyLabel(requestId);
      attach(requestId, event, early.label, early.weight, early.time, tally);
    }
    timers.register(requestId, event.eventTime + window);
    if (config.correction() == Correction.FNW) {
      timers.register(requestId, event.eventTime);
    }
    return null;
  }

  /**
   * A label (valid: see {@link FeedbackConfig#invalidLabel}); refused ones are passed to the sink.
   */
  public void onLabel(String requestId, float label, float weight, long time, FeedbackTally tally)
      throws Exception {
    count(tally, FeedbackTally.LABELS);
    PendingEvent event = store.event(requestId);
    if (event != null) {
      attach(requestId, event, label, weight, time, tally);
      return;
    }
    if (store.earlyLabel(requestId) != null) {
      count(tally, FeedbackTally.DUPLICATE_LABELS);
      return;
    }
    store.putEarlyLabel(requestId, new EarlyLabel(label, weight, time));
    timers.register(requestId, time + window);
  }

  /**
   * A label for a remembered event: joined when it happened within the event's window (in event
   * time, however early or late it arrived), late otherwise, a duplicate after the first.
   */
  private void attach(
      String requestId,
      PendingEvent event,
      float label,
      float weight,
      long time,
      FeedbackTally tally)
      throws Exception {
    if (event.is(PendingEvent.LABELED) || event.is(PendingEvent.LATE_LABELED)) {
      count(tally, FeedbackTally.DUPLICATE_LABELS);
      return;
    }
    long closes = event.eventTime + window;
    if (!event.is(PendingEvent.CLOSED) && time <= closes) {
      event.label(label, weight, time);
      store.putEvent(requestId, event);
      timers.register(requestId, Math.max(event.eventTime, time));
      return;
    }
    count(tally, FeedbackTally.LATE_LABELS);
    // Beyond the second window the event is forgotten; whether it still was when the label came
    // depends on arrival order, so such a label never trains.
    event.lateLabel(label, weight, time);
    if (config.lateLabels() == LateLabels.DROP || time >= closes + window) {
      store.putEvent(requestId, event);
      count(tally, FeedbackTally.DEAD_LETTERS);
      sink.refuseLabel(requestId, label, weight, time, LATE_LABEL);
      return;
    }
    store.putEvent(requestId, event);
    timers.register(requestId, Math.max(time, closes));
  }

  /** A registered time of {@code requestId} was passed by the watermark. */
  public void onTime(String requestId, long time, FeedbackTally tally) throws Exception {
    PendingEvent event = store.event(requestId);
    if (event == null) {
      EarlyLabel early = store.earlyLabel(requestId);
      if (early != null && time >= early.time + window) {
        store.removeEarlyLabel(requestId);
        count(tally, FeedbackTally.ORPHAN_LABELS);
        count(tally, FeedbackTally.DEAD_LETTERS);
        sink.refuseLabel(requestId, early.label, early.weight, early.time, ORPHAN_LABEL);
      }
      return;
    }
    long closes = event.eventTime + window;
    boolean changed = false;
    if (event.is(PendingEvent.UNANSWERED) && time >= event.eventTime) {
      sink.answer(requestId, event); // before anything trains on it
      event.clear(PendingEvent.UNANSWERED);
      changed = true;
    }
    if (config.correction() == Correction.FNW
        && !event.is(PendingEvent.NEGATIVE_TRAINED)
        && time >= event.eventTime) {
      train(event, 0f, FakeNegativeWeights.negative(sink.predict(event)), tally);
      event.set(PendingEvent.NEGATIVE_TRAINED);
      changed = true;
    }
    if (event.is(PendingEvent.LABELED)
        && !event.is(PendingEvent.LABEL_TRAINED)
        && config.correction() != Correction.WAIT
        && time >= Math.max(event.eventTime, event.labelTime)) {
      trainLabel(event, false, tally);
      event.set(PendingEvent.LABEL_TRAINED);
      changed = true;
    }
    if (!event.is(PendingEvent.CLOSED) && time >= closes) {
      close(event, tally);
      timers.register(requestId, closes + window);
      changed = true;
    }
    if (lateCorrectionDue(event) && time >= Math.max(event.labelTime, closes)) {
      trainLabel(event, true, tally);
      event.set(PendingEvent.LABEL_TRAINED);
      changed = true;
    }
    if (event.is(PendingEvent.CLOSED) && time >= closes + window && !lateCorrectionDue(event)) {
      score(event, tally);
      store.removeEvent(requestId); // a label from now on is an orphan
      return;
    }
    if (changed) {
      store.putEvent(requestId, event);
    }
  }

  private boolean lateCorrectionDue(PendingEvent event) {
    return usableLateLabel(event)
        && config.lateLabels() == LateLabels.CORRECT
        && !event.is(PendingEvent.LABEL_TRAINED);
  }

  /** A late label within the second window: what happened, known while the event is kept. */
  private boolean usableLateLabel(PendingEvent event) {
    return event.is(PendingEvent.LATE_LABELED) && event.labelTime < event.eventTime + 2 * window;
  }

  /**
   * The served prediction against what happened, once it is final (the event is forgotten): its
   * label if one came within two windows, late or not; else the no-label outcome, if any.
   */
  private void score(PendingEvent event, FeedbackTally tally) {
    if (event.is(PendingEvent.LABELED) || usableLateLabel(event)) {
      tally.served().add(event.served, event.label);
    } else if (config.noLabel() != NoLabel.DROP) {
      tally.served().add(event.served, config.noLabelValue());
    }
  }

  /** A label, within the window or a late correction. */
  private void trainLabel(PendingEvent event, boolean late, FeedbackTally tally) throws Exception {
    float y = event.label;
    if (config.correction() == Correction.FNW) {
      if (y >= 0.5f) {
        float w = FakeNegativeWeights.positive(sink.predict(event));
        train(event, y, event.labelWeight * w, tally);
      }
      return; // a negative label: its event was trained on as one already
    }
    if (late && classification && config.noLabel() == NoLabel.NEGATIVE && y < 0.5f) {
      return; // closed as a negative, and it was one
    }
    train(event, y, event.labelWeight, tally);
  }

  /** The window closes: joined or expired; trained on if expired (without fnw), or if waiting. */
  private void close(PendingEvent event, FeedbackTally tally) throws Exception {
    event.set(PendingEvent.CLOSED);
    if (event.is(PendingEvent.LABELED)) {
      count(tally, FeedbackTally.JOINED);
      if (config.correction() == Correction.WAIT) {
        trainLabel(event, false, tally);
        event.set(PendingEvent.LABEL_TRAINED);
      }
    } else {
      count(tally, FeedbackTally.EXPIRED);
      if (config.noLabel() != NoLabel.DROP && config.correction() != Correction.FNW) {
        train(event, config.noLabelValue(), 1f, tally);
      }
    }
    if (config.lateLabels() == LateLabels.DROP) {
      event.forgetInputs(); // kept only to recognize a late label; nothing trains on it again
    }
  }

  private void train(PendingEvent event, float y, float weight, FeedbackTally tally)
      throws Exception {
    count(tally, y >= 0.5f ? FeedbackTally.TRAINED_POSITIVES : FeedbackTally.TRAINED_NEGATIVES);
    sink.train(event, y, weight);
  }
}
