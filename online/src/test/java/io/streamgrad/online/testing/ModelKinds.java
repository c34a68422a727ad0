package io.streamgrad.online.testing;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Linear;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.ModelFactory;
import io.streamgrad.nn.Models;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;

/** Every kind of dense model a test should cover, a user's own among them. */
public final class ModelKinds {
  private ModelKinds() {}

  /**
   * A user's model: {@code 2 · (X w)}, no bias, built by its factory's no-argument constructor
   * (open: a test may extend the factory, e.g. with an ONNX mapping).
   */
  public static class Doubled implements ModelFactory {
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

  /** Linear, logistic, two MLPs and a user's model. */
  public static Stream<ModelFactory> all() {
    return Stream.of(
        Models.linear(),
        Models.logistic(),
        Models.mlp(4, 3),
        Models.mlp(6).activation(Models.Activation.RELU),
        new Doubled());
  }
}
