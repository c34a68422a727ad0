package io.streamgrad.autograd.kernels;

/**
 * Elementwise unary operations: each states its forward ({@link #apply}), its derivative ({@link
 * #derivative}), PyTorch's name of its backward function, and what the backward reads ({@link
 * Saved}): the one place that says what an op is. The kernels ({@link Kernels#unary}, {@link
 * Kernels#unaryBackward}) vectorise the same formulas, and their switches are exhaustive.
 */
public enum UnaryOp {
  NEG("NegBackward0", Saved.NOTHING),
  EXP("ExpBackward0", Saved.OUTPUT),
  LOG("LogBackward0", Saved.INPUT),
  SQRT("SqrtBackward0", Saved.OUTPUT),
  ABS("AbsBackward0", Saved.INPUT),
  SIGMOID("SigmoidBackward0", Saved.OUTPUT),
  TANH("TanhBackward0", Saved.OUTPUT),
  RELU("ReluBackward0", Saved.OUTPUT);

  /** What an op's backward needs kept from its forward. */
  public enum Saved {
    /** Nothing: the derivative is a constant (negation). */
    NOTHING,
    /** The input {@code x}. */
    INPUT,
    /** The result {@code y}: cheaper than recomputing it (exp, tanh, sigmoid…). */
    OUTPUT
  }

  /** PyTorch's class name of the backward function, e.g. {@code ExpBackward0}. */
  public final String backwardName;

  /**
   * What {@link #derivative} reads: only {@code x} for {@code INPUT}, only {@code y} for {@code
   * OUTPUT}.
   */
  public final Saved saved;

  UnaryOp(String backwardName, Saved saved) {
    this.backwardName = backwardName;
    this.saved = saved;
  }

  /** One element, for tails and scalar code. */
  public float apply(float x) {
    return switch (this) {
      case NEG -> -x;
      case EXP -> (float) Math.exp(x);
      case LOG -> (float) Math.log(x);
      case SQRT -> (float) Math.sqrt(x);
      case ABS -> Math.abs(x);
      case SIGMOID -> sigmoid(x);
      case TANH -> (float) Math.tanh(x);
      case RELU -> x > 0f ? x : 0f;
    };
  }

  /**
   * {@code g * f'(x)} given the input {@code x} and the forward result {@code y}; reads only what
   * {@link #saved} names.
   */
  public float derivative(float x, float y, float g) {
    return switch (this) {
      case NEG -> -g;
      case EXP -> g * y;
      case LOG -> g / x;
      case SQRT -> g / (2f * y);
      case ABS -> g * Math.signum(x);
      case SIGMOID -> g * (y * (1f - y));
      case TANH -> g * (1f - y * y);
      // PyTorch: threshold_backward(g, y, 0) passes g where the result is > 0.
      case RELU -> y > 0f ? g : 0f;
    };
  }

  /** Numerically stable logistic function, as PyTorch computes it for float32. */
  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }
}
