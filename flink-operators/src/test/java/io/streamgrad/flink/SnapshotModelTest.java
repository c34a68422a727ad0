package io.streamgrad.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.flink.operator.Snapshots;
import io.streamgrad.flink.train.ModelTrainer;
import io.streamgrad.flink.train.Optimizers;
import io.streamgrad.nn.Linear;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.ModelSpec;
import io.streamgrad.nn.Models;
import io.streamgrad.schemas.WeightSnapshot;
import io.streamgrad.serving.SnapshotModels;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
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

  /** A user's model: {@code 2 · (X w)}, no bias, built by its factory's no-argument constructor. */
  public static final class Doubled implements ModelFactory {
    @Override
    public String name() {
      return "doubled";
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      Linear inner = Linear.toScalar(features);
      return new Model() {
        @Override
        public List<String> parameterNames() {
          return List.of("weight");
        }

        @Override
        public List<Tensor> parameters() {
          return List.of(inner.parameters().get(0));
        }

        @Override
        public Tensor forward(Tensor x) {
          return x.matmul(inner.parameters().get(0)).mul(2f);
        }
      };
    }
  }

  static Stream<ModelFactory> models() {
    return Stream.of(
        Models.linear(),
        Models.logistic(),
        Models.mlp(4, 3),
        Models.mlp(6).activation(Models.Activation.RELU),
        new Doubled());
  }

  @ParameterizedTest
  @MethodSource("models")
  void theModelRebuiltFromASnapshotIsTheTrainers(ModelFactory factory) {
    OnlineTrainer t =
        OnlineTrainer.builder()
            .features(FEATURES)
            .model(factory)
            .optimizer(Optimizers.adam(0.05))
            .batchSize(4)
            .build();
    ModelTrainer trainer = new ModelTrainer(t.config(), "m");
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

  @Test
  void aSnapshotWithoutASpecSaysSo() {
    OnlineTrainer t = OnlineTrainer.builder().features(FEATURES).build();
    WeightSnapshot old = Snapshots.of("m", new ModelTrainer(t.config(), "m"), false, 0L);
    old.setModelSpec(null); // as a job of the previous release wrote it
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SnapshotModels.model(old));
    assertTrue(e.getMessage().contains("has no model spec"), e.getMessage());
  }
}
