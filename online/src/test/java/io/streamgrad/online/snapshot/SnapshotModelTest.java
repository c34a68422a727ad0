package io.streamgrad.online.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.online.testing.ModelKinds;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.Optimizers;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.schemas.WireFormat;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A snapshot says what it is a snapshot of: the model rebuilt from the snapshot alone computes the
 * trainer's forward pass bit for bit, for the built-ins and a user's model.
 */
class SnapshotModelTest {
  static final int FEATURES = 5;

  static Stream<ModelFactory> models() {
    return ModelKinds.all();
  }

  @ParameterizedTest
  @MethodSource("models")
  void theModelRebuiltFromASnapshotIsTheTrainers(ModelFactory factory) {
    TrainerConfig t =
        TrainerConfig.builder()
            .features(FEATURES)
            .model(factory)
            .optimizer(Optimizers.adam(0.05))
            .batchSize(4)
            .build();
    ModelTrainer trainer = new ModelTrainer(t, "m");
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 40; i++) {
      float[] x = new float[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      if (trainer.add(x, (float) rng.nextDouble(), 1f)) {
        trainer.step();
      }
    }
    WeightSnapshot snapshot = Snapshots.of("m", trainer, false, 0L);
    ModelSpec spec = SnapshotModels.spec(snapshot);
    assertEquals(factory.spec(FEATURES), spec);
    Model rebuilt = SnapshotModels.model(snapshot);

    float[] xs = new float[8 * FEATURES];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = (float) rng.nextGaussian();
    }
    Tensor x = Tensor.wrap(xs, 8, FEATURES);
    float[] expected;
    try (var off = Grad.disabled()) {
      expected = trainer.model().forward(x).toArray();
      assertArrayEquals(expected, rebuilt.forward(x).toArray(), 0f, spec.toString());
      expected = factory.link().apply(trainer.model().forward(x)).toArray();
    }
    float[] predicted = new float[8];
    SnapshotModels.predictor(snapshot).predict(xs, 8, predicted);
    assertArrayEquals(expected, predicted, 0f, "predictions, link applied: " + spec);
  }

  /**
   * What {@code train} checks a snapshot topic against before it starts: no snapshot of a trained
   * model (optimizer state, standardization, metrics filled in) is larger.
   */
  @ParameterizedTest
  @MethodSource("models")
  void noSnapshotIsLargerThanItsEstimate(ModelFactory factory) {
    TrainerConfig t =
        TrainerConfig.builder()
            .features(FEATURES)
            .model(factory)
            .optimizer(Optimizers.adam(0.05))
            .batchSize(4)
            .snapshotOptimizerState(true)
            .quality(QualitySpec.DEFAULT.standardize(8).metrics(true))
            .build();
    String id = "m".repeat(64);
    ModelTrainer trainer = new ModelTrainer(t, id);
    SplittableRandom rng = new SplittableRandom(4);
    for (int i = 0; i < 400; i++) {
      float[] x = new float[FEATURES];
      for (int j = 0; j < FEATURES; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      if (trainer.add(x, rng.nextDouble() < 0.5 ? 1f : 0f, 1f)) {
        trainer.step();
      }
    }
    int estimate = Snapshots.largestRecordBytes(t, id.length());
    int actual = WireFormat.encode(Snapshots.of(id, trainer, true, 0L)).length;
    assertTrue(actual <= estimate, actual + " > " + estimate + " for " + factory.name());
    assertTrue(
        trainer.hasSparseTables() || estimate <= actual + 2048,
        "close for a dense model: " + estimate + " for " + actual);
  }

  @Test
  void aSnapshotWithoutASpecSaysSo() {
    TrainerConfig t = TrainerConfig.builder().features(FEATURES).build();
    WeightSnapshot old = Snapshots.of("m", new ModelTrainer(t, "m"), false, 0L);
    old.setModelSpec(null); // as a job of the previous release wrote it
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SnapshotModels.model(old));
    assertTrue(e.getMessage().contains("has no model spec"), e.getMessage());
  }
}
