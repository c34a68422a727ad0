package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.QualityGate;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Standardization, prequential metrics, drift detection and the quality gate in the keyed operator
 * under Flink's harness (generic types off: Flink's own serializers for the new state).
 */
class QualityHarnessTest {

  /** The harness, snapshot comparison and feeding of {@link OnlineTrainerHarnessTest}. */
  private static KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot>
      harness(OnlineTrainer trainer) throws Exception {
    return OnlineTrainerHarnessTest.harness(trainer, 1, 0);
  }

  private static List<WeightSnapshot> normalized(List<WeightSnapshot> in) {
    return OnlineTrainerHarnessTest.normalized(in);
  }

  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<String, DenseSample, WeightSnapshot> h,
      List<Sample> samples)
      throws Exception {
    OnlineTrainerHarnessTest.feed(h, samples);
  }

  /** Samples of a logistic model: labels 0/1 drawn from sigmoid(w·x), or coin flips if noise. */
  private static List<Sample> logisticSamples(int n, long seed, boolean noise) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = {2f, -1.5f, 1f};
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Float> x = new ArrayList<>();
      double z = 0;
      for (float wj : w) {
        float v = (float) r.nextGaussian();
        x.add(v);
        z += wj * v;
      }
      double p = noise ? 0.5 : 1 / (1 + Math.exp(-z));
      x.set(0, x.get(0) * 1000 + 300); // raw-looking: standardization must cope
      out.add(
          Sample.newBuilder()
              .setModelId("clicks")
              .setFeatures(x)
              .setLabel(r.nextDouble() < p ? 1f : 0f)
              .build());
    }
    return out;
  }

  private static OnlineTrainer logistic(QualitySpec quality) {
    return OnlineTrainer.builder()
        .features(3)
        .model(Models.logistic())
        .optimizer(Optimizers.adam(0.05))
        .batchSize(16)
        .snapshotEvery(5)
        .quality(quality)
        .build();
  }

  @Test
  void restoreMidBatchContinuesBitForBitWithEveryPieceOfQualityState() throws Exception {
    TutorialData data = new TutorialData(4, 2, 300, 3);
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(4)
            .optimizer(Optimizers.adam(0.05))
            .batchSize(8)
            .snapshotEvery(1)
            .quality(
                QualitySpec.DEFAULT
                    .standardize(5)
                    .drift(
                        new PageHinkley.Params(0.1, 50, 10, 0.99),
                        QualitySpec.DriftAction.RESET_OPTIMIZER))
            .build();
    var straight = harness(trainer);
    straight.open();
    feed(straight, data.samples);
    straight.endInput();
    List<WeightSnapshot> expected = normalized(straight.extractOutputValues());
    straight.close();

    int cut = 337; // mid-batch, after the warm-up
    var first = harness(trainer);
    first.open();
    feed(first, data.samples.subList(0, cut));
    first.prepareSnapshotPreBarrier(1L);
    OperatorSubtaskState checkpoint = first.snapshot(1L, 1L);
    List<WeightSnapshot> got = new ArrayList<>(first.extractOutputValues());
    first.close();
    var second = harness(trainer);
    second.initializeState(checkpoint);
    second.open();
    feed(second, data.samples.subList(cut, data.samples.size()));
    second.endInput();
    got.addAll(second.extractOutputValues());
    second.close();

    assertEquals(expected, normalized(got), "parameters, statistics, metrics: bit for bit");
    WeightSnapshot last = expected.get(expected.size() - 1);
    assertEquals(300, last.getStandardization().getCount(), "every sample fed the statistics");
    assertEquals(295, last.getSamplesSeen(), "all but the 5 of the warm-up trained on");
    assertEquals(295, last.getMetrics().getSamples());
    assertTrue(
        last.getMetrics().getWindowRmse() < last.getMetrics().getRmse(),
        "still learning: the window is better than the whole " + last.getMetrics());
    assertNull(last.getMetrics().getAuc(), "no AUC for a regression");
  }

  @Test
  void aClassifierReportsItsMetricsAndTheGateHoldsBackWhenItsDataTurnToNoise() throws Exception {
    OnlineTrainer trainer =
        logistic(QualitySpec.DEFAULT.standardize(20).publishIf(QualityGate.parse("auc>=0.75")));
    var h = harness(trainer);
    h.open();
    feed(h, logisticSamples(3000, 1, false));
    List<WeightSnapshot> published = new ArrayList<>(h.extractOutputValues());
    WeightSnapshot good = published.get(published.size() - 1);
    var m = good.getMetrics();
    assertTrue(m.getWindowAuc() >= 0.75 && m.getWindowAuc() < 1, m.toString());
    assertTrue(m.getWindowAccuracy() > 0.7, m.toString());
    assertTrue(m.getWindowLogLoss() < 0.6, m.toString());
    assertNotNull(m.getWindowRmse(), "the probability's RMSE (Brier score's root) too");
    long heldBefore =
        h.getSideOutput(OnlineTrainer.HELD_BACK) == null
            ? 0
            : h.getSideOutput(OnlineTrainer.HELD_BACK).size();

    feed(h, logisticSamples(3000, 2, true)); // the labels turn to coin flips
    h.endInput();
    List<WeightSnapshot> all = h.extractOutputValues();
    List<WeightSnapshot> after = all.subList(published.size(), all.size());
    for (WeightSnapshot s : after) {
      assertTrue(
          s.getMetrics().getWindowAuc() >= 0.75, "only passing snapshots: " + s.getMetrics());
    }
    assertTrue(
        after.size() < 12, "published only while the window still remembered: " + after.size());
    var held = h.getSideOutput(OnlineTrainer.HELD_BACK);
    assertNotNull(held);
    assertTrue(held.size() - heldBefore >= 20, "the rest held back: " + held.size());
    @SuppressWarnings("unchecked")
    WeightSnapshot lastHeld =
        ((StreamRecord<WeightSnapshot>) held.toArray()[held.size() - 1]).getValue();
    assertEquals(held.size(), lastHeld.getGatedSnapshots(), "each counted");
    assertTrue(lastHeld.getMetrics().getWindowAuc() < 0.75);
    h.close();
  }

  @Test
  void aDriftGoesToItsSideOutputAndTheActionApplies() throws Exception {
    SplittableRandom r = new SplittableRandom(5);
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      float sign = i < 600 ? 1f : -1f; // the truth flips after 600 samples
      List<Float> x = List.of((float) r.nextGaussian(), (float) r.nextGaussian());
      float y = sign * (2 * x.get(0) - x.get(1)) + (float) (0.1 * r.nextGaussian());
      samples.add(Sample.newBuilder().setModelId("m").setFeatures(x).setLabel(y).build());
    }
    OnlineTrainer trainer =
        OnlineTrainer.builder()
            .features(2)
            .optimizer(Optimizers.sgd(0.05))
            .batchSize(8)
            .quality(
                QualitySpec.DEFAULT.drift(
                    PageHinkley.Params.DEFAULT, QualitySpec.DriftAction.RESET_MODEL))
            .build();
    var h = harness(trainer);
    h.open();
    feed(h, samples);
    h.endInput();
    var drifts = h.getSideOutput(OnlineTrainer.DRIFTS);
    assertNotNull(drifts, "a drift event");
    assertEquals(1, drifts.size(), "one change, one event: " + drifts);
    @SuppressWarnings("unchecked")
    DriftEvent d = ((StreamRecord<DriftEvent>) drifts.peek()).getValue();
    assertEquals("m", d.getModelId());
    assertTrue(d.getSamplesSeen() > 600 && d.getSamplesSeen() <= 640, d.toString());
    assertEquals("absolute error", d.getError());
    assertEquals("reset-model", d.getAction());
    assertTrue(d.getErrorAfter() > 5 * d.getErrorBefore(), d.toString());
    WeightSnapshot last = h.extractOutputValues().get(h.extractOutputValues().size() - 1);
    assertEquals(List.of(d.getSamplesSeen()), last.getDrifts());
    assertEquals(-2f, last.getWeights().get(0), 0.1f, "learned the new truth after the reset");
    h.close();
  }

  /** Every reader of a snapshot predicts what the trainer predicts, standardization included. */
  @Test
  void snapshotReadersApplyTheSameStandardizationAndWarmStartsCarryIt() {
    TrainerConfig config = logistic(QualitySpec.DEFAULT.standardize(10)).config();
    ModelTrainer trainer = new ModelTrainer(config, "clicks");
    for (Sample s : logisticSamples(500, 3, false)) {
      DenseSample d = DenseSample.of(s);
      if (trainer.add(d.features, d.label, d.weight)) {
        trainer.step();
      }
    }
    WeightSnapshot snapshot = Snapshots.of("clicks", trainer, true, 0L);
    var served = SnapshotModels.predictor(snapshot);
    float[][] inputs = {{300f, 0.5f, -1f}, {1500f, -2f, 0f}, {-700f, 1f, 1f}};
    for (float[] x : inputs) {
      assertEquals(
          Float.floatToIntBits(trainer.predictor().predict(x)),
          Float.floatToIntBits(served.predict(x)),
          "bit for bit");
    }
    ModelTrainer warm = new ModelTrainer(config, "clicks");
    warm.restore(Snapshots.toState(config, snapshot));
    assertArrayEquals(trainer.standardizer().state(), warm.standardizer().state());
    assertEquals(trainer.predictor().predict(inputs[1]), warm.predictor().predict(inputs[1]));
    TrainerConfig rawConfig = logistic(QualitySpec.DEFAULT).config();
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Snapshots.toState(rawConfig, snapshot))
            .getMessage()
            .contains("was trained on standardized features"));
    float[] raw = SnapshotModels.rawLinear(snapshot);
    double z = raw[3];
    for (int j = 0; j < 3; j++) {
      z += raw[j] * (double) inputs[0][j];
    }
    assertEquals(served.predict(inputs[0]), 1 / (1 + Math.exp(-z)), 1e-4, "raw-space weights");
  }
}
