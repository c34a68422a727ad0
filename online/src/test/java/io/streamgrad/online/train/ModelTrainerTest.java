package io.streamgrad.online.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.nn.Models;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The trainer on its own: batching, the guarded step, state, standardization; no Flink. */
class ModelTrainerTest {

  static final float[] TRUE_W = {2f, -3.4f};

  static TrainerConfig config(int batchSize, OptimizerSpec optimizer) {
    return TrainerConfig.builder()
        .features(2)
        .model(Models.linear())
        .optimizer(optimizer)
        .batchSize(batchSize)
        .build();
  }

  /** The tutorial's samples: {@code y = x · w* + noise}. */
  static void feed(ModelTrainer t, SplittableRandom rng, int n, boolean stepWhenFull) {
    for (int i = 0; i < n; i++) {
      float[] x = {(rng.nextFloat() - 0.5f) * 5f, (rng.nextFloat() - 0.5f) * 5f};
      float y = x[0] * TRUE_W[0] + x[1] * TRUE_W[1] + (float) rng.nextGaussian() / 2;
      if (t.add(x, y, 1f) && stepWhenFull) {
        assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
      }
    }
  }

  static float[] weights(ModelTrainer t) {
    return t.denseParameters().get(0).toArray();
  }

  @Test
  void learnsTheTutorialsWeightsOneBatchAtATime() {
    ModelTrainer t = new ModelTrainer(config(8, Optimizers.sgd(0.01)), "m");
    assertEquals(ModelTrainer.StepResult.EMPTY, t.step(), "nothing pending");
    feed(t, new SplittableRandom(1), 4_000, true);
    assertEquals(500, t.version());
    assertEquals(4_000, t.samplesSeen());
    assertEquals(0, t.pending());
    assertArrayEquals(TRUE_W, weights(t), 0.05f);
    assertTrue(t.prequentialLoss() > 0 && t.prequentialLoss() < 2, "" + t.prequentialLoss());
  }

  @Test
  void aPartialBatchIsTrainedWhenAsked() {
    ModelTrainer t = new ModelTrainer(config(64, Optimizers.sgd(0.01)), "m");
    feed(t, new SplittableRandom(2), 5, true);
    assertEquals(5, t.pending());
    assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
    assertEquals(1, t.version());
    assertEquals(5, t.samplesSeen());
    assertEquals(0, t.pending());
  }

  @Test
  void aDivergingStepLeavesTheModelBitForBitAsItWas() {
    ModelTrainer t = new ModelTrainer(config(4, Optimizers.sgd(1e30)), "m");
    feed(t, new SplittableRandom(3), 4, false);
    float[] before = weights(t);
    assertEquals(ModelTrainer.StepResult.REJECTED_NON_FINITE, t.step());
    assertArrayEquals(before, weights(t), 0f, "the last good state is kept");
    assertEquals(0, t.version());
    assertEquals(1, t.rejectedBatches());
    assertEquals(4, t.pending(), "the batch stays pending, for the caller to report");
    float[] x = new float[2];
    float[] lw = new float[2];
    t.pendingSample(0, x, lw);
    assertEquals(1f, lw[1], "its weight, as it arrived");
    t.discardPending();
    assertEquals(0, t.pending());
  }

  @Test
  void aRestoredTrainerContinuesBitForBitWithItsPartialBatch() {
    TrainerConfig config = config(16, Optimizers.adam(0.05));
    ModelTrainer straight = new ModelTrainer(config, "m");
    feed(straight, new SplittableRandom(4), 1_000, true);

    ModelTrainer first = new ModelTrainer(config, "m");
    SplittableRandom rng = new SplittableRandom(4);
    feed(first, rng, 500 + 7, true); // stops mid-batch
    assertEquals(507 % 16, first.pending(), "a partial batch in the state");
    TrainerState state = first.toState();
    ModelTrainer restored = new ModelTrainer(config, "m");
    restored.restore(state);
    assertEquals(first.pending(), restored.pending());
    feed(restored, rng, 1_000 - 507, true);

    assertEquals(straight.version(), restored.version());
    assertEquals(straight.samplesSeen(), restored.samplesSeen());
    assertArrayEquals(weights(straight), weights(restored), 0f);
    assertArrayEquals(straight.denseOptimizerSlots(), restored.denseOptimizerSlots(), 0f);
  }

  @Test
  void samplesOfTheStandardizationsWarmUpOnlyFeedItsStatistics() {
    TrainerConfig config =
        TrainerConfig.builder()
            .features(2)
            .batchSize(4)
            .quality(QualitySpec.DEFAULT.standardize(10))
            .build();
    ModelTrainer t = new ModelTrainer(config, "m");
    SplittableRandom rng = new SplittableRandom(5);
    feed(t, rng, 10, false);
    assertEquals(0, t.pending(), "warming up");
    assertTrue(t.standardizer().ready(), "ready after its warm-up");
    feed(t, rng, 3, false);
    assertEquals(3, t.pending());
    assertEquals(ModelTrainer.StepResult.TRAINED, t.step());
    assertNotEquals(0f, weights(t)[0]);
  }
}
