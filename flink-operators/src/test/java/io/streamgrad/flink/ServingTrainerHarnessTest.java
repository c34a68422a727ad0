package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.operator.ServingTrainerOperator;
import io.streamgrad.nn.Models;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FloatLists;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Predictions inside the training job: requests answered by the live model (a request after update
 * k gets version k or later, from exactly that model), and test-then-train predictions of every
 * sample.
 */
class ServingTrainerHarnessTest {
  static final int FEATURES = 4;
  static final int BATCH = 8;

  static KeyedTwoInputStreamOperatorTestHarness<String, DenseSample, DenseRequest, WeightSnapshot>
      harness(boolean prequential) throws Exception {
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(FEATURES)
            .model(Models.logistic())
            .optimizer(Optimizers.adam(0.05))
            .batchSize(BATCH)
            .prequentialPredictions(prequential)
            .build();
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new ServingTrainerOperator(
                t.config(),
                t.lifecycle(),
                OnlineTrainer.REJECTED,
                OnlineTrainer.PREDICTIONS,
                prequential),
            DenseSample::getModelId,
            DenseRequest::getModelId,
            Types.STRING);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    return h;
  }

  static List<Prediction> predictions(
      KeyedTwoInputStreamOperatorTestHarness<String, DenseSample, DenseRequest, WeightSnapshot> h) {
    List<Prediction> out = new ArrayList<>();
    var side = h.getSideOutput(OnlineTrainer.PREDICTIONS);
    if (side != null) {
      side.forEach(r -> out.add(r.getValue()));
    }
    return out;
  }

  static float[] features(Sample s) {
    return FloatLists.unboxed(s.getFeatures());
  }

  @Test
  void aRequestAfterUpdateKIsAnsweredByVersionKOrLater() throws Exception {
    TutorialData data = new TutorialData(FEATURES, 1, 5 * BATCH, 9);
    float[] x = features(data.samples.get(0));
    try (var h = harness(false)) {
      h.open();
      h.processElement2(new DenseRequest("model-0", "before", x, null), 0);
      var refused = h.getSideOutput(OnlineTrainer.REJECTED);
      assertEquals("no model", refused.peek().getValue().getReason(), "no update yet");
      int sent = 0;
      for (int k = 1; k <= 5; k++) {
        for (int i = 0; i < BATCH; i++) {
          Sample s = data.samples.get(sent++);
          s.setLabel(s.getLabel() > 0 ? 1f : 0f);
          h.processElement1(DenseSample.of(s), 0);
        }
        h.processElement2(new DenseRequest("model-0", "after-" + k, x, null), 0);
        List<WeightSnapshot> snapshots = h.extractOutputValues();
        WeightSnapshot newest = snapshots.get(snapshots.size() - 1);
        Prediction p = predictions(h).get(k - 1);
        assertEquals("after-" + k, p.getRequestId());
        assertTrue(
            p.getModelVersion() >= k, "version " + p.getModelVersion() + " after update " + k);
        assertEquals(newest.getVersion(), p.getModelVersion(), "the live model: zero staleness");
        assertEquals(
            Float.floatToIntBits(SnapshotModels.predictor(newest).predict(x)),
            Float.floatToIntBits(p.getOutput()),
            "the same forward pass and link as serving from the snapshot");
      }
      h.processElement2(new DenseRequest("model-0", "bad", new float[2], null), 0);
      List<String> reasons = new ArrayList<>();
      for (StreamRecord<DeadLetter> r : refused) {
        reasons.add(r.getValue().getReason());
      }
      assertEquals(List.of("no model", "wrong feature count: expected 4, got 2"), reasons);
    }
  }

  @Test
  void prequentialPredictionsAreMadeBeforeEachSampleIsTrainedOn() throws Exception {
    TutorialData data = new TutorialData(FEATURES, 2, 3 * BATCH, 4);
    try (var h = harness(true)) {
      h.open();
      List<Sample> fed = new ArrayList<>();
      for (Sample s : data.samples) {
        s.setLabel(s.getLabel() > 0 ? 1f : 0f);
        h.processElement1(DenseSample.of(s), 0);
        fed.add(s);
      }
      List<Prediction> preds = predictions(h);
      assertEquals(data.samples.size(), preds.size(), "one per sample trained on");
      List<WeightSnapshot> snapshots = h.extractOutputValues();
      for (String id : data.modelIds) {
        List<Sample> mine = fed.stream().filter(s -> s.getModelId().equals(id)).toList();
        List<Prediction> theirs = preds.stream().filter(p -> p.getModelId().equals(id)).toList();
        List<WeightSnapshot> versions =
            snapshots.stream().filter(s -> s.getModelId().equals(id)).toList();
        for (int i = 0; i < mine.size(); i++) {
          Prediction p = theirs.get(i);
          int batch = i / BATCH;
          assertEquals(Long.toString(i + 1), p.getRequestId());
          assertEquals(batch, p.getModelVersion(), "the version before the sample's update");
          assertEquals(mine.get(i).getLabel(), p.getLabel());
          if (batch > 0) { // the model of the previous snapshot, on this sample
            float expected =
                SnapshotModels.predictor(versions.get(batch - 1)).predict(features(mine.get(i)));
            assertEquals(expected, p.getOutput(), 1e-6f);
          } else {
            assertEquals(0.5f, p.getOutput(), "a fresh logistic model predicts 0.5");
          }
        }
      }
    }
  }
}
