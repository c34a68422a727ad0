package io.streamgrad.autograd.kernels;

/** Elementwise binary operations; kernels switch on the op once per call, never per element. */
public enum BinaryOp {
  ADD,
  SUB,
  MUL,
  DIV;

  /** One element, for tails and scalar code. */
  public float apply(float a, float b) {
    switch (this) {
      case ADD:
        return a + b;
      case SUB:
        return a - b;
      case MUL:
        return a * b;
      case DIV:
        return a / b;
      default:
        throw new AssertionError(this);
    }
  }
}
