package io.streamgrad.online.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The join's policy without Flink: a map store, a timer queue, a watermark moved by hand. */
class FeedbackJoinTest {

  private static final long WINDOW = 100;

  /** One model's join with everything it did recorded. */
  static final class Harness implements FeedbackJoin.Store, FeedbackJoin.Sink {
    final Map<String, PendingEvent> events = new HashMap<>();
    final Map<String, EarlyLabel> early = new HashMap<>();
    final TreeSet<String> timers = new TreeSet<>(); // "time/requestId", zero-padded: sorted
    final List<String> trained = new ArrayList<>();
    final List<String> refused = new ArrayList<>();
    final List<String> answered = new ArrayList<>();
    final FeedbackTally tally;
    final FeedbackJoin join;
    float prediction = 0.25f;
    long watermark = Long.MIN_VALUE;

    Harness(FeedbackConfig config, boolean classification) {
      tally = new FeedbackTally(classification);
      join =
          new FeedbackJoin(
              config,
              classification,
              this,
              (id, time) -> timers.add(String.format("%012d/%s", time, id)),
              this);
    }

    String event(String id, long time, float served) throws Exception {
      return join.onEvent(
          id,
          new PendingEvent(new float[] {id.length()}, new int[0], new float[0], time, served, 1),
          watermark,
          tally);
    }

    void label(String id, float y, long time) throws Exception {
      join.onLabel(id, y, 1f, time, tally);
    }

    /** Moves the watermark, firing due times in (time, request id) order. */
    void watermark(long to) throws Exception {
      watermark = to;
      while (!timers.isEmpty()) {
        String first = timers.first();
        long time = Long.parseLong(first.substring(0, 12));
        if (time > to) {
          break;
        }
        timers.pollFirst();
        join.onTime(first.substring(13), time, tally);
      }
    }

    @Override
    public PendingEvent event(String requestId) {
      return events.get(requestId);
    }

    @Override
    public void putEvent(String requestId, PendingEvent event) {
      events.put(requestId, event);
    }

    @Override
    public void removeEvent(String requestId) {
      events.remove(requestId);
    }

    @Override
    public EarlyLabel earlyLabel(String requestId) {
      return early.get(requestId);
    }

    @Override
    public void putEarlyLabel(String requestId, EarlyLabel label) {
      early.put(requestId, label);
    }

    @Override
    public void removeEarlyLabel(String requestId) {
      early.remove(requestId);
    }

    @Override
    public float predict(PendingEvent event) {
      return prediction;
    }

    @Override
    public void train(PendingEvent event, float label, float weight) {
      trained.add(String.format("x=%.0f y=%s w=%s", event.features[0], label, weight));
    }

    @Override
    public void answer(String requestId, PendingEvent event) {
      answered.add(requestId + " by " + prediction);
      event.served = prediction;
      event.servedVersion = 7;
    }

    @Override
    public void refuseLabel(String requestId, float label, float weight, long time, String reason) {
      refused.add(requestId + ": " + reason);
    }
  }

  private static FeedbackConfig.Builder config() {
    return FeedbackConfig.builder().labelWindow(Duration.ofMillis(WINDOW));
  }

  @Test
  void aLabelWithinTheWindowIsTrainedWhenItComesAndScoredWhenItIsFinal() throws Exception {
    Harness h = new Harness(config().build(), true);
    assertNull(h.event("a", 0, 0.8f));
    h.label("a", 1f, 10);
    h.watermark(9);
    assertEquals(List.of(), h.trained, "not before the label's time");
    h.watermark(10);
    assertEquals(List.of("x=1 y=1.0 w=1.0"), h.trained);
    assertEquals(1, h.tally.pending());
    h.watermark(100);
    assertEquals(1, h.tally.get(FeedbackTally.JOINED));
    assertEquals(0, h.tally.pending());
    assertEquals(0, h.tally.served().scored(), "a late label may still come");
    assertEquals(1, h.trained.size(), "trained once");
    h.watermark(200);
    assertTrue(h.events.isEmpty(), "forgotten one window after it closed");
    assertEquals(1, h.tally.served().scored());
    assertEquals(0.8, h.tally.served().meanServed(), 1e-6);
    assertEquals(1.0, h.tally.served().observedRate(), 1e-6);
    assertTrue(h.timers.isEmpty());
  }

