package io.streamgrad.autograd.kernels;

/** Elementwise unary operations with their derivatives. */
public enum UnaryOp {
  NEG,
  EXP,
  LOG,
  SQRT,
  ABS,
  SIGMOID,
  TANH,
  RELU;

  /** One element, for tails and scalar code. */
  public float apply(float x) {
    switch (this) {
      case NEG:
        return -x;
      case EXP:
        return (float) Math.exp(x);
      case LOG:
        return (float) Math.log(x);
      case SQRT:
        return (float) Math.sqrt(x);
      case ABS:
        return Math.abs(x);
      case SIGMOID:
        return sigmoid(x);
      case TANH:
        return (float) Math.tanh(x);
      case RELU:
        return x > 0f ? x : 0f;
      default:
        throw new AssertionError(this);
    }
  }

  /** {@code g * f'(x)} given the input {@code x} and the forward result {@code y}. */
  public float derivative(float x, float y, float g) {
    switch (this) {
      case NEG:
        return -g;
      case EXP:
        return g * y;
      case LOG:
        return g / x;
      case SQRT:
        return g / (2f * y);
      case ABS:
        return g * Math.signum(x);
      case SIGMOID:
        return g * (y * (1f - y));
      case TANH:
        return g * (1f - y * y);
      case RELU:
        // PyTorch: threshold_backward(g, y, 0) passes g where the result is > 0.
        return y > 0f ? g : 0f;
      default:
        throw new AssertionError(this);
    }
  }

  /** Numerically stable logistic function, as PyTorch computes it for float32. */
  static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }
}
