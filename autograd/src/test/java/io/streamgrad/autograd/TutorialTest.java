package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Every example of the seed tutorial (shared/seed/gradient-tutorial.txt), with its numbers. */
class TutorialTest {

  @Test
  void example1SumOfThreeW() {
    Tensor w = Tensor.rand(5).requiresGrad(true);
    Tensor y = w.mul(3f).sum();
    y.backward();
    assertEquals("tensor([3., 3., 3., 3., 3.])", w.grad().toString());
  }

  @Test
  void example2DotProduct() {
    Tensor w = Tensor.of(1, 2, 3, 4).requiresGrad(true);
    Tensor g = Tensor.of(5, 6, 7, 8).requiresGrad(true);
    Tensor y = w.matmul(g);
    y.backward();
    assertEquals("tensor([5., 6., 7., 8.])", w.grad().toString());
    assertEquals("tensor([1., 2., 3., 4.])", g.grad().toString());
    assertEquals("tensor(70., grad_fn=<DotBackward0>)", y.toString());
  }

  @Test
  void gradientsAccumulateAcrossBackwardCalls() {
    Tensor w = Tensor.rand(5).requiresGrad(true);
    Tensor y = w.sum();
    y.backward();
    assertEquals("tensor([1., 1., 1., 1., 1.])", w.grad().toString());
    y = w.sum();
    y.backward();
    assertEquals("tensor([2., 2., 2., 2., 2.])", w.grad().toString());
  }

  @Test
  void backwardOnNoGradResultFailsWithPyTorchsText() {
    Tensor w = Tensor.rand(5).requiresGrad(true);
    Tensor y;
    try (var off = Grad.disabled()) {
      y = w.sum();
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertEquals(
        "element 0 of tensors does not require grad and does not have a grad_fn", e.getMessage());
  }

  @Test
  void nonLeafGradWarnsAndRetainGradKeepsIt() {
    SplittableRandom rng = new SplittableRandom(7);
    Tensor a = Tensor.rand(rng, 3, 2).requiresGrad(true);
    Tensor b = Tensor.rand(rng, 2, 1).requiresGrad(true);
    Tensor temp = a.matmul(b);
    temp.sum().backward();

    List<LogRecord> records = new ArrayList<>();
    Logger jul = Logger.getLogger(Tensor.class.getName());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            records.add(r);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    jul.addHandler(handler);
    try {
      Tensor.resetNonLeafWarning();
      assertNull(temp.grad());
      assertNull(temp.grad()); // warned once, not twice
    } finally {
      jul.removeHandler(handler);
    }
    assertEquals(1, records.size());
    assertEquals(Tensor.NON_LEAF_GRAD_WARNING, records.get(0).getMessage());
    assertTrue(
        records
            .get(0)
            .getMessage()
            .startsWith(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."));

    // A.grad rows equal B^T; B.grad equals the column sums of A.
    float[] bt = b.toArray();
    for (int r = 0; r < 3; r++) {
      assertArrayEquals(bt, new float[] {a.grad().get(r, 0), a.grad().get(r, 1)});
    }
    Tensor colSums;
    try (var off = Grad.disabled()) {
      colSums = a.sum(0, false);
    }
    assertArrayEquals(colSums.toArray(), b.grad().toArray());

    Tensor temp2 = a.matmul(b);
    temp2.retainGrad();
    temp2.sum().backward();
    assertEquals("tensor([[1.],\n        [1.],\n        [1.]])", temp2.grad().toString());
  }

  @Test
  void gradientDescentReachesLeastSquares() {
    SplittableRandom rng = new SplittableRandom(2024);
    int nFeatures = 2;
    int nObjects = 300;
    Tensor wTrue = Tensor.randn(rng, nFeatures);
    Tensor x = Tensor.rand(rng, nObjects, nFeatures).sub(0.5f).mul(5f);
    Tensor y = x.matmul(wTrue).add(Tensor.randn(rng, nObjects).div(2f));

    float stepSize = 1e-2f;
    Tensor w = Tensor.rand(rng, nFeatures).requiresGrad(true);
    for (int i = 0; i < 5000; i++) {
      Tensor yPred = x.matmul(w);
      Tensor mse = yPred.sub(y).pow(2).mean();
      mse.backward();
      try (var off = Grad.disabled()) {
        w.subInPlace(w.grad().mul(stepSize));
        w.grad().zero();
      }
    }
    double[] lstsq = leastSquares2(x, y);
    for (int j = 0; j < nFeatures; j++) {
      assertEquals(lstsq[j], w.get(j), 0.05, "coefficient " + j);
    }
    // Close to the true coefficients too, as the tutorial shows.
    for (int j = 0; j < nFeatures; j++) {
      assertEquals(wTrue.get(j), w.get(j), 0.15, "true coefficient " + j);
    }
  }

  /** Solves the 2x2 normal equations in double precision. */
  static double[] leastSquares2(Tensor x, Tensor y) {
    double a = 0, b = 0, d = 0, r0 = 0, r1 = 0;
    for (int i = 0; i < x.size(0); i++) {
      double x0 = x.get(i, 0);
      double x1 = x.get(i, 1);
      a += x0 * x0;
      b += x0 * x1;
      d += x1 * x1;
      r0 += x0 * y.get(i);
      r1 += x1 * y.get(i);
    }
    double det = a * d - b * b;
    return new double[] {(d * r0 - b * r1) / det, (a * r1 - b * r0) / det};
  }
}
