package io.streamgrad.autograd.kernels;

import java.util.Arrays;

/**
 * Plain Java loops: the reference implementation and the fallback when the Vector API is not
 * available. Loops stay simple so the JIT can auto-vectorize the non-reducing ones.
 */
public final class ScalarKernels implements Kernels {

  public static final ScalarKernels INSTANCE = new ScalarKernels();

  private ScalarKernels() {}

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public float sum(float[] a, int aOff, int n) {
    float s = 0f;
    for (int i = 0; i < n; i++) {
      s += a[aOff + i];
    }
    return s;
  }

  @Override
  public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float s = 0f;
    for (int i = 0; i < n; i++) {
      s = Math.fma(a[aOff + i], b[bOff + i], s);
    }
    return s;
  }

  @Override
  public float squaredDistance(float[] a, int aOff, float[] b, int bOff, int n) {
    float s = 0f;
    for (int i = 0; i < n; i++) {
      float d = a[aOff + i] - b[bOff + i];
      s = Math.fma(d, d, s);
    }
    return s;
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void scale(float alpha, float[] x, int xOff, float[] out, int outOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = alpha * x[xOff + i];
    }
  }

  @Override
  public void scaledDifference(
      float alpha, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = alpha * (a[aOff + i] - b[bOff + i]);
    }
  }

  @Override
  public void binary(
      BinaryOp op, float[] a, int aOff, float[] b, int bOff, float[] out, int outOff, int n) {
    int done = // each case says how far it got: the switch is exhaustive, no default
        switch (op) {
          case ADD -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] + b[bOff + i];
            yield n;
          }
          case SUB -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] - b[bOff + i];
            yield n;
          }
          case MUL -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] * b[bOff + i];
            yield n;
          }
          case DIV -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] / b[bOff + i];
            yield n;
          }
        };
    assert done == n;
  }

  @Override
  public void binaryScalarRight(
      BinaryOp op, float[] a, int aOff, float s, float[] out, int outOff, int n) {
    int done = // each case says how far it got: the switch is exhaustive, no default
        switch (op) {
          case ADD -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] + s;
            yield n;
          }
          case SUB -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] - s;
            yield n;
          }
          case MUL -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] * s;
            yield n;
          }
          case DIV -> {
            for (int i = 0; i < n; i++) out[outOff + i] = a[aOff + i] / s;
            yield n;
          }
        };
    assert done == n;
  }

  @Override
  public void binaryScalarLeft(
      BinaryOp op, float s, float[] b, int bOff, float[] out, int outOff, int n) {
    int done = // each case says how far it got: the switch is exhaustive, no default
        switch (op) {
          case ADD -> {
            for (int i = 0; i < n; i++) out[outOff + i] = s + b[bOff + i];
            yield n;
          }
          case SUB -> {
            for (int i = 0; i < n; i++) out[outOff + i] = s - b[bOff + i];
            yield n;
          }
          case MUL -> {
            for (int i = 0; i < n; i++) out[outOff + i] = s * b[bOff + i];
            yield n;
          }
          case DIV -> {
            for (int i = 0; i < n; i++) out[outOff + i] = s / b[bOff + i];
            yield n;
          }
        };
    assert done == n;
  }

  @Override
  public void unary(UnaryOp op, float[] a, int aOff, float[] out, int outOff, int n) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i]);
    }
  }

  @Override
  public void unaryBackward(UnaryOp op, float[] x, float[] y, float[] g, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      out[i] = op.derivative(x[i], y[i], g[i]);
    }
  }

  @Override
  public void pow(float[] a, int aOff, float p, float[] out, int outOff, int n) {
    if (p == 2f) {
      for (int i = 0; i < n; i++) {
        float v = a[aOff + i];
        out[outOff + i] = v * v;
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      out[outOff + i] = (float) Math.pow(a[aOff + i], p);
    }
  }

  @Override
  public void gemv(float[] x, int rows, int cols, float[] w, float[] out) {
    int r = 0;
    // Four rows at a time: four independent FMA chains instead of one.
    for (; r + 4 <= rows; r += 4) {
      int o0 = r * cols;
      int o1 = o0 + cols;
      int o2 = o1 + cols;
      int o3 = o2 + cols;
      float t0 = 0f;
      float t1 = 0f;
      float t2 = 0f;
      float t3 = 0f;
      for (int c = 0; c < cols; c++) {
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
    if (!accumulate) {
      Arrays.fill(out, 0, cols, 0f);
    }
    for (int r = 0; r < rows; r++) {
      axpy(g[r], x, r * cols, out, 0, cols);
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
    if (!transB) {
      // C[i,:] += A(i,p) * B[p,:]: rows of B and C are contiguous.
      for (int i = 0; i < m; i++) {
        for (int p = 0; p < k; p++) {
          float aip = transA ? a[p * m + i] : a[i * k + p];
          axpy(aip, b, p * n, c, i * n, n);
        }
      }
    } else if (!transA) {
      // C[i,j] += A[i,:] . B[j,:]: both rows contiguous.
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          c[i * n + j] += dot(a, i * k, b, j * k, k);
        }
      }
    } else {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          float s = 0f;
          for (int p = 0; p < k; p++) {
            s = Math.fma(a[p * m + i], b[j * k + p], s);
          }
          c[i * n + j] += s;
        }
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
    ftrl(z, n, w, g, 0, count, invAlpha, beta, l1, l2);
  }

  /** {@link #ftrl} on coordinates {@code [from, to)}: also the Vector API kernel's tail. */
  static void ftrl(
      float[] z,
      float[] n,
      float[] w,
      float[] g,
      int from,
      int to,
      float invAlpha,
      float beta,
      float l1,
      float l2) {
    for (int i = from; i < to; i++) {
      float gi = g[i];
      float n0 = n[i];
      float n1 = n0 + gi * gi;
      float sqrtN1 = (float) Math.sqrt(n1);
      float sigma = (sqrtN1 - (float) Math.sqrt(n0)) * invAlpha;
      float z1 = z[i] + gi - sigma * w[i];
      z[i] = z1;
      n[i] = Float.intBitsToFloat(Float.floatToRawIntBits(n1) & ~SIGN);
      // Whether L1 zeroes the weight is a coin flip for the branch predictor: the quotient is
      // computed either way and kept by a mask, all ones when |z'| - l1 is positive or a NaN.
      float excess = Math.abs(z1) - l1;
      int e = Float.floatToRawIntBits(excess);
      int keep = (-e & ~e) >> 31; // 0 for 0, -0 and negatives
      float w1 = -Math.copySign(excess, z1) / ((beta + sqrtN1) * invAlpha + l2);
      w[i] = Float.intBitsToFloat(Float.floatToRawIntBits(w1) & keep);
    }
  }

  /** A float's sign bit (the Vector API kernel's too). */
  static final int SIGN = 0x80000000;
}
