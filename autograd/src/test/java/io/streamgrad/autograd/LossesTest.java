package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Loss values against torch.nn.functional 2.13 on the same inputs. */
class LossesTest {

  private static final Tensor PRED =
      Tensor.of(new float[][] {{0.5f, -1f, 2f}, {0.25f, -0.75f, 3f}});
  private static final Tensor TARGET = Tensor.of(new float[][] {{1f, 0f, -2f}, {0.5f, 0.5f, 2.5f}});

  @Test
  void mse() {
    Tensor p = PRED.detach().requiresGrad(true);
    Tensor loss = Losses.mse(p, TARGET);
    assertEquals(3.1875f, loss.item(), 1e-6f);
    loss.backward();
    // 2 (p - t) / n
    assertEquals(
        "tensor([[-0.1667, -0.3333,  1.3333],\n        [-0.0833, -0.4167,  0.1667]])",
        p.grad().toString());
  }

  @Test
  void huber() {
    assertEquals(0.838541687f, Losses.huber(PRED, TARGET, 1f).item(), 1e-6f);
    assertEquals(
        "huber_loss does not support non-positive values for delta.",
        assertThrows(IllegalArgumentException.class, () -> Losses.huber(PRED, TARGET, 0f))
            .getMessage());
  }

  @Test
  void bceWithLogitsIsStableForLargeLogits() {
    assertEquals(5.32248259f, Losses.bceWithLogits(PRED.mul(10f), TARGET.sigmoid()).item(), 1e-5f);
    Tensor huge = Tensor.of(1000f, -1000f).requiresGrad(true);
    Tensor loss = Losses.bceWithLogits(huge, Tensor.of(1f, 0f));
    assertEquals(0f, loss.item(), 0f);
    loss.backward();
    assertEquals("tensor([0., 0.])", huge.grad().toString());
    assertEquals(
        "Target size (torch.Size([3])) must be the same as input size (torch.Size([2]))",
        assertThrows(
                IllegalArgumentException.class,
                () -> Losses.bceWithLogits(Tensor.ones(2), Tensor.ones(3)))
            .getMessage());
  }

  @Test
  void lossNodesCarryPyTorchsNames() {
    Tensor p = PRED.detach().requiresGrad(true);
    assertEquals("MseLossBackward0", Losses.mse(p, TARGET).gradFn().name());
    assertEquals("HuberLossBackward0", Losses.huber(p, TARGET, 1f).gradFn().name());
    assertEquals(
        "BinaryCrossEntropyWithLogitsBackward0", Losses.bceWithLogits(p, TARGET).gradFn().name());
  }

  @Test
  void weightsScaleEachSampleAndOnesChangeNothing() {
    Tensor ones = Tensor.ones(2, 3);
    assertEquals(Losses.mse(PRED, TARGET).item(), Losses.mse(PRED, TARGET, ones).item(), 0f);
    assertEquals(
        Losses.huber(PRED, TARGET, 1f).item(), Losses.huber(PRED, TARGET, 1f, ones).item(), 0f);
    assertEquals(
        Losses.bceWithLogits(PRED, TARGET.sigmoid()).item(),
        Losses.bceWithLogits(PRED, TARGET.sigmoid(), ones).item(),
        0f);
    // mean(w * l): a zero weight removes a sample's term but keeps it in the count.
    Tensor p = Tensor.of(1f, 3f);
    Tensor t = Tensor.of(0f, 0f);
    assertEquals(4.5f, Losses.mse(p, t, Tensor.of(0f, 1f)).item(), 0f);
    assertEquals(9.5f, Losses.mse(p, t, Tensor.of(1f, 2f)).item(), 0f);
    Tensor q = p.detach().requiresGrad(true);
    Losses.mse(q, t, Tensor.of(0f, 1f)).backward();
    assertEquals("tensor([0., 3.])", q.grad().toString());
  }
}