  @Test
  void anEventWithoutALabelBecomesWhatThePolicySays() throws Exception {
    Harness negative = new Harness(config().build(), true);
    Harness dropped = new Harness(config().noLabelDrop().build(), true);
    Harness valued = new Harness(config().noLabelValue(2.5f).build(), false);
    for (Harness h : List.of(negative, dropped, valued)) {
      h.event("e", 0, 0.4f);
      h.watermark(99);
      assertEquals(List.of(), h.trained, "the window is still open");
      h.watermark(100);
      assertEquals(1, h.tally.get(FeedbackTally.EXPIRED));
      h.watermark(1000);
      assertTrue(h.events.isEmpty());
    }
    assertEquals(List.of("x=1 y=0.0 w=1.0"), negative.trained);
    assertEquals(1, negative.tally.served().scored());
    assertEquals(List.of(), dropped.trained);
    assertEquals(0, dropped.tally.served().scored(), "a dropped event has no outcome to score");
    assertEquals(List.of("x=1 y=2.5 w=1.0"), valued.trained);
  }

  @Test
  void aLabelBeforeItsEventWaitsForIt() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.label("a", 1f, 5);
    assertEquals(1, h.early.size());
    h.event("a", 3, 0.5f);
    assertTrue(h.early.isEmpty());
    h.watermark(1000);
    assertEquals(List.of("x=1 y=1.0 w=1.0"), h.trained);
    assertEquals(1, h.tally.get(FeedbackTally.JOINED));
    assertEquals(List.of(), h.refused);
  }

  @Test
  void aLabelWhoseEventNeverComesIsAnOrphanAfterOneWindow() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.label("ghost", 1f, 50);
    h.watermark(149);
    assertEquals(List.of(), h.refused);
    h.watermark(150);
    assertEquals(List.of("ghost: " + FeedbackJoin.ORPHAN_LABEL), h.refused);
    assertEquals(1, h.tally.get(FeedbackTally.ORPHAN_LABELS));
    assertEquals(1, h.tally.get(FeedbackTally.DEAD_LETTERS));
    assertTrue(h.early.isEmpty());
    assertEquals(List.of(), h.trained);
  }

  @Test
  void theFirstLabelCountsAndTheOthersAreDuplicates() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.event("a", 0, 0.5f);
    h.label("a", 1f, 10);
    h.label("a", 0f, 20);
    h.label("b", 1f, 20);
    h.label("b", 1f, 21);
    h.watermark(1000);
    assertEquals(List.of("x=1 y=1.0 w=1.0"), h.trained);
    assertEquals(2, h.tally.get(FeedbackTally.DUPLICATE_LABELS));
    assertEquals(1, h.tally.get(FeedbackTally.ORPHAN_LABELS), "b's first label, not its copy");
  }

  @Test
  void lateLabelsAreDeadLetteredOrCorrect() throws Exception {
    Harness dropping = new Harness(config().build(), true);
    Harness correcting =
        new Harness(config().lateLabels(FeedbackConfig.LateLabels.CORRECT).build(), true);
    for (Harness h : List.of(dropping, correcting)) {
      h.event("a", 0, 0.5f);
      h.watermark(120); // closed as a negative
      h.label("a", 1f, 130);
      h.label("a", 1f, 131);
      h.watermark(1000);
      assertEquals(1, h.tally.get(FeedbackTally.LATE_LABELS));
      assertEquals(1, h.tally.get(FeedbackTally.DUPLICATE_LABELS));
      assertEquals(1, h.tally.get(FeedbackTally.EXPIRED));
      assertTrue(h.events.isEmpty());
    }
    assertEquals(List.of("x=1 y=0.0 w=1.0"), dropping.trained);
    assertEquals(List.of("a: " + FeedbackJoin.LATE_LABEL), dropping.refused);
    for (Harness h : List.of(dropping, correcting)) {
      assertEquals(1.0, h.tally.served().observedRate(), 1e-9, "what happened: a click, late");
    }
    assertEquals(List.of("x=1 y=0.0 w=1.0", "x=1 y=1.0 w=1.0"), correcting.trained);
    assertEquals(List.of(), correcting.refused);
  }

  @Test
  void aLabelIsLateByItsEventTimeHoweverEarlyItArrives() throws Exception {
    // The labels' source may read ahead of the events': the watermark has not reached the
    // window's end yet, but the outcome happened after it.
    Harness h = new Harness(config().lateLabels(FeedbackConfig.LateLabels.CORRECT).build(), true);
    h.event("a", 0, 0.5f);
    h.label("a", 1f, 150);
    h.watermark(99);
    assertEquals(List.of(), h.trained);
    h.watermark(100);
    assertEquals(List.of("x=1 y=0.0 w=1.0"), h.trained, "expired as a negative");
    assertEquals(1, h.tally.get(FeedbackTally.EXPIRED));
    assertEquals(1, h.tally.get(FeedbackTally.LATE_LABELS));
    h.watermark(150);
    assertEquals(List.of("x=1 y=0.0 w=1.0", "x=1 y=1.0 w=1.0"), h.trained, "then corrected");
    h.watermark(1000);
    assertTrue(h.events.isEmpty());
    assertEquals(0, h.tally.get(FeedbackTally.JOINED));
  }

  @Test
  void aLateLabelBeyondTheSecondWindowNeverTrains() throws Exception {
    Harness h = new Harness(config().lateLabels(FeedbackConfig.LateLabels.CORRECT).build(), true);
    h.event("a", 0, 0.5f);
    h.label("a", 1f, 250); // arrives while the event is remembered, but after both windows
    h.watermark(1000);
    assertEquals(List.of("x=1 y=0.0 w=1.0"), h.trained);
    assertEquals(List.of("a: " + FeedbackJoin.LATE_LABEL), h.refused);
    assertTrue(h.events.isEmpty());
  }

  @Test
  void anEarlyLabelAfterItsEventsWindowIsLate() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.label("a", 1f, 150);
    h.event("a", 0, 0.5f);
    h.watermark(1000);
    assertEquals(List.of("x=1 y=0.0 w=1.0"), h.trained);
    assertEquals(List.of("a: " + FeedbackJoin.LATE_LABEL), h.refused);
    assertEquals(1, h.tally.get(FeedbackTally.LATE_LABELS));
    assertEquals(1, h.tally.get(FeedbackTally.EXPIRED));
  }

  @Test
  void aLabelAfterTheEventWasForgottenIsAnOrphan() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.event("a", 0, 0.5f);
    h.watermark(200);
    h.label("a", 1f, 210);
    h.watermark(400);
    assertEquals(List.of("a: " + FeedbackJoin.ORPHAN_LABEL), h.refused);
  }

  @Test
  void lateAndDuplicateEventsAreRefusedWithTheirReason() throws Exception {
    Harness h = new Harness(config().build(), true);
    h.event("a", 500, 0.5f);
    assertEquals(FeedbackJoin.DUPLICATE_REQUEST_ID, h.event("a", 510, 0.5f));
    h.watermark(400);
    assertEquals(FeedbackJoin.LATE_EVENT, h.event("old", 300, 0.5f));
    assertNull(h.event("fine", 301, 0.5f));
    assertEquals(2, h.tally.get(FeedbackTally.EVENTS));
    assertEquals(2, h.tally.get(FeedbackTally.DEAD_LETTERS));
  }

  @Test
  void fakeNegativeWeightingTrainsEveryEventAtOnceAndPositivesAgain() throws Exception {
    Harness h = new Harness(config().correction(FeedbackConfig.Correction.FNW).build(), true);
    h.prediction = 0.25f;
    h.event("clicked", 0, 0.3f);
    h.event("ignored", 0, 0.3f);
    h.watermark(0);
    float neg = (1 - 0.25f) * (1 + 0.25f);
    assertEquals(
        List.of("x=7 y=0.0 w=" + neg, "x=7 y=0.0 w=" + neg),
        h.trained,
        "both at once, as negatives");
    h.prediction = 0.5f;
    h.label("clicked", 1f, 40);
    h.watermark(40);
    assertEquals("x=7 y=1.0 w=1.5", h.trained.get(2), "the positive duplicate, weighted 1 + p");
    h.watermark(1000);
    assertEquals(3, h.trained.size(), "an expired event is not trained again");
    assertEquals(1, h.tally.get(FeedbackTally.JOINED));
    assertEquals(1, h.tally.get(FeedbackTally.EXPIRED));
    assertEquals(1, h.tally.get(FeedbackTally.TRAINED_POSITIVES));
    assertEquals(2, h.tally.get(FeedbackTally.TRAINED_NEGATIVES));
  }

  @Test
  void waitingTrainsEveryEventWhenItsWindowClosesInTheirOrder() throws Exception {
    Harness h = new Harness(config().correction(FeedbackConfig.Correction.WAIT).build(), true);
    h.event("a", 0, 0.5f);
    h.event("bb", 10, 0.5f);
    h.label("bb", 1f, 15);
    h.watermark(99);
    assertEquals(List.of(), h.trained, "the click waits for the window too");
    h.watermark(110);
    assertEquals(List.of("x=1 y=0.0 w=1.0", "x=2 y=1.0 w=1.0"), h.trained, "in event order");
    h.watermark(1000);
    assertEquals(2, h.trained.size());
    assertEquals(1, h.tally.get(FeedbackTally.JOINED));
  }

  @Test
  void fnwWeightsMakeTheExpectedLossThatOfTheTrueDistribution() {
    // b(1|x) = p/(1+p): E_b[w(y) * l(y)] = p l(1) + (1 - p) l(0) for any l.
    for (float p : new float[] {0f, 0.01f, 0.3f, 0.9f, 1f}) {
      double b1 = p / (1 + p);
      double l1 = 0.7;
      double l0 = 0.2;
      double expected =
          b1 * FakeNegativeWeights.positive(p) * l1
              + (1 - b1) * FakeNegativeWeights.negative(p) * l0;
      assertEquals(p * l1 + (1 - p) * l0, expected, 1e-6, "p = " + p);
    }
  }

  @Test
  void theTrainingOrderDoesNotDependOnHowTheInputsInterleaved() throws Exception {
    Harness a = new Harness(config().build(), true);
    Harness b = new Harness(config().build(), true);
    // The same records, events first in one, labels first in the other; same watermarks.
    for (int i = 0; i < 20; i++) {
      a.event("r" + i, i * 3, 0.5f);
    }
    for (int i = 0; i < 20; i += 2) {
      a.label("r" + i, i % 4 == 0 ? 1f : 0f, i * 3 + 7);
    }
    for (int i = 18; i >= 0; i -= 2) {
      b.label("r" + i, i % 4 == 0 ? 1f : 0f, i * 3 + 7);
    }
    for (int i = 19; i >= 0; i--) {
      b.event("r" + i, i * 3, 0.5f);
    }
    a.watermark(1000);
    b.watermark(1000);
    assertEquals(a.trained, b.trained);
    assertEquals(20, a.trained.size());
    assertEquals(a.tally.get(FeedbackTally.JOINED) + a.tally.get(FeedbackTally.EXPIRED), 20);
  }

  @Test
  void inEventTimeAnEventIsAnsweredWhenTheWatermarkReachesItBeforeAnythingTrainsOnIt()
      throws Exception {
    Harness h =
        new Harness(
            config()
                .correction(FeedbackConfig.Correction.FNW)
                .serving(FeedbackConfig.Serving.IN_EVENT_TIME)
                .build(),
            true);
    h.join.onEvent(
        "a",
        PendingEvent.unanswered(new float[] {1}, new int[0], new float[0], 50),
        h.watermark,
        h.tally);
    h.prediction = 0.125f;
    h.watermark(49);
    assertEquals(List.of(), h.answered);
    h.prediction = 0.25f;
    h.watermark(50);
    assertEquals(List.of("a by 0.25"), h.answered, "by the model of its time");
    assertEquals(1, h.trained.size(), "then its fake negative");
    h.label("a", 1f, 60);
    h.watermark(1000);
    assertEquals(1, h.tally.served().scored());
    assertEquals(0.25, h.tally.served().meanServed(), 1e-9);
  }

  @Test
  void configurationsThatCannotWorkAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FeedbackConfig.builder().build());
    assertThrows(
        IllegalArgumentException.class,
        () -> config().correction(FeedbackConfig.Correction.FNW).noLabelDrop().build());
    FeedbackConfig fnw = config().correction(FeedbackConfig.Correction.FNW).build();
    assertThrows(IllegalArgumentException.class, () -> fnw.checkModel(false));
    assertEquals(FeedbackConfig.LateLabels.CORRECT, fnw.lateLabels());
    assertEquals("non-finite label", FeedbackConfig.invalidLabel(Float.NaN, true));
    assertTrue(FeedbackConfig.invalidLabel(1.5f, true).startsWith("label out of range"));
    assertNull(FeedbackConfig.invalidLabel(1.5f, false));
  }
}
