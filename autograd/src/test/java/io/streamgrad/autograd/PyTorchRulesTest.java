package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** PyTorch's autograd rules, each with PyTorch 2.13's exact message text. */
class PyTorchRulesTest {

  private static String message(Class<? extends Throwable> type, Executable e) {
    return assertThrows(type, e).getMessage();
  }

  @Test
  void backwardWithoutGradFn() {
    Tensor x = Tensor.of(1f, 2f);
    assertEquals(
        "element 0 of tensors does not require grad and does not have a grad_fn",
        message(IllegalStateException.class, () -> x.sum().backward()));
  }

  @Test
  void implicitGradOnlyForScalars() {
    Tensor w = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    assertEquals(
        "grad can be implicitly created only for scalar outputs",
        message(IllegalStateException.class, () -> w.mul(2f).backward()));
    assertEquals(
        "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a shape"
            + " of torch.Size([3]).",
        message(IllegalArgumentException.class, () -> w.mul(2f).backward(Tensor.ones(2))));
    Tensor y = w.mul(2f);
    y.backward(Tensor.of(1f, 10f, 100f));
    assertEquals("tensor([  2.,  20., 200.])", w.grad().toString());
  }

  @Test
  void leafInPlaceUnderGradMode() {
    Tensor w = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    assertEquals(
        "a leaf Variable that requires grad is being used in an in-place operation.",
        message(IllegalStateException.class, () -> w.addInPlace(1f)));
    assertEquals(
        "a leaf Variable that requires grad is being used in an in-place operation.",
        message(IllegalStateException.class, w::zero));
    assertEquals(
        "a view of a leaf Variable that requires grad is being used in an in-place operation.",
        message(IllegalStateException.class, () -> w.reshape(3, 1).addInPlace(1f)));
    try (var off = Grad.disabled()) {
      w.addInPlace(1f); // allowed under no-grad: the tutorial's update
    }
    assertArrayEquals(new float[] {2f, 3f, 4f}, w.toArray());
    assertEquals(1, w.version());
  }

  @Test
  void savedTensorModifiedInPlace() {
    Tensor a = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    Tensor x = Tensor.of(1f, 2f, 3f);
    Tensor y = a.mul(x);
    x.addInPlace(1f);
    assertEquals(
        "one of the variables needed for gradient computation has been modified by an inplace"
            + " operation: [torch.FloatTensor [3]] is at version 1; expected version 0 instead."
            + " Hint: enable anomaly detection to find the operation that failed to compute its"
            + " gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).",
        message(IllegalStateException.class, () -> y.sum().backward()));

    Tensor e = a.exp();
    Tensor f = e.mul(e);
    try (var off = Grad.disabled()) {
      e.addInPlace(1f);
    }
    assertEquals(
        "one of the variables needed for gradient computation has been modified by an inplace"
            + " operation: [torch.FloatTensor [3]], which is output 0 of Exp, is at version 1;"
            + " expected version 0 instead. Hint: enable anomaly detection to find the operation"
            + " that failed to compute its gradient, with"
            + " torch.autograd.set_detect_anomaly(True, check_nan=False).",
        message(IllegalStateException.class, () -> f.sum().backward()));
  }

  @Test
  void versionCounterIsSharedWithViews() {
    Tensor x = Tensor.of(1f, 2f, 3f, 4f);
    Tensor view = x.reshape(2, 2);
    Tensor detached = x.detach();
    view.mulInPlace(2f);
    assertEquals(1, x.version());
    assertEquals(1, detached.version());
    assertArrayEquals(new float[] {2f, 4f, 6f, 8f}, detached.toArray());
    Tensor a = Tensor.of(1f, 1f, 1f, 1f).requiresGrad(true);
    Tensor y = a.mul(x);
    detached.zero();
    assertThrows(IllegalStateException.class, () -> y.sum().backward());
  }

  @Test
  void secondBackwardThroughFreedGraph() {
    Tensor a = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    Tensor y = a.mul(a).sum();
    y.backward();
    assertEquals(
        "Trying to backward through the graph a second time (or directly access saved tensors after"
            + " they have already been freed). Saved intermediate values of the graph are freed when"
            + " you call .backward() or autograd.grad(). Specify retain_graph=True if you need to"
            + " backward through the graph a second time or if you need to access saved tensors after"
            + " calling backward.",
        message(IllegalStateException.class, y::backward));
  }

  @Test
  void retainGraphAllowsASecondBackward() {
    Tensor a = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    Tensor y = a.mul(a).sum();
    y.backward(true);
    y.backward();
    assertEquals("tensor([ 4.,  8., 12.])", a.grad().toString());
  }

  @Test
  void nodesWithoutSavedTensorsCanRunTwice() {
    Tensor a = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor y = a.sum();
    y.backward();
    y.backward();
    assertEquals("tensor([2., 2.])", a.grad().toString());
  }

  @Test
  void broadcastMismatch() {
    assertEquals(
        "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 1",
        message(IllegalArgumentException.class, () -> Tensor.ones(2, 2).add(Tensor.ones(2, 3))));
    assertEquals(
        "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 0",
        message(IllegalArgumentException.class, () -> Tensor.ones(4, 2).add(Tensor.ones(3, 1))));
    assertEquals(
        "output with shape [3] doesn't match the broadcast shape [2, 3]",
        message(
            IllegalArgumentException.class, () -> Tensor.ones(3).addInPlace(Tensor.ones(2, 3))));
  }

