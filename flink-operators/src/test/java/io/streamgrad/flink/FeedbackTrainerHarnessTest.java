package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.operator.FeedbackTrainerOperator;
import io.streamgrad.nn.Models;
import io.streamgrad.online.feedback.FeedbackConfig;
import io.streamgrad.online.feedback.FeedbackJoin;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.FeedbackMetrics;
import io.streamgrad.schemas.FeedbackReport;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Label;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The feedback operator: serve, remember, join in event time, train; checkpointed with it all. */
class FeedbackTrainerHarnessTest {
  static final int FEATURES = 4;
  static final long WINDOW = 100;

  static KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, Label, WeightSnapshot>
      harness(FeedbackConfig feedback) throws Exception {
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(FEATURES)
            .model(Models.logistic())
            .optimizer(Optimizers.adam(0.05))
            .batchSize(4)
            .snapshotEvery(1)
            .build();
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new FeedbackTrainerOperator(
                t.config(),
                t.lifecycle(),
                feedback,
                OnlineTrainer.REJECTED,
                OnlineTrainer.PREDICTIONS,
                OnlineTrainer.FEEDBACK_REPORTS,
                3_600_000),
            DenseRequest::getModelId,
            Label::getModelId,
            Types.STRING);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    return h;
  }

  static FeedbackConfig window() {
    return FeedbackConfig.builder().labelWindow(Duration.ofMillis(WINDOW)).build();
  }

  static Label label(String model, String request, float y, long time) {
    return Label.newBuilder()
        .setModelId(model)
        .setRequestId(request)
        .setLabel(y)
        .setEventTime(Instant.ofEpochMilli(time))
        .build();
  }

  /** A click stream: event i at time 10 i, clicked when its first feature is positive. */
  record Stream(List<DenseRequest> events, List<Label> labels) {}

  static Stream clicks(int n, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<DenseRequest> events = new ArrayList<>();
    List<Label> labels = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      String model = "model-" + (i % 2);
      events.add(new DenseRequest(model, "r" + i, x, 10L * i));
      if (x[0] > 0) {
        labels.add(label(model, "r" + i, 1f, 10L * i + 1 + rng.nextInt(60)));
      }
    }
    return new Stream(events, labels);
  }

  /**
   * Feeds events [from, to) and their labels, labels first or events first, then a watermark at the
   * last event's time.
   */
  static void feed(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, Label, WeightSnapshot> h,
      Stream s,
      int from,
      int to,
      boolean labelsFirst)
      throws Exception {
    List<Label> labels = new ArrayList<>();
    for (Label l : s.labels) {
      int i = Integer.parseInt(l.getRequestId().substring(1));
      if (i >= from && i < to) {
        labels.add(l);
      }
    }
    if (labelsFirst) {
      for (Label l : labels) {
        h.processElement2(new StreamRecord<>(l, l.getEventTime().toEpochMilli()));
      }
    }
    for (int i = from; i < to; i++) {
      DenseRequest r = s.events.get(i);
      h.processElement1(new StreamRecord<>(r, r.eventTime));
    }
    if (!labelsFirst) {
      for (Label l : labels) {
        h.processElement2(new StreamRecord<>(l, l.getEventTime().toEpochMilli()));
      }
    }
    h.processBothWatermarks(new Watermark(s.events.get(to - 1).eventTime));
  }

  static void end(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, Label, WeightSnapshot> h)
      throws Exception {
    h.processBothWatermarks(Watermark.MAX_WATERMARK);
    h.endInput1();
    h.endInput2();
  }

  static Map<String, WeightSnapshot> newest(List<WeightSnapshot> snapshots) {
    Map<String, WeightSnapshot> m = new TreeMap<>();
    for (WeightSnapshot s : snapshots) {
      m.merge(s.getModelId(), s, (a, b) -> b.getVersion() >= a.getVersion() ? b : a);
    }
    return m;
  }

  /** Each model's last report. */
  static Map<String, FeedbackReport> reports(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, Label, WeightSnapshot> h) {
    Map<String, FeedbackReport> m = new TreeMap<>();
    var side = h.getSideOutput(OnlineTrainer.FEEDBACK_REPORTS);
    if (side != null) {
      for (StreamRecord<FeedbackReport> r : side) {
        m.put(r.getValue().getModelId(), r.getValue());
      }
    }
    return m;
  }

  static List<String> reasons(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, Label, WeightSnapshot> h) {
    List<String> out = new ArrayList<>();
    var side = h.getSideOutput(OnlineTrainer.REJECTED);
    if (side != null) {
      for (StreamRecord<DeadLetter> r : side) {
        out.add(r.getValue().getReason());
      }
    }
    return out;
  }

  @Test
  void everyEventIsServedJoinedOrExpiredAndForgotten() throws Exception {
    Stream s = clicks(200, 1);
    try (var h = harness(window())) {
      h.open();
      feed(h, s, 0, 200, false);
      end(h);
      var predictions = h.getSideOutput(OnlineTrainer.PREDICTIONS);
      assertEquals(200, predictions.size(), "every event answered");
      Prediction first = predictions.peek().getValue();
      assertEquals(0, first.getModelVersion(), "a new model answers as initialized");
      Map<String, WeightSnapshot> models = newest(h.extractOutputValues());
      Map<String, FeedbackReport> reports = reports(h);
      assertEquals(models.keySet(), reports.keySet(), "a final report of every model");
      long events = 0;
      long joined = 0;
      long expired = 0;
      long scored = 0;
      for (WeightSnapshot m : models.values()) {
        FeedbackReport r = reports.get(m.getModelId());
        assertEquals(m.getVersion(), r.getVersion(), "reported after the last update");
        FeedbackMetrics f = r.getMetrics();
        events += f.getEvents();
        joined += f.getJoined();
        expired += f.getExpired();
        scored += f.getScored();
        assertEquals(0, f.getPending());
        assertEquals(f.getEvents(), f.getTrainedPositives() + f.getTrainedNegatives());
        assertEquals(f.getEvents(), m.getSamplesSeen(), "each event trained on once");
      }
      assertEquals(200, events);
      assertEquals(s.labels.size(), joined);
      assertEquals(200 - s.labels.size(), expired);
      assertEquals(200, scored);
      assertEquals(List.of(), reasons(h));
      assertEquals(0, h.numEventTimeTimers(), "every due time fired");
      assertEquals(0, h.numKeyedStateEntries(), "no event or label left behind");
    }
  }

  @Test
  void aRestoredOperatorTrainsBitForBitAsAnUninterruptedOne() throws Exception {
    Stream s = clicks(400, 2);
    Map<String, WeightSnapshot> once;
    Map<String, FeedbackReport> onceReports;
    try (var h = harness(window())) {
      h.open();
      feed(h, s, 0, 400, false);
      end(h);
      once = newest(h.extractOutputValues());
      onceReports = reports(h);
    }
    OperatorSubtaskState checkpoint;
    try (var h = harness(window())) {
      h.open();
      feed(h, s, 0, 150, true); // the other interleaving, too
      checkpoint = h.snapshot(1, 1);
    }
    Map<String, WeightSnapshot> resumed;
    Map<String, FeedbackReport> resumedReports;
    try (var h = harness(window())) {
      h.initializeState(checkpoint);
      h.open();
      feed(h, s, 150, 400, true);
      end(h);
      resumed = newest(h.extractOutputValues());
      resumedReports = reports(h);
    }
    assertEquals(once.keySet(), resumed.keySet());
    for (String id : once.keySet()) {
      WeightSnapshot a = once.get(id);
      WeightSnapshot b = resumed.get(id);
      assertEquals(a.getVersion(), b.getVersion(), id);
      assertArrayEquals(
          bits(FloatLists.unboxed(a.getWeights())), bits(FloatLists.unboxed(b.getWeights())), id);
      assertEquals(Float.floatToIntBits(a.getBias()), Float.floatToIntBits(b.getBias()), id);
      FeedbackMetrics fa = onceReports.get(id).getMetrics();
      FeedbackMetrics fb = resumedReports.get(id).getMetrics();
      assertEquals(fa.getEvents(), fb.getEvents(), id);
      assertEquals(fa.getJoined(), fb.getJoined(), id);
      assertEquals(fa.getExpired(), fb.getExpired(), id);
      // What was served depends on when each request came, not only on what came: not compared.
    }
  }

  private static int[] bits(float[] v) {
    int[] b = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = Float.floatToIntBits(v[i]);
    }
    return b;
  }

  @Test
  void hostileRecordsEachHaveTheirOutcome() throws Exception {
    try (var h = harness(window())) {
      h.open();
      float[] x = {1, 2, 3, 4};
      h.processElement1(new StreamRecord<>(new DenseRequest("m", "a", x, 1000L), 1000));
      h.processElement1(new StreamRecord<>(new DenseRequest("m", "a", x, 1001L), 1001));
      h.processElement1(new StreamRecord<>(new DenseRequest("m", "", x, 1002L), 1002));
      h.processElement2(new StreamRecord<>(label("m", "a", Float.NaN, 1005), 1005));
      h.processElement2(new StreamRecord<>(label("m", "a", 1.5f, 1005), 1005));
      h.processElement2(new StreamRecord<>(label("m", "", 1f, 1005), 1005));
      h.processElement2(new StreamRecord<>(label("other", "a", 1f, 1005), 1005));
      h.processElement2(new StreamRecord<>(label("m", "a", 1f, 1010), 1010));
      h.processElement2(new StreamRecord<>(label("m", "a", 0f, 1011), 1011));
      h.processBothWatermarks(new Watermark(1500));
      h.processElement1(new StreamRecord<>(new DenseRequest("m", "old", x, 1000L), 1000));
      end(h);
      assertEquals(
          List.of(
              FeedbackJoin.DUPLICATE_REQUEST_ID,
              "empty request id",
              "non-finite label",
              "label out of range for a logistic model: 1.5 is not in [0, 1]",
              "empty request id",
              FeedbackJoin.ORPHAN_LABEL,
              FeedbackJoin.LATE_EVENT),
          reasons(h));
      FeedbackMetrics f = reports(h).get("m").getMetrics();
      assertEquals(1, f.getEvents());
      assertEquals(1, f.getJoined());
      assertEquals(1, f.getDuplicateLabels());
      assertEquals(1, f.getTrainedPositives());
      assertTrue(f.getDeadLetters() >= 2, "the join's own refusals are counted per model");
      assertEquals(0, h.numEventTimeTimers(), "nothing left behind");
    }
  }
}
