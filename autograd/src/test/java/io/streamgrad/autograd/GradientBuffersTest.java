package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The engine's two ways of not allocating gradients (pass-scoped scratch buffers, in-place
 * accumulation into a zeroed leaf grad) must be invisible: same bits as the allocating path, and no
 * gradient a caller can see ever shares a reused buffer.
 */
class GradientBuffersTest {

  private static final SplittableRandom RNG = new SplittableRandom(7);

  @Test
  void gradientLandsInAZeroedLeafGradBitForBitAndBumpsItsVersion() {
    Tensor x = Tensor.randn(RNG, 37, 19);
    Tensor y = Tensor.randn(RNG, 37);
    Tensor w = Tensor.randn(RNG, 19).requiresGrad(true);
    Tensor b = Tensor.scalar(0.3f).requiresGrad(true);

    // Reference: the first backward, into no grad at all (the engine copies a fresh gradient).
    Losses.mse(x.matmul(w).add(b), y).backward();
    float[] expectedW = w.grad().toArray();
    float[] expectedB = b.grad().toArray();

    Tensor gradW = w.grad();
    gradW.zero();
    b.grad().zero();
    int version = gradW.version();
    Losses.mse(x.matmul(w).add(b), y).backward();

    assertSame(gradW, w.grad(), "the grad tensor is kept, as PyTorch's in-place accumulation does");
    assertArrayEquals(expectedW, w.grad().toArray(), "bit-identical to the allocating path");
    assertArrayEquals(expectedB, b.grad().toArray());
    assertEquals(version + 1, gradW.version(), "an accumulation is an in-place write");
  }

  @Test
  void aNonZeroGradStillAccumulatesInPyTorchsOrder() {
    Tensor x = Tensor.randn(RNG, 16, 8);
    Tensor w = Tensor.randn(RNG, 8).requiresGrad(true);
    x.matmul(w).sum().backward();
    float[] once = w.grad().toArray();
    x.matmul(w).sum().backward();
    float[] expected = new float[once.length];
    for (int i = 0; i < once.length; i++) {
      expected[i] = once[i] + once[i]; // grad + new_grad, each rounded once
    }
    assertArrayEquals(expected, w.grad().toArray());
  }

  @Test
  void aLeafUsedTwiceByOneOpGetsBothContributions() {
    Tensor a = Tensor.randn(RNG, 5, 5).requiresGrad(true);
    a.matmul(a).sum().backward();
    float[] expected = a.grad().toArray(); // first backward: fresh arrays, added by the engine
    a.grad().zero();
    a.matmul(a).sum().backward();
    assertArrayEquals(expected, a.grad().toArray());
  }

  @Test
  void aLossGradientReachingALeafIsCopiedNotLent() {
    Tensor pred = Tensor.randn(RNG, 64).requiresGrad(true);
    Losses.mse(pred, Tensor.randn(RNG, 64)).backward();
    Tensor first = pred.grad();
    float[] firstValues = first.toArray();

    // More passes reuse the pool's buffers; the leaf's first grad must not see them.
    Tensor other = Tensor.randn(RNG, 64).requiresGrad(true);
    for (int i = 0; i < 3; i++) {
      Losses.mse(other, Tensor.randn(RNG, 64)).backward();
    }
    assertArrayEquals(firstValues, first.toArray());
    assertNotSame(first.data, other.grad().data);
  }

  @Test
  void aRetainedGradIsCopiedNotLent() {
    Tensor x = Tensor.randn(RNG, 64, 4);
    Tensor w = Tensor.randn(RNG, 4).requiresGrad(true);
    Tensor pred = x.matmul(w);
    pred.retainGrad();
    Losses.mse(pred, Tensor.randn(RNG, 64)).backward();
    float[] retained = pred.grad().toArray();

    for (int i = 0; i < 3; i++) {
      Losses.mse(x.matmul(w), Tensor.randn(RNG, 64)).backward();
    }
    assertArrayEquals(retained, pred.grad().toArray());
  }
}
