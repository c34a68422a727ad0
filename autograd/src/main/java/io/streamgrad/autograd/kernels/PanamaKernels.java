package io.streamgrad.autograd.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on the JDK Vector API. Loaded only through {@link KernelProvider}, by name, when {@code
 * jdk.incubator.vector} is in the boot layer: nothing else may refer to this class.
 *
 * <p>Reductions keep four accumulators and use FMA; GEMV and its transpose are blocked over four
 * rows so each loaded vector feeds four FMAs; loops run to {@code loopBound} with scalar tails (no
 * masks). Arrays shorter than two vectors take the scalar path.
 */
final class PanamaKernels implements Kernels {

  static final PanamaKernels INSTANCE = new PanamaKernels();

  /**
   * System property for the vector width in bits (128, 256 or 512); default: min(preferred, 256).
   */
  static final String BITS_PROPERTY = "streamgrad.vectorBits";

  private static final VectorSpecies<Float> S = species();
  private static final int L = S.length();
  private static final int SMALL = 2 * L;
  private static final ScalarKernels SCALAR = ScalarKernels.INSTANCE;

  private PanamaKernels() {}

  /**
   * 256-bit vectors by default even where 512-bit ones exist: on the AVX-512 machine measured for
   * BENCHMARKS.md they were faster at every benchmarked shape (cheaper lane reductions, no AVX-512
   * frequency licence), as Lucene also found for its vector kernels.
   */
  private static VectorSpecies<Float> species() {
    int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
    int bits = Integer.getInteger(BITS_PROPERTY, Math.min(256, preferred));
    if (bits != 128 && bits != 256 && bits != 512) {
      throw new IllegalArgumentException(
          "-D" + BITS_PROPERTY + " must be 128, 256 or 512, not " + bits);
    }
    if (bits > preferred) {
      throw new IllegalArgumentException(
          "-D"
              + BITS_PROPERTY
              + "="
              + bits
              + " exceeds this CPU's preferred vector size of "
              + preferred
              + " bits");
    }
    return VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits));
  }

  @Override
  public String name() {
    return "panama";
  }

  @Override
  public String toString() {
    return "panama, "
        + S.vectorBitSize()
        + "-bit vectors, "
        + L
        + " float lanes (CPU preferred: "
        + FloatVector.SPECIES_PREFERRED.vectorBitSize()
        + " bits; -D"
        + BITS_PROPERTY
        + " overrides)";
  }

  // ---- reductions -------------------------------------------------------------------------

  @Override
  public float sum(float[] a, int aOff, int n) {
    if (n < SMALL) {
      return SCALAR.sum(a, aOff, n);
    }
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    int bound4 = n - n % (4 * L);
    for (; i < bound4; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(S, a, aOff + i));
      s1 = s1.add(FloatVector.fromArray(S, a, aOff + i + L));
      s2 = s2.add(FloatVector.fromArray(S, a, aOff + i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(S, a, aOff + i + 3 * L));
    }
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      s0 = s0.add(FloatVector.fromArray(S, a, aOff + i));
    }
    float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += a[aOff + i];
    }
    return s;
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    if (n < SMALL) {
      return SCALAR.dot(a, aOff, b, bOff, n);
    }
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    int bound4 = n - n % (4 * L);
    for (; i < bound4; i += 4 * L) {
      s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
      s1 =
          FloatVector.fromArray(S, a, aOff + i + L)
              .fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
      s2 =
          FloatVector.fromArray(S, a, aOff + i + 2 * L)
              .fma(FloatVector.fromArray(S, b, bOff + i + 2 * L), s2);
      s3 =
          FloatVector.fromArray(S, a, aOff + i + 3 * L)
              .fma(FloatVector.fromArray(S, b, bOff + i + 3 * L), s3);
    }
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
    }
    float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s = Math.fma(a[aOff + i], b[bOff + i], s);
    }
    return s;
  }

  @Override
  public float squaredDistance(float[] a, int aOff, float[] b, int bOff, int n) {
    if (n < SMALL) {
      return SCALAR.squaredDistance(a, aOff, b, bOff, n);
    }
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    int i = 0;
    int bound2 = n - n % (2 * L);
    for (; i < bound2; i += 2 * L) {
      FloatVector d0 =
          FloatVector.fromArray(S, a, aOff + i).sub(FloatVector.fromArray(S, b, bOff + i));
      FloatVector d1 =
          FloatVector.fromArray(S, a, aOff + i + L).sub(FloatVector.fromArray(S, b, bOff + i + L));
      s0 = d0.fma(d0, s0);
      s1 = d1.fma(d1, s1);
    }
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector d =
          FloatVector.fromArray(S, a, aOff + i).sub(FloatVector.fromArray(S, b, bOff + i));
      s0 = d.fma(d, s0);
    }
    float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      float d = a[aOff + i] - b[bOff + i];
      s = Math.fma(d, d, s);
    }
    return s;
  }

  // ---- BLAS level 1 -----------------------------------------------------------------------

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    if (n < SMALL) {
      SCALAR.axpy(alpha, x, xOff, y, yOff, n);
      return;
    }
    FloatVector av = FloatVector.broadcast(S, alpha);
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i)
          .fma(av, FloatVector.fromArray(S, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
    if (n < SMALL) {
      SCALAR.scale(alpha, x, xOff, out, outOff, n);
      return;
    }
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector.fromArray(S, x, xOff + i).mul(alpha).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = alpha * x[xOff + i];
    }
  }

  @Override
  public void scaledDifference(
      float alpha, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
    if (n < SMALL) {
      SCALAR.scaledDifference(alpha, a, aOff, b, bOff, out, outOff, n);
      return;
    }
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector.fromArray(S, a, aOff + i)
          .sub(FloatVector.fromArray(S, b, bOff + i))
          .mul(alpha)
          .intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = alpha * (a[aOff + i] - b[bOff + i]);
    }
  }

  // ---- elementwise ------------------------------------------------------------------------

  // The operator of lanewise() must be a constant for C2 to intrinsify it; a variable one falls
  // back to boxed Java code. Hence one loop per op below, switched on once per call.

  @Override
  public void binary(
      BinaryOp op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
    if (n < SMALL) {
      SCALAR.binary(op, a, aOff, b, bOff, out, outOff, n);
      return;
    }
    int bound = S.loopBound(n);
    int done =
        switch (op) {
          case ADD -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i)
                  .add(FloatVector.fromArray(S, b, bOff + i))
                  .intoArray(out, outOff + i);
            }
            yield i;
          }
          case SUB -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i)
                  .sub(FloatVector.fromArray(S, b, bOff + i))
                  .intoArray(out, outOff + i);
            }
            yield i;
          }
          case MUL -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i)
                  .mul(FloatVector.fromArray(S, b, bOff + i))
                  .intoArray(out, outOff + i);
            }
            yield i;
          }
          case DIV -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i)
                  .div(FloatVector.fromArray(S, b, bOff + i))
                  .intoArray(out, outOff + i);
            }
            yield i;
          }
        };
    for (int i = done; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i], b[bOff + i]);
    }
  }

  @Override
  public void binaryScalarRight(
      BinaryOp op, float[] a, int aOff, float s, float[] out, int outOff, int n) {
    if (n < SMALL) {
      SCALAR.binaryScalarRight(op, a, aOff, s, out, outOff, n);
      return;
    }
    FloatVector sv = FloatVector.broadcast(S, s);
    int bound = S.loopBound(n);
    int done =
        switch (op) {
          case ADD -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i).add(sv).intoArray(out, outOff + i);
            }
            yield i;
          }
          case SUB -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i).sub(sv).intoArray(out, outOff + i);
            }
            yield i;
          }
          case MUL -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i).mul(sv).intoArray(out, outOff + i);
            }
            yield i;
          }
          case DIV -> {
            int i = 0;
            for (; i < bound; i += L) {
              FloatVector.fromArray(S, a, aOff + i).div(sv).intoArray(out, outOff + i);
            }
            yield i;
          }
        };
    for (int i = done; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i], s);
    }
  }

  @Override
  public void binaryScalarLeft(
      BinaryOp op, float s, float[] b, int bOff, float[] out, int outOff, int n) {
    if (n < SMALL) {
      SCALAR.binaryScalarLeft(op, s, b, bOff, out, outOff, n);
      return;
    }
    FloatVector sv = FloatVector.broadcast(S, s);
    int bound = S.loopBound(n);
    int done =
        switch (op) {
          case ADD -> {
            int i = 0;
            for (; i < bound; i += L) {
              sv.add(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
            }
            yield i;
          }
          case SUB -> {
            int i = 0;
            for (; i < bound; i += L) {
              sv.sub(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
            }
            yield i;
          }
          case MUL -> {
            int i = 0;
            for (; i < bound; i += L) {
              sv.mul(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
            }
            yield i;
          }
          case DIV -> {
            int i = 0;
            for (; i < bound; i += L) {
              sv.div(FloatVector.fromArray(S, b, bOff + i)).intoArray(out, outOff + i);
            }
            yield i;
          }
        };
    for (int i = done; i < n; i++) {
      out[outOff + i] = op.apply(s, b[bOff + i]);
    }
  }

  @Override
  public void unary(UnaryOp op, float[] a, int aOff, float[] out, int outOff, int n) {
    if (n < SMALL || transcendental(op)) {
      SCALAR.unary(op, a, aOff, out, outOff, n);
      return;
    }
    int bound = S.loopBound(n);
    // One loop per op: the Vector API intrinsifies an operator only when it is a constant.
    int i =
        switch (op) {
          case NEG -> {
            for (int j = 0; j < bound; j += L) {
              FloatVector.fromArray(S, a, aOff + j).neg().intoArray(out, outOff + j);
            }
            yield bound;
          }
          case EXP, LOG, SIGMOID -> 0; // scalar, above
          case TANH -> {
            for (int j = 0; j < bound; j += L) {
              FloatVector.fromArray(S, a, aOff + j)
                  .lanewise(VectorOperators.TANH)
                  .intoArray(out, outOff + j);
            }
            yield bound;
          }
          case SQRT -> {
            for (int j = 0; j < bound; j += L) {
              FloatVector.fromArray(S, a, aOff + j).sqrt().intoArray(out, outOff + j);
            }
            yield bound;
          }
          case ABS -> {
            for (int j = 0; j < bound; j += L) {
              FloatVector.fromArray(S, a, aOff + j).abs().intoArray(out, outOff + j);
            }
            yield bound;
          }
          case RELU -> {
            for (int j = 0; j < bound; j += L) {
              FloatVector.fromArray(S, a, aOff + j).max(0f).intoArray(out, outOff + j);
            }
            yield bound;
          }
        };
    for (; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i]);
    }
  }

  /**
   * exp, log and sigmoid run per element through {@code Math}, as the scalar kernels do: the Vector
   * API's lanewise EXP and LOG are intrinsics (SVML) once C2 compiles them and Java loops before,
   * and the two differ in the last bit for about 2% of inputs. A logistic model's predictions and
   * test-then-train scores would then depend on how warm the JIT was, and a job restored from a
   * checkpoint would not repeat them bit for bit. {@code Math}'s functions are the same stub in
   * every tier; they cost ~14 ns an element against ~0.3, once per output of a link. tanh stays
   * vectorized (a hidden layer's every unit: scalar would make an MLP step 4.6x slower), with the
   * same caveat for MLPs until the engine has an exp of its own built from exact operations.
   */
  static boolean transcendental(UnaryOp op) {
    return false
        && (op == UnaryOp.EXP || op == UnaryOp.LOG || op == UnaryOp.SIGMOID || op == UnaryOp.TANH);
  }

  @Override
  public void unaryBackward(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int n) {
    if (n < SMALL || op == UnaryOp.ABS || op == UnaryOp.RELU) {
      // abs and relu are branchy per element; they are cheap next to a matmul either way.
      SCALAR.unaryBackward(op, x, y, g, out, n);
      return;
    }
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector gv = FloatVector.fromArray(S, g, i);
      FloatVector r =
          switch (op) {
            case NEG -> gv.neg();
            case EXP -> gv.mul(FloatVector.fromArray(S, y, i));
            case LOG -> gv.div(FloatVector.fromArray(S, x, i));
            case SQRT -> gv.div(FloatVector.fromArray(S, y, i).mul(2f));
            case SIGMOID -> {
              FloatVector yv = FloatVector.fromArray(S, y, i);
              yield gv.mul(yv.mul(FloatVector.broadcast(S, 1f).sub(yv)));
            }
            case TANH -> {
              FloatVector yv = FloatVector.fromArray(S, y, i);
              yield gv.mul(FloatVector.broadcast(S, 1f).sub(yv.mul(yv)));
            }
            case ABS, RELU -> throw new IllegalStateException(op + " takes the scalar path above");
          };
      r.intoArray(out, i);
    }
    for (; i < n; i++) {
      out[i] = op.derivative(x[i], y[i], g[i]);
    }
  }

  @Override
  public void pow(float[] a, int aOff, float p, float[] out, int outOff, int n) {
    if (p != 2f || n < SMALL) {
      SCALAR.pow(a, aOff, p, out, outOff, n);
      return;
    }
    int i = 0;
    int bound = S.loopBound(n);
    for (; i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(S, a, aOff + i);
      v.mul(v).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      float v = a[aOff + i];
      out[outOff + i] = v * v;
    }
  }

  // ---- BLAS level 2 and 3 -----------------------------------------------------------------

  @Override
  public void gemv(float[] x, int rows, int cols, float[] w, float[] out) {
    // Rows under two vectors: a lane reduction per row costs more than the scalar kernel's four
    // interleaved FMA chains.
    if (cols < SMALL) {
      SCALAR.gemv(x, rows, cols, w, out);
      return;
    }
    int bound = S.loopBound(cols);
    int r = 0;
    // Four rows at a time: each vector of w is loaded once and feeds four FMAs.
    for (; r + 4 <= rows; r += 4) {
      int o0 = r * cols;
      int o1 = o0 + cols;
      int o2 = o1 + cols;
      int o3 = o2 + cols;
      FloatVector s0 = FloatVector.zero(S);
      FloatVector s1 = FloatVector.zero(S);
      FloatVector s2 = FloatVector.zero(S);
      FloatVector s3 = FloatVector.zero(S);
      int c = 0;
      for (; c < bound; c += L) {
        FloatVector wv = FloatVector.fromArray(S, w, c);
        s0 = FloatVector.fromArray(S, x, o0 + c).fma(wv, s0);
        s1 = FloatVector.fromArray(S, x, o1 + c).fma(wv, s1);
        s2 = FloatVector.fromArray(S, x, o2 + c).fma(wv, s2);
        s3 = FloatVector.fromArray(S, x, o3 + c).fma(wv, s3);
      }
      float t0 = s0.reduceLanes(VectorOperators.ADD);
      float t1 = s1.reduceLanes(VectorOperators.ADD);
      float t2 = s2.reduceLanes(VectorOperators.ADD);
      float t3 = s3.reduceLanes(VectorOperators.ADD);
      for (; c < cols; c++) {
        float wc = w[c];
        t0 = Math.fma(x[o0 + c], wc, t0);
        t1 = Math.fma(x[o1 + c], wc, t1);
        t2 = Math.fma(x[o2 + c], wc, t2);
        t3 = Math.fma(x[o3 + c], wc, t3);
      }
      out[r] = t0;
      out[r + 1] = t1;
      out[r + 2] = t2;
      out[r + 3] = t3;
    }
    for (; r < rows; r++) {
      out[r] = dot(x, r * cols, w, 0, cols);
    }
  }

  @Override
  public void gemvTransposed(
      float[] x, int rows, int cols, float[] g, float[] out, boolean accumulate) {
    // No lane reduction here, so one full vector per row already pays.
    if (cols < L) {
      SCALAR.gemvTransposed(x, rows, cols, g, out, accumulate);
      return;
    }
    if (!accumulate) {
      Arrays.fill(out, 0, cols, 0f);
    }
    int bound = S.loopBound(cols);
    // Leftover rows first, then blocks of four from the last row back to the first: the transposed
    // product usually follows a forward GEMV over the same X, whose last rows are still in cache.
    int blocked = rows - rows % 4;
    for (int r = rows - 1; r >= blocked; r--) {
      axpy(g[r], x, r * cols, out, 0, cols);
    }
    for (int r = blocked - 4; r >= 0; r -= 4) {
      // Each vector of out is loaded and stored once per four rows.
      int o0 = r * cols;
      int o1 = o0 + cols;
      int o2 = o1 + cols;
      int o3 = o2 + cols;
      float g0 = g[r];
      float g1 = g[r + 1];
      float g2 = g[r + 2];
      float g3 = g[r + 3];
      FloatVector gv0 = FloatVector.broadcast(S, g0);
      FloatVector gv1 = FloatVector.broadcast(S, g1);
      FloatVector gv2 = FloatVector.broadcast(S, g2);
      FloatVector gv3 = FloatVector.broadcast(S, g3);
      int c = 0;
      for (; c < bound; c += L) {
        FloatVector acc = FloatVector.fromArray(S, out, c);
        acc = FloatVector.fromArray(S, x, o3 + c).fma(gv3, acc);
        acc = FloatVector.fromArray(S, x, o2 + c).fma(gv2, acc);
        acc = FloatVector.fromArray(S, x, o1 + c).fma(gv1, acc);
        acc = FloatVector.fromArray(S, x, o0 + c).fma(gv0, acc);
        acc.intoArray(out, c);
      }
      for (; c < cols; c++) {
        float acc = out[c];
        acc = Math.fma(x[o3 + c], g3, acc);
        acc = Math.fma(x[o2 + c], g2, acc);
        acc = Math.fma(x[o1 + c], g1, acc);
        acc = Math.fma(x[o0 + c], g0, acc);
        out[c] = acc;
      }
    }
  }

  @Override
  public void gemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float[] a,
      float[] b,
      float[] c,
      boolean accumulate) {
    if (!accumulate) {
      Arrays.fill(c, 0, m * n, 0f);
    }
    if (transB) {
      // Rows of A (or columns, with transA) against rows of B: dot products.
      if (transA) {
        SCALAR.gemm(true, true, m, n, k, a, b, c, true);
        return;
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          c[i * n + j] += dot(a, i * k, b, j * k, k);
        }
      }
      return;
    }
    if (n < SMALL) {
      SCALAR.gemm(transA, false, m, n, k, a, b, c, true);
      return;
    }
    // C[i,:] += sum_p A(i,p) B[p,:], four p at a time so each C vector is loaded once per four.
    int bound = S.loopBound(n);
    for (int i = 0; i < m; i++) {
      int ci = i * n;
      int p = 0;
      for (; p + 4 <= k; p += 4) {
        float a0 = transA ? a[p * m + i] : a[i * k + p];
        float a1 = transA ? a[(p + 1) * m + i] : a[i * k + p + 1];
        float a2 = transA ? a[(p + 2) * m + i] : a[i * k + p + 2];
        float a3 = transA ? a[(p + 3) * m + i] : a[i * k + p + 3];
        int b0 = p * n;
        int b1 = b0 + n;
        int b2 = b1 + n;
        int b3 = b2 + n;
        FloatVector av0 = FloatVector.broadcast(S, a0);
        FloatVector av1 = FloatVector.broadcast(S, a1);
        FloatVector av2 = FloatVector.broadcast(S, a2);
        FloatVector av3 = FloatVector.broadcast(S, a3);
        int j = 0;
        for (; j < bound; j += L) {
          FloatVector acc = FloatVector.fromArray(S, c, ci + j);
          acc = FloatVector.fromArray(S, b, b0 + j).fma(av0, acc);
          acc = FloatVector.fromArray(S, b, b1 + j).fma(av1, acc);
          acc = FloatVector.fromArray(S, b, b2 + j).fma(av2, acc);
          acc = FloatVector.fromArray(S, b, b3 + j).fma(av3, acc);
          acc.intoArray(c, ci + j);
        }
        for (; j < n; j++) {
          float acc = c[ci + j];
          acc = Math.fma(b[b0 + j], a0, acc);
          acc = Math.fma(b[b1 + j], a1, acc);
          acc = Math.fma(b[b2 + j], a2, acc);
          acc = Math.fma(b[b3 + j], a3, acc);
          c[ci + j] = acc;
        }
      }
      for (; p < k; p++) {
        float aip = transA ? a[p * m + i] : a[i * k + p];
        axpy(aip, b, p * n, c, ci, n);
      }
    }
  }

  @Override
  public void outer(float[] a, int m, float[] b, int n, float[] out, boolean accumulate) {
    for (int i = 0; i < m; i++) {
      if (accumulate) {
        axpy(a[i], b, 0, out, i * n, n);
      } else {
        scale(a[i], b, 0, out, i * n, n);
      }
    }
  }

  // ---- optimizers -------------------------------------------------------------------------

  @Override
  public void ftrl(
      float[] z,
      float[] n,
      float[] w,
      float[] g,
      int count,
      float invAlpha,
      float beta,
      float l1,
      float l2) {
    // A coordinate costs two square roots and a division, which take eight lanes at a time.
    FloatVector vInvAlpha = FloatVector.broadcast(S, invAlpha);
    FloatVector vBeta = FloatVector.broadcast(S, beta);
    FloatVector vL1 = FloatVector.broadcast(S, l1);
    FloatVector vL2 = FloatVector.broadcast(S, l2);
    int i = 0;
    for (int bound = S.loopBound(count); i < bound; i += L) {
      FloatVector gi = FloatVector.fromArray(S, g, i);
      FloatVector n0 = FloatVector.fromArray(S, n, i);
      FloatVector n1 = n0.add(gi.mul(gi));
      FloatVector sqrtN1 = n1.lanewise(VectorOperators.SQRT);
      FloatVector sigma = sqrtN1.sub(n0.lanewise(VectorOperators.SQRT)).mul(vInvAlpha);
      FloatVector z1 =
          FloatVector.fromArray(S, z, i).add(gi).sub(sigma.mul(FloatVector.fromArray(S, w, i)));
      z1.intoArray(z, i);
      n1.reinterpretAsInts().and(~ScalarKernels.SIGN).reinterpretAsFloats().intoArray(n, i);
      FloatVector excess = z1.abs().sub(vL1);
      IntVector e = excess.reinterpretAsInts();
      IntVector keep = e.neg().and(e.not()).lanewise(VectorOperators.ASHR, 31);
      // -copySign(excess, z'): excess's magnitude with z's sign, that sign flipped.
      FloatVector signed =
          e.and(~ScalarKernels.SIGN)
              .or(z1.reinterpretAsInts().and(ScalarKernels.SIGN))
              .lanewise(VectorOperators.XOR, ScalarKernels.SIGN)
              .reinterpretAsFloats();
      FloatVector w1 = signed.div(vBeta.add(sqrtN1).mul(vInvAlpha).add(vL2));
      w1.reinterpretAsInts().and(keep).reinterpretAsFloats().intoArray(w, i);
    }
    ScalarKernels.ftrl(z, n, w, g, i, count, invAlpha, beta, l1, l2);
  }
}
