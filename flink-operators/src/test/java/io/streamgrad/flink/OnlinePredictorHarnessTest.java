package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.operator.Snapshots;
import io.streamgrad.flink.predict.OnlinePredictorOperator;
import io.streamgrad.flink.train.ModelTrainer;
import io.streamgrad.flink.train.Optimizers;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.serving.SnapshotModels;
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
    return SnapshotModelTest.models();
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

  /** A sparse model's snapshots are not served yet: ignored without a dead letter each. */
  @Test
  void sparseSnapshotsAreIgnoredAndTheirRequestsRefused() throws Exception {
    OnlinePredictor predictor =
        OnlinePredictor.builder()
            .maxBatchDelay(Duration.ZERO)
            .noModelWait(Duration.ofSeconds(1))
            .build();
    try (var h = harness(predictor)) {
      h.open();
      h.setProcessingTime(1_000);
      WeightSnapshot dense = new Versions(Models.linear(), "ads").next("ads", 0);
      WeightSnapshot sparse =
          WeightSnapshot.newBuilder(dense)
              .setSparse(
                  io.streamgrad.schemas.SparseUpdate.newBuilder()
                      .setFull(true)
                      .setBaseVersion(-1)
                      .setPart(0)
                      .setParts(1)
                      .setTables(List.of())
                      .build())
              .build();
      for (int i = 0; i < 50; i++) {
        h.processElement2(sparse, 0);
      }
      assertEquals(List.of(), reasons(h), "no dead letter per snapshot");
      h.processElement1(request("ads", "r1", row(new SplittableRandom(1))), 0);
      h.setProcessingTime(3_000);
      assertEquals(0, predictions(h).size());
      assertEquals(List.of("no model"), reasons(h));
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
