package io.streamgrad.nn;

import io.streamgrad.autograd.Losses;
import io.streamgrad.autograd.Tensor;
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
      return Linear.toScalar(features);
    }

    @Override
    public ModelSpec spec(int features) {
      return new ModelSpec(
          logistic ? ModelSpec.LOGISTIC : ModelSpec.LINEAR, features, null, null, null);
    }

    @Override
    public Link link() {
      return logistic ? Link.LOGISTIC : Link.IDENTITY;
    }

    @Override
    public Loss defaultLoss() {
      return logistic ? Losses::bceWithLogits : Losses::mse;
    }
  }

  /**
   * {@code hidden layers (Linear + activation) -> Linear to one output}; parameters {@code
   * layerI.weight/bias}, {@code out.weight/bias}.
   */
  static final class Mlp implements Model {
    private final List<Linear> hidden;
    private final Linear out;
    private final Activation activation;
    private final List<String> names = new ArrayList<>();
    private final List<Tensor> params = new ArrayList<>();

    Mlp(List<Linear> hidden, Linear out, Activation activation) {
      this.hidden = List.copyOf(hidden);
      this.out = out;
      this.activation = activation;
      for (int i = 0; i < hidden.size(); i++) {
        add("layer" + i + ".", hidden.get(i));
      }
      add("out.", out);
    }

    private void add(String prefix, Model layer) {
      layer.parameterNames().forEach(n -> names.add(prefix + n));
      params.addAll(layer.parameters());
    }

    @Override
    public List<String> parameterNames() {
      return names;
    }

    @Override
    public List<Tensor> parameters() {
      return params;
    }

    @Override
    public Tensor forward(Tensor x) {
      Tensor h = x;
      for (Linear layer : hidden) {
        h = activation.apply(layer.forward(h));
      }
      return out.forward(h);
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
          throw new IllegalArgumentException(
              "hidden layer widths must be positive: " + Arrays.toString(hidden));
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
      return "mlp"
          + Arrays.toString(hidden).replace(" ", "")
          + "-"
          + activation.name().toLowerCase();
    }

    @Override
    public ModelSpec spec(int features) {
      return new ModelSpec(ModelSpec.MLP, features, hidden, activation.name(), null);
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      List<Linear> layers = new ArrayList<>();
      int in = features;
      for (int h : hidden) {
        layers.add(Linear.of(in, h, init));
        in = h;
      }
      return new Mlp(layers, Linear.toScalar(in, init), activation);
    }
  }
}
