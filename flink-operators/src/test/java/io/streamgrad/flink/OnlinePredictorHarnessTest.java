package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.predict.OnlinePredictorOperator;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.testing.ModelKinds;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The predictor operator under Flink's test harness: answers, versions, waits, refusals, restore.
 */
class OnlinePredictorHarnessTest {
  static final int FEATURES = 5;

  /** Trains a model of {@code factory} and hands out its snapshots, version by version. */
  static final class Versions {
    final ModelTrainer trainer;
    final SplittableRandom rng = new SplittableRandom(11);

    Versions(ModelFactory factory, String id) {
      OnlineTrainer t =
          OnlineTrainer.builder()
              .features(FEATURES)
              .model(factory)
              .optimizer(Optimizers.adam(0.05))
              .batchSize(4)
              .build();
      trainer = new ModelTrainer(t.config(), id);
    }

    /** The snapshot after one more update, stamped {@code millis}. */
    WeightSnapshot next(String id, long millis) {
      while (!trainer.add(row(rng), (float) rng.nextDouble(), 1f)) {}
      trainer.step();
      return Snapshots.of(id, trainer, true, millis);
    }
  }

  static float[] row(SplittableRandom rng) {
    float[] x = new float[FEATURES];
    for (int j = 0; j < FEATURES; j++) {
      x[j] = (float) rng.nextGaussian();
    }
    return x;
  }