  @Test
  void matmulShapeErrors() {
    assertEquals(
        "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x1)",
        message(IllegalArgumentException.class, () -> Tensor.ones(3, 2).matmul(Tensor.ones(3, 1))));
    assertEquals(
        "size mismatch, got input (3), mat (3x2), vec (3)",
        message(IllegalArgumentException.class, () -> Tensor.ones(3, 2).matmul(Tensor.ones(3))));
    assertEquals(
        "mat1 and mat2 shapes cannot be multiplied (1x3 and 2x2)",
        message(IllegalArgumentException.class, () -> Tensor.ones(3).matmul(Tensor.ones(2, 2))));
    assertEquals(
        "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of"
            + " elements, but got 3 and 4 elements respectively",
        message(IllegalArgumentException.class, () -> Tensor.ones(3).matmul(Tensor.ones(4))));
    assertEquals(
        "both arguments to matmul need to be at least 1D, but they are 0D and 1D",
        message(IllegalArgumentException.class, () -> Tensor.scalar(1f).matmul(Tensor.ones(2))));
    assertEquals(
        "1D tensors expected, but got 2D and 1D tensors",
        message(IllegalArgumentException.class, () -> Tensor.ones(2, 2).dot(Tensor.ones(2))));
    assertEquals(
        "t() expects a tensor with <= 2 dimensions, but self is 3D",
        message(IllegalArgumentException.class, () -> Tensor.ones(2, 2, 2).transpose()));
  }

  @Test
  void otherShapeAndValueErrors() {
    assertEquals(
        "shape '[4, 2]' is invalid for input of size 6",
        message(IllegalArgumentException.class, () -> Tensor.ones(6).reshape(4, 2)));
    assertEquals(
        "a Tensor with 6 elements cannot be converted to Scalar",
        message(IllegalStateException.class, () -> Tensor.ones(6).item()));
    assertEquals(
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
        message(IndexOutOfBoundsException.class, () -> Tensor.ones(2, 3).sum(2, false)));
    assertEquals(
        "can't retain_grad on Tensor that has requires_grad=False",
        message(IllegalStateException.class, () -> Tensor.ones(3).retainGrad()));
    Tensor w = Tensor.ones(3).requiresGrad(true);
    assertEquals(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed"
            + " variable in a subgraph that doesn't require differentiation use var_no_grad ="
            + " var.detach().",
        message(IllegalStateException.class, () -> w.mul(2f).requiresGrad(false)));
  }

  @Test
  void gradModeScopesNestAndAreThreadLocal() throws Exception {
    assertTrue(Grad.isEnabled());
    Tensor w = Tensor.ones(2).requiresGrad(true);
    try (var off = Grad.disabled()) {
      assertFalse(w.mul(2f).requiresGrad());
      try (var on = Grad.enabled()) {
        assertTrue(w.mul(2f).requiresGrad());
        boolean[] otherThread = new boolean[1];
        Thread t = new Thread(() -> otherThread[0] = Grad.isEnabled());
        t.start();
        t.join();
        assertTrue(otherThread[0], "a fresh thread starts with grad mode on");
      }
      assertFalse(Grad.isEnabled());
    }
    assertTrue(Grad.isEnabled());
  }

  @Test
  void leafAndNonLeafFacts() {
    Tensor w = Tensor.ones(2).requiresGrad(true);
    Tensor y = w.mul(2f);
    assertTrue(w.isLeaf());
    assertNull(w.gradFn());
    assertNull(w.grad());
    assertFalse(y.isLeaf());
    assertEquals("MulBackward0", y.gradFn().name());
    assertTrue(Tensor.ones(2).isLeaf());
    Tensor d = y.detach();
    assertTrue(d.isLeaf());
    assertFalse(d.requiresGrad());
  }

  @Test
  void inPlaceOnNonLeafRebasesHistory() {
    Tensor a = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    Tensor y = a.mul(2f);
    y.mulInPlace(a); // y = 2a * a
    assertEquals("MulBackward0", y.gradFn().name());
    assertEquals(1, y.version());
    y.sum().backward();
    assertEquals("tensor([ 4.,  8., 12.])", a.grad().toString()); // d(2a^2)/da = 4a

    Tensor b = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor z = Tensor.zeros(2);
    z.copyFrom(b.mul(3f));
    assertEquals("CopyBackwards", z.gradFn().name());
    z.sum().backward();
    assertEquals("tensor([3., 3.])", b.grad().toString());

    Tensor c = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor q = c.mul(2f);
    q.zero();
    assertEquals("ZeroBackward0", q.gradFn().name());
    q.sum().backward();
    assertEquals("tensor([0., 0.])", c.grad().toString());
  }

  @Test
  void backwardIsIterativeForVeryDeepGraphs() {
    Tensor x = Tensor.of(1f).requiresGrad(true);
    Tensor y = x;
    for (int i = 0; i < 100_000; i++) {
      y = y.add(1f);
    }
    y.sum().backward();
    assertEquals(1f, x.grad().item());
    assertEquals(100_001f, y.item());
  }

  @Test
  void sharedSubexpressionsSumTheirGradients() {
    Tensor x = Tensor.of(2f).requiresGrad(true);
    Tensor h = x.mul(x); // x^2
    Tensor y = h.add(h.mul(3f)).add(x); // 4x^2 + x
    y.sum().backward();
    assertEquals(17f, x.grad().item()); // 8x + 1
  }

  @Test
  void retainedNonLeafGradAccumulates() {
    Tensor x = Tensor.of(1f, 2f).requiresGrad(true);
    Tensor h = x.mul(2f).retainGrad();
    Tensor y = h.mul(h).sum();
    y.backward(true);
    assertEquals("tensor([4., 8.])", h.grad().toString());
    y.backward();
    assertEquals("tensor([ 8., 16.])", h.grad().toString());
  }
}
