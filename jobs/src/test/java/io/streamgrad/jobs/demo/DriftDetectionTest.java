package io.streamgrad.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.Sample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Drift detection at its default settings on the trainer itself (no Flink in between, the same
 * code): no false alarm on stationary data over several seeds, detection within a bound after a
 * real change, and recovery after the change with and without a reset.
 */
class DriftDetectionTest {
  private static final int FEATURES = 8;

  /** What one model's run showed: alarms, and its absolute errors (before each update). */
  record Run(List<Long> alarms, double[] errors) {
    /** Mean absolute error of samples {@code [from, to)} (0-based). */
    double mae(int from, int to) {
      double s = 0;
      for (int i = from; i < to; i++) {
        s += errors[i];
      }
      return s / (to - from);
    }
  }

  static Run run(long seed, long samples, long driftAt, QualitySpec.DriftAction action) {
    TrainerConfig config =
        OnlineTrainer.builder()
            .features(FEATURES)
            .optimizer(Optimizers.adagrad(0.5))
            .batchSize(32)
            .quality(QualitySpec.DEFAULT.drift(PageHinkley.Params.DEFAULT, action))
            .build()
            .config();
    SyntheticData data = new SyntheticData(FEATURES, 1, 0.5f, seed).driftAt(driftAt);
    ModelTrainer t = new ModelTrainer(config, "model-0");
    List<Long> alarms = new ArrayList<>();
    double[] errors = new double[(int) samples];
    float[] predicted = new float[32];
    float[] labels = new float[32];
    int scored = 0;
    for (long i = 0; i < samples; i++) {
      Sample s = data.next();
      DenseSample d = DenseSample.of(s);
      if (t.add(d.features, d.label, d.weight)) {
        assertEquals(ModelTrainer.StepResult.TRAINED, t.step(predicted, labels));
        for (int k = 0; k < 32; k++) {
          errors[scored++] = Math.abs(predicted[k] - labels[k]);
        }
        if (t.takeDrift()) {
          alarms.add(t.driftSample());
          if (action == QualitySpec.DriftAction.RESET_OPTIMIZER) {
            t.resetOptimizer();
          } else if (action == QualitySpec.DriftAction.RESET_MODEL) {
            t.resetModel("model-0");
          }
        }
      }
    }
    return new Run(alarms, errors);
  }

  @Test
  void noFalseAlarmOnStationaryDataOverSeeds() {
    for (long seed = 1; seed <= 6; seed++) {
      Run r = run(seed, 40_000, 0, QualitySpec.DriftAction.NONE);
      assertEquals(List.of(), r.alarms(), "seed " + seed);
    }
  }

  @Test
  void theDriftIsFoundWithinABoundedNumberOfSamples() {
    for (long seed = 1; seed <= 6; seed++) {
      Run r = run(seed, 20_000, 10_000, QualitySpec.DriftAction.NONE);
      assertTrue(!r.alarms().isEmpty(), "seed " + seed + ": not detected");
      long first = r.alarms().get(0);
      assertTrue(first > 10_000 && first <= 10_100, "seed " + seed + ": at " + first);
    }
  }

  /**
   * The error over the 1,000 samples after the change, per action, over seeds: a warm restart of
   * AdaGrad's accumulators (whose effective rate has decayed by then) recovers faster than none.
   */
  @Test
  void aResetRecoversFasterThanNone() {
    double[] sums = new double[3];
    StringBuilder figures = new StringBuilder();
    for (long seed = 1; seed <= 4; seed++) {
      QualitySpec.DriftAction[] actions = QualitySpec.DriftAction.values();
      for (int a = 0; a < actions.length; a++) {
        Run r = run(seed, 20_000, 10_000, actions[a]);
        double after = r.mae(10_000, 11_000);
        sums[a] += after;
        figures.append(
            String.format(
                "seed %d %-15s before %.3f, after: first 1,000 %.3f, next 1,000 %.3f%n",
                seed, actions[a].label(), r.mae(9_000, 10_000), after, r.mae(11_000, 12_000)));
      }
    }
    System.out.print(figures);
    assertTrue(sums[1] < 0.9 * sums[0], "reset-optimizer vs none:\n" + figures);
    assertTrue(sums[2] < sums[0], "reset-model vs none:\n" + figures);
  }
}