  static KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, WeightSnapshot, Prediction>
      harness(OnlinePredictor predictor) throws Exception {
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            predictor.operator(),
            DenseRequest::getModelId,
            WeightSnapshot::getModelId,
            Types.STRING);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    return h;
  }

  static DenseRequest request(String model, String id, float[] x) {
    return new DenseRequest(model, id, x, 7L);
  }

  static List<Prediction> predictions(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, WeightSnapshot, Prediction> h) {
    return h.extractOutputValues();
  }

  static List<String> reasons(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, WeightSnapshot, Prediction> h) {
    List<String> out = new ArrayList<>();
    var side = h.getSideOutput(OnlinePredictor.REJECTED);
    if (side != null) {
      for (StreamRecord<DeadLetter> r : side) {
        out.add(r.getValue().getReason());
      }
    }
    return out;
  }

  static Stream<ModelFactory> models() {
    return ModelKinds.all();
  }

  @ParameterizedTest
  @MethodSource("models")
  void aBatchOfPredictionsIsTheSnapshotsForwardPassBitForBit(ModelFactory factory)
      throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder().maxBatchSize(8).maxBatchDelay(Duration.ofMillis(5)).build();
    Versions v = new Versions(factory, "m");
    WeightSnapshot s = null;
    for (int i = 0; i < 5; i++) {
      s = v.next("m", 1000);
    }
    try (var h = harness(predictor)) {
      h.open();
      h.setProcessingTime(1000);
      h.processElement2(s, 0);
      SplittableRandom rng = new SplittableRandom(5);
      float[] xs = new float[8 * FEATURES];
      for (int i = 0; i < 8; i++) {
        float[] x = row(rng);
        System.arraycopy(x, 0, xs, i * FEATURES, FEATURES);
        h.processElement1(request("m", "r" + i, x), 0);
      }
      float[] expected = new float[8];
      SnapshotModels.predictor(s).predict(xs, 8, expected);
      List<Prediction> out = predictions(h);
      assertEquals(8, out.size(), "a full batch is answered at once");
      for (int i = 0; i < 8; i++) {
        Prediction p = out.get(i);
        assertEquals("r" + i, p.getRequestId());
        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(p.getOutput()));
        assertEquals(s.getVersion(), p.getModelVersion());
        assertEquals(7L, p.getEventTime().toEpochMilli());
        assertFalse(p.getStale());
        assertNull(p.getLabel());
      }
      if (factory.link() == io.streamgrad.nn.Link.LOGISTIC) {
        for (Prediction p : out) {
          assertTrue(p.getOutput() > 0f && p.getOutput() < 1f, "a probability");
        }
      }
    }
  }

  @Test
  void requestsWaitForTheirBatchOrItsDelay() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder().maxBatchSize(4).maxBatchDelay(Duration.ofMillis(5)).build();
    WeightSnapshot s = new Versions(Models.linear(), "m").next("m", 0);
    try (var h = harness(predictor)) {
      h.open();
      h.setProcessingTime(100);
      h.processElement2(s, 0);
      SplittableRandom rng = new SplittableRandom(1);
      for (int i = 0; i < 3; i++) {
        h.processElement1(request("m", "a" + i, row(rng)), 0);
      }
      assertEquals(0, predictions(h).size(), "a partial batch waits");
      h.processElement1(request("m", "a3", row(rng)), 0);
      assertEquals(4, predictions(h).size(), "a full batch goes at once");
      h.processElement1(request("m", "b0", row(rng)), 0);
      assertEquals(4, predictions(h).size());
      h.setProcessingTime(105);
      assertEquals(5, predictions(h).size(), "the delay answers a partial batch");
    }
  }

  @Test
  void versionsNeverGoBackAndARestoredPredictorKeepsItsVersion() throws Exception {
    OnlinePredictor predictor = OnlinePredictor.builder().maxBatchDelay(Duration.ZERO).build();
    Versions v = new Versions(Models.linear(), "m");
    WeightSnapshot v1 = v.next("m", 0);
    WeightSnapshot v2 = v.next("m", 0);
    WeightSnapshot v3 = v.next("m", 0);
    float[] x = row(new SplittableRandom(2));
    OperatorSubtaskState checkpoint;
    try (var h = harness(predictor)) {
      h.open();
      h.processElement2(v2, 0);
      h.processElement2(v1, 0); // late, older: ignored
      h.processElement2(v2, 0); // repeated: ignored
      h.processElement1(request("m", "q1", x), 0);
      h.processElement2(v3, 0);
      h.processElement1(request("m", "q2", x), 0);
      h.processElement2(v2, 0); // a replay after v3
      h.processElement1(request("m", "q3", x), 0);
      List<Prediction> out = predictions(h);
      assertEquals(List.of(2L, 3L, 3L), out.stream().map(Prediction::getModelVersion).toList());
      assertEquals(
          SnapshotModels.predictor(v3).predict(x), out.get(2).getOutput(), "v3's parameters");
      checkpoint = h.snapshot(1, 1);
    }
    try (var h = harness(predictor)) {
      h.initializeState(checkpoint);
      h.open();
      h.processElement2(v1, 0); // replayed from the topic's start after the restore
      h.processElement1(request("m", "q4", x), 0);
      List<Prediction> out = predictions(h);
      assertEquals(1, out.size());
      assertEquals(3L, out.get(0).getModelVersion(), "the restored version, not the replayed one");
      assertEquals(SnapshotModels.predictor(v3).predict(x), out.get(0).getOutput());
    }
  }

  @Test
  void aRequestBeforeAnySnapshotWaitsThenIsAnsweredOrRefused() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder()
            .maxBatchDelay(Duration.ZERO)
            .noModelWait(Duration.ofSeconds(10))
            .build();
    float[] x = row(new SplittableRandom(3));
    OperatorSubtaskState checkpoint;
    try (var h = harness(predictor)) {
      h.open();
      h.setProcessingTime(1_000);
      h.processElement1(request("early", "e1", x), 0);
      h.processElement1(request("never", "n1", x), 0);
      h.setProcessingTime(5_000);
      h.processElement1(request("never", "n2", x), 0);
      assertEquals(0, predictions(h).size());
      assertEquals(List.of(), reasons(h));
      checkpoint = h.snapshot(1, 5_000); // waiting requests are in state
    }
    try (var h = harness(predictor)) {
      h.initializeState(checkpoint);
      h.open();
      h.setProcessingTime(6_000);
      WeightSnapshot s = new Versions(Models.linear(), "early").next("early", 0);
      h.processElement2(s, 0);
      assertEquals(1, predictions(h).size(), "answered as soon as its model arrives");
      assertEquals("e1", predictions(h).get(0).getRequestId());
      h.setProcessingTime(11_000); // n1 waited 10 s; n2 only 6 s
      assertEquals(List.of("no model"), reasons(h));
      h.setProcessingTime(15_000);
      assertEquals(List.of("no model", "no model"), reasons(h));
      var refused = h.getSideOutput(OnlinePredictor.REJECTED);
      assertEquals("never", refused.peek().getValue().getModelId());
    }
  }

  /** A sparse model (FTRL over 2^10 hashed coordinates and 2 dense features) publishing. */
  static final class SparseVersions {
    static final int BITS = 10;
    final ModelTrainer trainer;
    final io.streamgrad.schemas.ModelSpec spec;
    final SplittableRandom rng = new SplittableRandom(5);

    SparseVersions() {
      OnlineTrainer t =
          OnlineTrainer.builder()
              .features(2)
              .model(io.streamgrad.nn.SparseModels.logistic(BITS))
              .optimizer(Optimizers.ftrl(0.5))
              .batchSize(8)
              .build();
      trainer = new ModelTrainer(t.config(), "ads");
      spec = SnapshotModels.toAvro(t.config().model.spec(2));
    }

    /** The records of the next version: a full update first, deltas after. */
    List<WeightSnapshot> next() {
      boolean stepped = false;
      while (!stepped) {
        int[] idx = {rng.nextInt(64), rng.nextInt(1 << BITS), rng.nextInt(8)};
        float[] val = {1f, 1f, 0.5f};
        stepped =
            trainer.add(
                new float[] {(float) rng.nextGaussian(), 1f},
                idx,
                val,
                rng.nextBoolean() ? 1f : 0f,
                1f);
      }
      trainer.step();
      return Snapshots.publish("ads", trainer, true, 0L, spec);
    }

    /** What the live model answers for {@code r} now: the trainer's own forward pass. */
    float live(DenseRequest r) {
      io.streamgrad.autograd.SparseBatch row = new io.streamgrad.autograd.SparseBatch();
      io.streamgrad.online.serving.SparseRequests.addRow(row, r, BITS);
      float[] out = new float[1];
      trainer.predictor().predict(r.features, row, 1, out);
      return out[0];
    }
  }

  static DenseRequest sparseRequest(String id) {
    return request("ads", id, new float[] {0.3f, 1f})
        .withSparse(new int[] {3, 700, 3}, new float[] {1f, 2f, 0.5f}, "site=news", "hour=13");
  }

  /**
   * A sparse model is served from its updates: a full one, then deltas applied on the version
   * before; each prediction equals the live model's at that version, bit for bit; a restored
   * predictor rebuilds the model from the updates in state and applies the next delta on it; after
   * a gap it keeps serving the version it holds.
   */
  @Test
  void sparseModelsAreServedFromTheirUpdatesBitForBit() throws Exception {
    OnlinePredictor predictor = OnlinePredictor.builder().maxBatchDelay(Duration.ZERO).build();
    SparseVersions v = new SparseVersions();
    List<List<WeightSnapshot>> versions = new ArrayList<>();
    List<Float> live = new ArrayList<>();
    DenseRequest q = sparseRequest("q");
    for (int i = 0; i < 7; i++) {
      versions.add(v.next());
      live.add(v.live(q));
    }
    assertTrue(versions.get(0).get(0).getSparse().getFull(), "the first is a full update");
    assertFalse(versions.get(1).get(0).getSparse().getFull(), "then deltas");
    OperatorSubtaskState checkpoint;
    try (var h = harness(predictor)) {
      h.open();
      versions.get(0).forEach(s -> process2(h, s));
      h.processElement1(sparseRequest("r1"), 0);
      for (int i = 1; i <= 3; i++) {
        versions.get(i).forEach(s -> process2(h, s));
      }
      h.processElement1(sparseRequest("r4"), 0);
      List<Prediction> out = predictions(h);
      assertEquals(List.of(1L, 4L), out.stream().map(Prediction::getModelVersion).toList());
      assertEquals(live.get(0), out.get(0).getOutput(), "version 1: the full update");
      assertEquals(live.get(3), out.get(1).getOutput(), "version 4: three deltas on it");
      assertTrue(live.get(0) != live.get(3), "the model changed between them");
      checkpoint = h.snapshot(1, 1);
    }
    try (var h = harness(predictor)) {
      h.initializeState(checkpoint);
      h.open();
      versions.get(2).forEach(s -> process2(h, s)); // replayed: ignored
      h.processElement1(sparseRequest("r4b"), 0);
      versions.get(4).forEach(s -> process2(h, s)); // a delta on the restored version 4
      h.processElement1(sparseRequest("r5"), 0);
      versions.get(6).forEach(s -> process2(h, s)); // version 6 lost: a gap
      h.processElement1(sparseRequest("r5b"), 0);
      h.processElement1(
          request("ads", "bad1", new float[] {0f, 1f})
              .withSparse(new int[] {5000}, new float[] {1f}),
          0);
      h.processElement1(
          request("ads", "bad2", new float[] {0f, 1f}).withSparse(new int[0], new float[0], ""), 0);
      h.processElement1(
          request("ads", "bad3", new float[] {0f, 1f})
              .withSparse(new int[] {1}, new float[] {Float.NaN}),
          0);
      List<Prediction> out = predictions(h);
      assertEquals(List.of(4L, 5L, 5L), out.stream().map(Prediction::getModelVersion).toList());
      assertEquals(live.get(3), out.get(0).getOutput(), "rebuilt from the updates in state");
      assertEquals(live.get(4), out.get(1).getOutput(), "the next delta applied on it");
      assertEquals(live.get(4), out.get(2).getOutput(), "after a gap: the version it holds");
      assertEquals(
          List.of(
              "sparse index outside the space: 5000 not in [0, 2^10)",
              "empty token",
              "non-finite sparse value"),
          reasons(h));
    }
  }

  /**
   * Two sparse models and room for one: each request for the evicted one rebuilds it from the
   * updates in state, and answers exactly as before.
   */
  @Test
  void anEvictedSparseModelIsRebuiltFromState() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder().maxBatchDelay(Duration.ZERO).maxLiveModels(1).build();
    SparseVersions a = new SparseVersions();
    SparseVersions b = new SparseVersions();
    List<WeightSnapshot> aUpdates = new ArrayList<>();
    List<WeightSnapshot> bUpdates = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      aUpdates.addAll(a.next());
      bUpdates.addAll(b.next()); // b differs from a: two steps for a's one
      bUpdates.addAll(b.next());
    }
    DenseRequest q = sparseRequest("q");
    float aLive = a.live(q);
    float bLive = b.live(q);
    assertTrue(aLive != bLive);
    try (var h = harness(predictor)) {
      h.open();
      aUpdates.forEach(s -> process2(h, s));
      for (WeightSnapshot s : bUpdates) {
        process2(h, WeightSnapshot.newBuilder(s).setModelId("ads-b").build());
      }
      for (int i = 0; i < 3; i++) {
        h.processElement1(sparseRequest("a" + i), 0);
        DenseRequest r = sparseRequest("b" + i);
        r.modelId = "ads-b";
        h.processElement1(r, 0);
      }
      List<Prediction> out = predictions(h);
      assertEquals(6, out.size(), reasons(h) + " " + out);
      for (Prediction p : out) {
        assertEquals(p.getModelId().equals("ads") ? aLive : bLive, p.getOutput(), 0f, p.toString());
        assertEquals(p.getModelId().equals("ads") ? 3L : 6L, p.getModelVersion());
      }
    }
  }

  @Test
  void sparseRequestsToADenseModelAreRefused() throws Exception {
    OnlinePredictor predictor = OnlinePredictor.builder().maxBatchDelay(Duration.ZERO).build();
    try (var h = harness(predictor)) {
      h.open();
      h.processElement2(new Versions(Models.linear(), "m").next("m", 0), 0);
      h.processElement1(
          request("m", "s", row(new SplittableRandom(1))).withSparse(new int[0], new float[0], "a"),
          0);
      assertEquals(List.of("sparse features for a model without a sparse part"), reasons(h));
    }
  }

  private static void process2(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseRequest, WeightSnapshot, Prediction> h,
      WeightSnapshot s) {
    try {
      h.processElement2(s, 0);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void badRequestsAndOldModelsAreRefusedWithTheirReason() throws Exception {
    OnlinePredictor refuse =
        OnlinePredictor.builder()
            .maxBatchDelay(Duration.ZERO)
            .noModelWait(Duration.ZERO)
            .maxModelAge(Duration.ofSeconds(60))
            .build();
    WeightSnapshot s = new Versions(Models.linear(), "m").next("m", 1_000);
    try (var h = harness(refuse)) {
      h.open();
      h.setProcessingTime(2_000);
      h.processElement2(s, 0);
      h.processElement1(request("m", "short", new float[3]), 0);
      h.processElement1(request("m", "nan", new float[] {1, Float.NaN, 0, 0, 0}), 0);
      h.processElement1(request("m", "", new float[FEATURES]), 0);
      h.processElement1(request("other", "x", new float[FEATURES]), 0);
      h.processElement1(request("m", "fresh", new float[FEATURES]), 0);
      h.setProcessingTime(61_001); // the model is now 60,001 ms old
      h.processElement1(request("m", "old", new float[FEATURES]), 0);
      assertEquals(
          List.of(
              "wrong feature count: expected 5, got 3",
              "non-finite feature",
              "empty request id",
              "no model",
              "model too old: version 1 is 60001 ms old, at most 60000 ms allowed"),
          reasons(h));
      assertEquals(
          List.of("fresh"), predictions(h).stream().map(Prediction::getRequestId).toList());
      DeadLetter first = h.getSideOutput(OnlinePredictor.REJECTED).peek().getValue();
      assertEquals("m", first.getModelId());
      assertTrue(first.getPayload().remaining() > 10, "the request's encoding");
    }
    OnlinePredictor flag =
        OnlinePredictor.builder()
            .maxBatchDelay(Duration.ZERO)
            .maxModelAge(Duration.ofSeconds(60))
            .flagStale()
            .build();
    try (var h = harness(flag)) {
      h.open();
      h.setProcessingTime(61_001);
      h.processElement2(s, 0);
      h.processElement1(request("m", "old", new float[FEATURES]), 0);
      assertTrue(predictions(h).get(0).getStale(), "flagged, not refused");
      assertEquals(List.of(), reasons(h));
    }
  }

  @Test
  void whenBothInputsEndWaitingRequestsAreRefused() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder().maxBatchDelay(Duration.ofMillis(50)).build();
    WeightSnapshot s = new Versions(Models.linear(), "m").next("m", 0);
    try (var h = harness(predictor)) {
      h.open();
      h.processElement2(s, 0);
      h.processElement1(request("m", "partial", new float[FEATURES]), 0);
      h.processElement1(request("none", "w", new float[FEATURES]), 0);
      h.endInput1();
      assertEquals(0, predictions(h).size());
      h.endInput2();
      assertEquals(1, predictions(h).size(), "the partial batch is answered");
      assertEquals(List.of("no model"), reasons(h));
    }
  }

  @Test
  void snapshotsFirstAnswersWithTheFinalVersions() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder().maxBatchDelay(Duration.ZERO).snapshotsFirst().build();
    Versions v = new Versions(Models.linear(), "m");
    WeightSnapshot v1 = v.next("m", 0);
    WeightSnapshot v2 = v.next("m", 0);
    float[] x = row(new SplittableRandom(4));
    try (var h = harness(predictor)) {
      h.open();
      h.processElement2(v1, 0);
      h.processElement1(request("m", "a", x), 0);
      h.processElement1(request("ghost", "g", x), 0);
      h.processElement2(v2, 0);
      assertEquals(0, predictions(h).size(), "held until the snapshots end");
      h.endInput2();
      assertEquals(List.of(2L), predictions(h).stream().map(Prediction::getModelVersion).toList());
      assertEquals(List.of("no model"), reasons(h));
      h.processElement1(request("m", "b", x), 0);
      h.processElement1(request("ghost", "g2", x), 0);
      assertEquals(2, predictions(h).size(), "later requests are answered at once");
      assertEquals(List.of("no model", "no model"), reasons(h));
    }
  }

  @Test
  void theBuilderRefusesBadValues() {
    assertThrows(
        IllegalArgumentException.class, () -> OnlinePredictor.builder().maxBatchSize(0).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> OnlinePredictor.builder().noModelWait(Duration.ofMillis(-1)).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> OnlinePredictor.builder().maxModelAge(Duration.ofMillis(-1)).build());
    assertEquals(
        OnlinePredictorOperator.MODEL_STATE, "streamgrad-served-model", "state names are stable");
  }
}
