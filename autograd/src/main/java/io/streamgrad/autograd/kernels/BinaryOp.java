package io.streamgrad.autograd.kernels;

/** Elementwise binary operations; kernels switch on the op once per call, never per element. */
public enum BinaryOp {
  ADD,
  SUB,
  MUL,
  DIV;

  /** One element, for tails and scalar code. */
  public float apply(float a, float b) {
    return switch (this) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
    };
  }
}
