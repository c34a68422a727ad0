package io.streamgrad.flink.model;

import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.flink.train.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/** The built-in models. Each is a few lines of engine code; gradients come from autograd. */
public final class Models {

  private Models() {}

  /** The tutorial's regression {@code X w + b}, trained with MSE; starts from zeros. */
  public static ModelFactory linear() {
    return new LinearFactory("linear", false);
  }

  /** Logistic regression: logits {@code X w + b}, trained with {@link Losses#bceWithLogits}. */
  public static ModelFactory logistic() {
    return new LinearFactory("logistic", true);
  }

  /** A multi-layer perceptron with tanh hidden layers of the given widths and one output. */
  public static MlpFactory mlp(int... hidden) {
    return new MlpFactory(hidden, Activation.TANH);
  }

  /** Hidden-layer non-linearities. */
  public enum Activation {
    TANH,
    RELU;

    Tensor apply(Tensor t) {
      return this == TANH ? t.tanh() : t.relu();
    }
  }

  static final class LinearFactory implements ModelFactory {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final boolean logistic;

    LinearFactory(String name, boolean logistic) {
      this.name = name;
      this.logistic = logistic;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      Tensor w = Tensor.zeros(features).requiresGrad(true);
      Tensor b = Tensor.zeros().requiresGrad(true);
      return new Model() {
        @Override
        public List<String> parameterNames() {
          return List.of("weight", "bias");
        }

        @Override
        public List<Tensor> parameters() {
          return List.of(w, b);
        }

        @Override
        public Tensor forward(Tensor x) {
          return x.matmul(w).add(b);
        }
      };
    }

    @Override
    public Loss defaultLoss() {
      return logistic ? Losses::bceWithLogits : Losses::mse;
    }
  }

  /** An MLP: {@code d -> hidden... -> 1}, initialised like {@code torch.nn.Linear}. */
  public static final class MlpFactory implements ModelFactory {
    private static final long serialVersionUID = 1L;
    private final int[] hidden;
    private final Activation activation;

    MlpFactory(int[] hidden, Activation activation) {
      if (hidden.length == 0) {
        throw new IllegalArgumentException("an MLP needs at least one hidden layer");
      }
      for (int h : hidden) {
        if (h <= 0) {
          throw new IllegalArgumentException("hidden layer widths must be positive: " + Arrays.toString(hidden));
        }
      }
      this.hidden = hidden.clone();
      this.activation = activation;
    }

    /** The same network with another hidden activation. */
    public MlpFactory activation(Activation a) {
      return new MlpFactory(hidden, a);
    }

    @Override
    public String name() {
      return "mlp" + Arrays.toString(hidden).replace(" ", "") + "-" + activation.name().toLowerCase();
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      List<String> names = new ArrayList<>();
      List<Tensor> params = new ArrayList<>();
      int in = features;
      for (int i = 0; i < hidden.length; i++) {
        params.add(uniform(init, in, in, hidden[i]));
        params.add(uniform(init, in, hidden[i]));
        names.add("layer" + i + ".weight");
        names.add("layer" + i + ".bias");
        in = hidden[i];
      }
      params.add(uniform(init, in, in));
      params.add(uniform(init, in));
      names.add("out.weight");
      names.add("out.bias");
      List<Tensor> ps = List.copyOf(params);
      List<String> ns = List.copyOf(names);
      Activation act = activation;
      return new Model() {
        @Override
        public List<String> parameterNames() {
          return ns;
        }

        @Override
        public List<Tensor> parameters() {
          return ps;
        }

        @Override
        public Tensor forward(Tensor x) {
          Tensor h = x;
          int layers = ps.size() / 2 - 1;
          for (int i = 0; i < layers; i++) {
            h = act.apply(h.matmul(ps.get(2 * i)).add(ps.get(2 * i + 1)));
          }
          return h.matmul(ps.get(2 * layers)).add(ps.get(2 * layers + 1));
        }
      };
    }

    /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)), as torch.nn.Linear initialises weights and biases. */
    private static Tensor uniform(RandomGenerator rng, int fanIn, int... shape) {
      float bound = (float) (1.0 / Math.sqrt(fanIn));
      return Tensor.rand(rng, shape).mul(2f * bound).sub(bound).requiresGrad(true);
    }
  }
}
