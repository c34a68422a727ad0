package io.streamgrad.autograd.kernels;

/**
 * The numeric primitives the engine runs on. All arrays are dense float32, row-major; offsets let
 * callers address rows of a larger buffer without copying. Outputs may alias inputs only where a
 * method says so.
 *
 * <p>Implementations must be deterministic: the same inputs give the same bits on every call, so
 * that a replayed training step recomputes the same update.
 */
public interface Kernels {

  /** Short name, e.g. {@code "panama"} or {@code "scalar"}. */
  String name();

  // ---- reductions -------------------------------------------------------------------------

  /** {@code sum(a[aOff .. aOff+n))}. */
  float sum(float[] a, int aOff, int n);

  /** {@code sum(a[i] * b[i])}. */
  float dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code sum((a[i] - b[i])^2)}: the MSE numerator without a temporary. */
  float squaredDistance(float[] a, int aOff, float[] b, int bOff, int n);

  // ---- BLAS level 1 -----------------------------------------------------------------------

  /** {@code y[i] += alpha * x[i]}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code out[i] = alpha * x[i]}; {@code out} may be {@code x}. */
  void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n);

  /**
   * {@code out[i] = alpha * (a[i] - b[i])}, rounded after the subtraction and after the product (no
   * FMA): bit-identical to a subtraction followed by {@link #scale}, in one pass.
   */
  void scaledDifference(
      float alpha, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

  // ---- elementwise ------------------------------------------------------------------------

  /** {@code out[i] = a[i] op b[i]}; {@code out} may alias either input. */
  void binary(
      BinaryOp op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n);

  /** {@code out[i] = a[i] op s} (the right operand broadcast); {@code out} may be {@code a}. */
  void binaryScalarRight(BinaryOp op, float[] a, int aOff, float s, float[] out, int outOff, int n);

  /** {@code out[i] = s op b[i]} (the left operand broadcast); {@code out} may be {@code b}. */
  void binaryScalarLeft(BinaryOp op, float s, float[] b, int bOff, float[] out, int outOff, int n);

  /** {@code out[i] = op(a[i])}; {@code out} may be {@code a}. */
  void unary(UnaryOp op, float[] a, int aOff, float[] out, int outOff, int n);

  /**
   * The backward of {@link #unary}: {@code out[i] = g[i] * op'(x[i])}, where {@code y} is the
   * forward result (cheaper than {@code x} for exp, sigmoid, tanh, sqrt).
   */
  void unaryBackward(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int n);

  /** {@code out[i] = a[i]^p}. */
  void pow(float[] a, int aOff, float p, float[] out, int outOff, int n);

  // ---- BLAS level 2 and 3 -----------------------------------------------------------------

  /** GEMV: {@code out[r] = sum_c x[r, c] * w[c]} for a row-major {@code rows x cols} matrix. */
  void gemv(float[] x, int rows, int cols, float[] w, float[] out);

  /**
   * Transposed GEMV: {@code out[c] = sum_r x[r, c] * g[r]}; with {@code accumulate} the result is
   * added to {@code out} instead of replacing it.
   */
  void gemvTransposed(float[] x, int rows, int cols, float[] g, float[] out, boolean accumulate);

  /**
   * GEMM: {@code C (m x n) = op(A) * op(B)}, {@code op(A)} being {@code m x k}; with {@code transA}
   * A is stored {@code k x m}, with {@code transB} B is stored {@code n x k}. With {@code
   * accumulate} the product is added to C.
   */
  void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float[] a,
      float[] b,
      float[] c,
      boolean accumulate);

  /** Outer product {@code out[i, j] = a[i] * b[j]}, or {@code +=} with {@code accumulate}. */
  void outer(float[] a, int m, float[] b, int n, float[] out, boolean accumulate);

  // ---- optimizers -------------------------------------------------------------------------

  /**
   * FTRL-Proximal's update (McMahan et al. 2013, Algorithm 1) of {@code count} coordinates laid out
   * in lanes: coordinate {@code i}'s {@code z}, {@code n} and weight at index {@code i} of {@code
   * z}, {@code n} and {@code w}, updated in place from its gradient {@code g[i]}:
   *
   * <pre>
   *   n' = n + g^2;  sigma = (sqrt(n') - sqrt(n)) / alpha;  z' = z + g - sigma w
   *   w' = 0 if |z'| <= l1, else -(z' - sign(z') l1) / ((beta + sqrt(n')) / alpha + l2)
   * </pre>
   *
   * ({@code invAlpha} is {@code 1 / alpha}). Each operation is rounded once, in this order, in
   * every implementation (no fused multiply-add): the same bits. {@code n'} is stored with its sign
   * bit clear; a NaN excess keeps its NaN weight, as the paper's test does.
   */
  void ftrl(
      float[] z,
      float[] n,
      float[] w,
      float[] g,
      int count,
      float invAlpha,
      float beta,
      float l1,
      float l2);
}
