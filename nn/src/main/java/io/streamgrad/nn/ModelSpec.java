package io.streamgrad.nn;

import java.io.Serializable;
import java.lang.reflect.Constructor;
import java.util.Arrays;
import java.util.Objects;

/**
 * What a model is, enough to build its forward pass again from a snapshot alone: a built-in kind
 * ({@code linear}, {@code logistic}, {@code mlp} with its hidden widths and activation), or the
 * class of a user's {@link ModelFactory} (which then needs a public no-argument constructor), and
 * the number of input features.
 */
public record ModelSpec(
    String kind,
    int features,
    int[] hidden,
    String activation,
    String factoryClass,
    int hashBits,
    int factors)
    implements Serializable {

  public static final String LINEAR = "linear";
  public static final String LOGISTIC = "logistic";
  public static final String MLP = "mlp";

  /** A user's model, built by its factory class. */
  public static final String CLASS = "class";

  /** Logistic regression over a dense part and a hashed sparse part of 2^hashBits coordinates. */
  public static final String SPARSE_LOGISTIC = "sparse-logistic";

  /** Linear regression over a dense part and a hashed sparse part. */
  public static final String SPARSE_LINEAR = "sparse-linear";

  /** A factorization machine (logistic) with {@code factors} factors over the sparse part. */
  public static final String FM = "fm";

  public ModelSpec {
    Objects.requireNonNull(kind, "kind");
    hidden = hidden == null ? new int[0] : hidden.clone();
    if (features < 0 || (features == 0 && hashBits == 0)) {
      throw new IllegalArgumentException(
          "a model spec needs a positive feature count (or a sparse part)");
    }
    if (hashBits < 0 || hashBits > 30) {
      throw new IllegalArgumentException("hash bits must be in [0, 30], got " + hashBits);
    }
    if (kind.equals(CLASS) && factoryClass == null) {
      throw new IllegalArgumentException("a model spec of kind 'class' needs its factory class");
    }
  }

  /** A model without a sparse part. */
  public ModelSpec(
      String kind, int features, int[] hidden, String activation, String factoryClass) {
    this(kind, features, hidden, activation, factoryClass, 0, 0);
  }

  /** Whether the model has a hashed sparse part. */
  public boolean sparse() {
    return hashBits > 0;
  }

  /** The hidden layer widths (a copy; empty for linear models). */
  @Override
  public int[] hidden() {
    return hidden.clone();
  }

  /** The spec of a user's model: its factory's class. */
  public static ModelSpec ofClass(Class<? extends ModelFactory> factory, int features) {
    return new ModelSpec(CLASS, features, null, null, factory.getName());
  }

  /**
   * The factory this spec describes.
   *
   * @throws IllegalArgumentException for an unknown kind, or a factory class that cannot be loaded
   *     or built with a public no-argument constructor
   */
  public ModelFactory factory() {
    return switch (kind) {
      case LINEAR -> Models.linear();
      case LOGISTIC -> Models.logistic();
      case MLP -> {
        Models.Activation a =
            activation == null ? Models.Activation.TANH : Models.Activation.valueOf(activation);
        yield Models.mlp(hidden).activation(a);
      }
      case CLASS -> instantiate(factoryClass);
      case SPARSE_LOGISTIC -> SparseModels.logistic(hashBits);
      case SPARSE_LINEAR -> SparseModels.linear(hashBits);
      case FM -> SparseModels.factorizationMachine(hashBits, factors);
      default ->
          throw new IllegalArgumentException(
              "unknown model kind '"
                  + kind
                  + "': linear, logistic, mlp, class, sparse-logistic, sparse-linear or fm");
    };
  }

  /** A model of this spec with its initial parameters (load a snapshot's into it). */
  public Model create() {
    return factory().create(features, new java.util.SplittableRandom(0));
  }

  private static ModelFactory instantiate(String className) {
    try {
      Class<?> c = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      if (!ModelFactory.class.isAssignableFrom(c)) {
        throw new IllegalArgumentException(className + " is not a " + ModelFactory.class.getName());
      }
      Constructor<?> ctor = c.getDeclaredConstructor();
      ctor.setAccessible(true);
      return (ModelFactory) ctor.newInstance();
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(
          "cannot build model factory "
              + className
              + " (it needs a no-argument constructor and must be on the class path): "
              + e,
          e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModelSpec s
        && s.kind.equals(kind)
        && s.features == features
        && Arrays.equals(s.hidden, hidden)
        && Objects.equals(s.activation, activation)
        && Objects.equals(s.factoryClass, factoryClass)
        && s.hashBits == hashBits
        && s.factors == factors;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        kind, features, Arrays.hashCode(hidden), activation, factoryClass, hashBits, factors);
  }

  @Override
  public String toString() {
    return switch (kind) {
          case MLP ->
              MLP
                  + ":"
                  + Arrays.toString(hidden).replaceAll("[\\[\\] ]", "")
                  + " ("
                  + activation.toLowerCase()
                  + ")";
          case CLASS -> factoryClass;
          case FM -> FM + " (k=" + factors + ")";
          default -> kind;
        }
        + ", "
        + features
        + " features"
        + (hashBits > 0 ? " + 2^" + hashBits + " hashed" : "");
  }
}
