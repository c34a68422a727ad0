package io.streamgrad.autograd.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Vector API kernels agree with the scalar reference to float32 tolerance on lengths around
 * every vector boundary (tails included) and on odd matrix shapes. Skipped in the surefire run that
 * has no jdk.incubator.vector module.
 */
class KernelsAgreementTest {

  private static Kernels panama;
  private static final Kernels SCALAR = KernelProvider.scalar();
  private static final SplittableRandom RNG = new SplittableRandom(5);

  @BeforeAll
  static void loadPanama() {
    panama = KernelProvider.panamaOrNull();
  }

  static IntStream lengths() {
    return IntStream.concat(
        IntStream.rangeClosed(0, 70), IntStream.of(127, 128, 129, 255, 256, 1000, 1023, 4099));
  }

  static float[] random(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (RNG.nextDouble() * 4 - 2);
    }
    return v;
  }

  static void assertClose(float[] expected, float[] actual, float tol, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertClose(expected[i], actual[i], tol, what + "[" + i + "]");
    }
  }

  static void assertClose(float expected, float actual, float tol, String what) {
    if (Float.isNaN(expected)) {
      assertEquals(expected, actual, what);
      return;
    }
    assertEquals(expected, actual, tol * Math.max(1f, Math.abs(expected)), what);
  }

  @ParameterizedTest
  @MethodSource("lengths")
  void reductionsAndLevelOne(int n) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    float[] a = random(n);
    float[] b = random(n);
    float tol = 1e-5f * (float) Math.sqrt(n + 1);
    assertClose(SCALAR.sum(a, 0, n), panama.sum(a, 0, n), tol, "sum");
    assertClose(SCALAR.dot(a, 0, b, 0, n), panama.dot(a, 0, b, 0, n), tol, "dot");
    assertClose(
        SCALAR.squaredDistance(a, 0, b, 0, n),
        panama.squaredDistance(a, 0, b, 0, n),
        tol,
        "sqdist");
    float[] y1 = b.clone();
    float[] y2 = b.clone();
    SCALAR.axpy(0.37f, a, 0, y1, 0, n);
    panama.axpy(0.37f, a, 0, y2, 0, n);
    assertClose(y1, y2, 0f, "axpy"); // both single-rounded FMA: bit-identical
    float[] o1 = new float[n];
    float[] o2 = new float[n];
    SCALAR.scale(-1.5f, a, 0, o1, 0, n);
    panama.scale(-1.5f, a, 0, o2, 0, n);
    assertClose(o1, o2, 0f, "scale");
    // The fused form rounds like its two-pass definition, in both implementations.
    float[] twoPass = new float[n];
    SCALAR.binary(BinaryOp.SUB, a, 0, b, 0, twoPass, 0, n);
    SCALAR.scale(0.7f, twoPass, 0, twoPass, 0, n);
    SCALAR.scaledDifference(0.7f, a, 0, b, 0, o1, 0, n);
    panama.scaledDifference(0.7f, a, 0, b, 0, o2, 0, n);
    assertClose(twoPass, o1, 0f, "scaledDifference (scalar)");
    assertClose(twoPass, o2, 0f, "scaledDifference (panama)");
  }

  @Test
  void offsetsAreHonoured() {
    assumeTrue(panama != null, "no Vector API in this JVM");
    float[] a = random(300);
    float[] b = random(300);
    assertClose(SCALAR.dot(a, 7, b, 13, 211), panama.dot(a, 7, b, 13, 211), 1e-4f, "dot offsets");
    assertClose(SCALAR.sum(a, 33, 101), panama.sum(a, 33, 101), 1e-4f, "sum offsets");
  }

  @ParameterizedTest
  @EnumSource(BinaryOp.class)
  void binaryOps(BinaryOp op) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    for (int n : new int[] {1, 15, 16, 17, 33, 100, 257}) {
      float[] a = random(n + 3);
      float[] b = random(n + 5);
      float[] o1 = new float[n + 2];
      float[] o2 = new float[n + 2];
      SCALAR.binary(op, a, 3, b, 5, o1, 2, n);
      panama.binary(op, a, 3, b, 5, o2, 2, n);
      assertClose(o1, o2, 0f, op + " vv n=" + n);
      SCALAR.binaryScalarRight(op, a, 3, 0.7f, o1, 2, n);
      panama.binaryScalarRight(op, a, 3, 0.7f, o2, 2, n);
      assertClose(o1, o2, 0f, op + " vs n=" + n);
      SCALAR.binaryScalarLeft(op, 0.7f, b, 5, o1, 2, n);
      panama.binaryScalarLeft(op, 0.7f, b, 5, o2, 2, n);
      assertClose(o1, o2, 0f, op + " sv n=" + n);
    }
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryOpsAndTheirDerivatives(UnaryOp op) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    for (int n : new int[] {3, 31, 32, 33, 200}) {
      float[] x = random(n);
      if (op == UnaryOp.LOG || op == UnaryOp.SQRT) {
        for (int i = 0; i < n; i++) {
          x[i] = Math.abs(x[i]) + 0.1f;
        }
      }
      float[] y1 = new float[n];
      float[] y2 = new float[n];
      SCALAR.unary(op, x, 0, y1, 0, n);
      panama.unary(op, x, 0, y2, 0, n);
      assertClose(y1, y2, 2e-6f, op + " n=" + n);
      float[] g = random(n);
      float[] d1 = new float[n];
      float[] d2 = new float[n];
      SCALAR.unaryBackward(op, x, y1, g, d1, n);
      panama.unaryBackward(op, x, y1, g, d2, n);
      assertClose(d1, d2, 2e-6f, op + "' n=" + n);
    }
  }

  /**
   * exp, log and sigmoid give the scalar kernels' bits whether the JIT has compiled them or not: a
   * prediction or a test-then-train score must not depend on how warm the JVM is, or a job restored
   * from a checkpoint does not repeat itself bit for bit. 3,000 calls of 4,096 elements get the
   * kernel compiled by C2 (where the Vector API's EXP, LOG and TANH are SVML intrinsics, which
   * differ from Java's fallback in the last bit for some inputs). tanh is not held to it yet (see
   * PanamaKernels.transcendental).
   */
  @ParameterizedTest
  @EnumSource(
      value = UnaryOp.class,
      names = {"EXP", "LOG", "SIGMOID"})
  void transcendentalOpsGiveTheSameBitsColdAndWarm(UnaryOp op) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    int n = 4096; // about 2% of inputs differed in the last bit between the two
    float[] x = random(n);
    for (int i = 0; i < n; i++) {
      x[i] = op == UnaryOp.LOG ? Math.abs(x[i]) * 3 + 0.01f : x[i] * 6;
    }
    float[] expected = new float[n];
    SCALAR.unary(op, x, 0, expected, 0, n);
    float[] y = new float[n];
    for (int round = 0; round < 3_000; round++) {
      panama.unary(op, x, 0, y, 0, n);
      if (round == 0 || round == 2_999) {
        for (int i = 0; i < n; i++) {
          assertEquals(
              Float.floatToRawIntBits(expected[i]),
              Float.floatToRawIntBits(y[i]),
              op + "(" + x[i] + ") in call " + round);
        }
      }
    }
  }

  @Test
  void pow() {
    assumeTrue(panama != null, "no Vector API in this JVM");
    float[] x = random(77);
    for (float p : new float[] {2f, 3f, 0.5f}) {
      float[] o1 = new float[77];
      float[] o2 = new float[77];
      float[] in = x.clone();
      if (p == 0.5f) {
        for (int i = 0; i < in.length; i++) in[i] = Math.abs(in[i]);
      }
      SCALAR.pow(in, 0, p, o1, 0, 77);
      panama.pow(in, 0, p, o2, 0, 77);
      assertClose(o1, o2, 0f, "pow " + p);
    }
  }

  @ParameterizedTest
  @MethodSource("matrixShapes")
  void matrixKernels(int rows, int cols) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    float[] x = random(rows * cols);
    float[] w = random(cols);
    float[] g = random(rows);
    float tol = 1e-5f * (float) Math.sqrt(Math.max(rows, cols) + 1);
    float[] o1 = new float[rows];
    float[] o2 = new float[rows];
    SCALAR.gemv(x, rows, cols, w, o1);
    panama.gemv(x, rows, cols, w, o2);
    assertClose(o1, o2, tol, "gemv " + rows + "x" + cols);
    float[] t1 = random(cols);
    float[] t2 = t1.clone();
    SCALAR.gemvTransposed(x, rows, cols, g, t1, true);
    panama.gemvTransposed(x, rows, cols, g, t2, true);
    assertClose(t1, t2, tol, "gemvT accumulate " + rows + "x" + cols);
    SCALAR.gemvTransposed(x, rows, cols, g, t1, false);
    panama.gemvTransposed(x, rows, cols, g, t2, false);
    assertClose(t1, t2, tol, "gemvT " + rows + "x" + cols);
    float[] u1 = new float[rows * cols];
    float[] u2 = new float[rows * cols];
    SCALAR.outer(g, rows, w, cols, u1, false);
    panama.outer(g, rows, w, cols, u2, false);
    assertClose(u1, u2, 0f, "outer");
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> matrixShapes() {
    int[][] shapes = {
      {1, 1}, {1, 8}, {3, 17}, {4, 32}, {5, 33}, {7, 64}, {64, 16}, {13, 100}, {33, 129}, {2, 300}
    };
    return java.util.Arrays.stream(shapes)
        .map(s -> org.junit.jupiter.params.provider.Arguments.of(s[0], s[1]));
  }

  @Test
  void gemmInEveryTransposeCombination() {
    assumeTrue(panama != null, "no Vector API in this JVM");
    int[][] shapes = {{3, 5, 7}, {17, 33, 9}, {4, 64, 31}, {1, 40, 1}, {20, 3, 50}};
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      float[] a = random(m * k);
      float[] b = random(k * n);
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          for (boolean acc : new boolean[] {false, true}) {
            float[] c1 = random(m * n);
            float[] c2 = c1.clone();
            SCALAR.gemm(ta, tb, m, n, k, a, b, c1, acc);
            panama.gemm(ta, tb, m, n, k, a, b, c2, acc);
            assertClose(
                c1,
                c2,
                1e-4f,
                "gemm " + m + "x" + n + "x" + k + " tA=" + ta + " tB=" + tb + " acc=" + acc);
          }
        }
      }
    }
  }

  @Test
  void scalarGemmMatchesTheDefinition() {
    int m = 3;
    int n = 4;
    int k = 5;
    float[] a = random(m * k);
    float[] b = random(k * n);
    float[] c = new float[m * n];
    SCALAR.gemm(false, false, m, n, k, a, b, c, false);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          s += (double) a[i * k + p] * b[p * n + j];
        }
        assertClose((float) s, c[i * n + j], 1e-5f, "C[" + i + "," + j + "]");
      }
    }
  }

  /**
   * FTRL's update rounds each operation once in both implementations: the same bits on every length
   * around the vector width, with the edges of its masks among the inputs (n = 0, z exactly at +-l1
   * after the step, zero gradients, huge gradients, a NaN).
   */
  @ParameterizedTest
  @MethodSource("lengths")
  void ftrlIsBitIdentical(int count) {
    assumeTrue(panama != null, "no Vector API in this JVM");
    float invAlpha = 10f;
    float beta = 1f;
    float l1 = 0.5f;
    float l2 = 0.25f;
    float[] z = random(count);
    float[] n = new float[count];
    float[] w = random(count);
    float[] g = random(count);
    for (int i = 0; i < count; i++) {
      n[i] = i % 3 == 0 ? 0f : (float) (RNG.nextDouble() * 5);
      switch (i % 7) {
        case 1 -> g[i] = 0f;
        case 2 -> {
          w[i] = 0f;
          g[i] = 0f;
          n[i] = 0f;
          z[i] = i % 2 == 0 ? l1 : -l1; // |z'| = l1 exactly: the weight is 0
        }
        case 3 -> g[i] = 1e19f; // n' overflows to infinity
        case 4 -> g[i] = i == 11 ? Float.NaN : g[i];
        default -> {}
      }
    }
    float[][] scalar = {z.clone(), n.clone(), w.clone()};
    float[][] vector = {z.clone(), n.clone(), w.clone()};
    SCALAR.ftrl(scalar[0], scalar[1], scalar[2], g, count, invAlpha, beta, l1, l2);
    panama.ftrl(vector[0], vector[1], vector[2], g, count, invAlpha, beta, l1, l2);
    for (int i = 0; i < count; i++) {
      for (int s = 0; s < 3; s++) {
        assertEquals(
            Float.floatToIntBits(scalar[s][i]),
            Float.floatToIntBits(vector[s][i]),
            "zn w".charAt(s == 2 ? 3 : s) + "[" + i + "] of " + count);
      }
      if (i % 7 == 2) {
        assertEquals(0f, scalar[2][i], 0f, "|z| = l1 gives a zero weight");
      }
    }
  }
}
