package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.flink.operator.OnlineTrainerOperator;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A step that would make a model non-finite is rolled back and its samples are reported, not lost.
 */
class DivergenceGuardTest {

  private static KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot>
      harness(OnlineTrainer t) throws Exception {
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            t.operator(), DenseSample::getModelId, Types.STRING);
    ((SerializerConfigImpl) h.getExecutionConfig().getSerializerConfig()).setGenericTypes(false);
    h.open();
    return h;
  }

  private static List<DeadLetter> deadLetters(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h) {
    return h.getSideOutput(OnlineTrainer.REJECTED) == null
        ? List.of()
        : h.getSideOutput(OnlineTrainer.REJECTED).stream()
            .map(StreamRecord::getValue)
            .collect(Collectors.toList());
  }

  @Test
  void aDivergingLearningRateTriggersTheGuardInsteadOfNaNWeights() throws Exception {
    TutorialData data = new TutorialData(4, 1, 800, 1);
    OnlineTrainer t =
        OnlineTrainer.builder().features(4).optimizer(Optimizers.sgd(10.0)).batchSize(8).build();
    var h = harness(t);
    for (Sample s : data.samples) {
      h.processElement(DenseSample.of(s), 0L);
    }
    h.endInput();
    List<WeightSnapshot> snapshots = h.extractOutputValues();
    List<DeadLetter> dead = deadLetters(h);
    assertTrue(!dead.isEmpty(), "lr=10 diverges, so the guard must have fired");
    for (DeadLetter d : dead) {
      assertEquals(OnlineTrainerOperator.NON_FINITE_UPDATE, d.getReason());
    }
    for (WeightSnapshot s : snapshots) {
      for (float w : s.getWeights()) {
        assertTrue(Float.isFinite(w), "weights stay finite: " + s);
      }
      assertTrue(Float.isFinite(s.getBias()));
    }
    long seen = snapshots.isEmpty() ? 0 : snapshots.get(snapshots.size() - 1).getSamplesSeen();
    assertEquals(
        data.samples.size(), seen + dead.size(), "every sample is either trained on or reported");
    h.close();
  }

  @Test
  void aPoisonedBatchIsReportedAndTrainingContinues() throws Exception {
    TutorialData data = new TutorialData(4, 1, 64, 2);
    OnlineTrainer t =
        OnlineTrainer.builder().features(4).optimizer(Optimizers.sgd(0.02)).batchSize(8).build();
    var h = harness(t);
    for (int i = 0; i < data.samples.size(); i++) {
      Sample s = data.samples.get(i);
      if (i == 10) { // second batch: the operator alone does no input validation, the guard catches
        // it
        s = Sample.newBuilder(s).setLabel(Float.NaN).build();
      }
      h.processElement(DenseSample.of(s), 0L);
    }
    h.endInput();
    List<DeadLetter> dead = deadLetters(h);
    assertEquals(8, dead.size(), "the whole second batch");
    Sample back = Sample.fromByteBuffer(dead.get(2).getPayload());
    assertTrue(Float.isNaN(back.getLabel()), "the poisoned sample is among them, intact");
    WeightSnapshot last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
    assertEquals(56, last.getSamplesSeen());
    assertEquals(7, last.getVersion(), "7 good batches; the rejected one did not count");
    h.close();
  }

  @Test
  void gradientClippingBoundsTheUpdate() {
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(4)
            .optimizer(Optimizers.sgd(1.0))
            .batchSize(8)
            .gradClipNorm(0.5)
            .build();
    ModelTrainer trainer = new ModelTrainer(t.config(), "m");
    TutorialData data = new TutorialData(4, 1, 8, 3);
    for (Sample s : data.samples) {
      float[] x = new float[4];
      for (int j = 0; j < 4; j++) {
        x[j] = s.getFeatures().get(j) * 100f; // a huge gradient
      }
      trainer.add(x, s.getLabel() * 100f, 1f);
    }
    assertEquals(ModelTrainer.StepResult.TRAINED, trainer.step());
    double sq = 0;
    for (Tensor p : trainer.model().parameters()) {
      sq += Math.pow(p.norm().item(), 2); // parameters started at zero: this is the update's norm
    }
    assertEquals(0.5, Math.sqrt(sq), 1e-4, "lr 1 x clipped gradient norm 0.5");
    assertTrue(trainer.lastGradNorm() > 100f, "the reported norm is the one before clipping");
  }
}
