package io.streamgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Expected strings are what PyTorch 2.13 prints for the same tensors (repr). */
class TensorFormatterTest {

  private static Tensor arange(int n, float div) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i / div;
    }
    return Tensor.of(v);
  }

  @Test
  void integralValuesPrintWithATrailingDot() {
    assertEquals("tensor([3., 3., 3., 3., 3.])", Tensor.full(3f, 5).toString());
    assertEquals("tensor([0., 0., 0.])", Tensor.zeros(3).toString());
    assertEquals("tensor([-0., 1.])", Tensor.of(-0f, 1f).toString());
    assertEquals("tensor(3.)", Tensor.scalar(3f).toString());
  }

  @Test
  void fixedPointWithFourDecimalsRightAligned() {
    assertEquals(
        "tensor([ 0.4047,  0.6939, -1.5000,  2.0000])",
        Tensor.of(0.4047f, 0.6939f, -1.5f, 2f).toString());
    assertEquals("tensor(0.5000)", Tensor.scalar(0.5f).toString());
    assertEquals(
        "tensor([[ 1.0000, -2.5000],\n        [30.2500,  4.0000]])",
        Tensor.of(new float[][] {{1f, -2.5f}, {30.25f, 4f}}).toString());
  }

  @Test
  void roundsHalfToEvenFromTheExactBinaryValue() {
    assertEquals("tensor([0.0312, 0.5000])", Tensor.of(0.03125f, 0.5f).toString());
  }

  @Test
  void scientificWhenTheRangeIsWide() {
    assertEquals(
        "tensor([1.0000e-05, 5.0000e-01, 2.0000e+00])", Tensor.of(1e-5f, 0.5f, 2f).toString());
    assertEquals("tensor([1.0000e+00, 2.0000e+03])", Tensor.of(1f, 2000f).toString());
    assertEquals("tensor([1.0000e+00, 5.0000e+03])", Tensor.of(1f, 5000f).toString());
    assertEquals(
        "tensor([ 1.5000e-07,  3.2500e+09, -2.0000e+00])",
        Tensor.of(1.5e-7f, 3.25e9f, -2f).toString());
  }

  @Test
  void nonFiniteValues() {
    assertEquals(
        "tensor([   nan, 1.5000,    inf,   -inf])",
        Tensor.of(Float.NaN, 1.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY).toString());
    assertEquals(
        "tensor([nan, 1., inf])", Tensor.of(Float.NaN, 1f, Float.POSITIVE_INFINITY).toString());
  }

  @Test
  void wrapsLongVectorsAtEightyColumns() {
    assertEquals(
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n"
            + "        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n"
            + "        6.0000, 6.3333, 6.6667, 7.0000, 7.3333, 7.6667, 8.0000, 8.3333, 8.6667,\n"
            + "        9.0000, 9.3333, 9.6667])",
        arange(30, 3f).toString());
  }

  @Test
  void threeDimensionsSeparateBlocksWithABlankLine() {
    float[] v = new float[24];
    for (int i = 0; i < 24; i++) {
      v[i] = i / 7f;
    }
    assertEquals(
        "tensor([[[0.0000, 0.1429, 0.2857, 0.4286],\n"
            + "         [0.5714, 0.7143, 0.8571, 1.0000],\n"
            + "         [1.1429, 1.2857, 1.4286, 1.5714]],\n"
            + "\n"
            + "        [[1.7143, 1.8571, 2.0000, 2.1429],\n"
            + "         [2.2857, 2.4286, 2.5714, 2.7143],\n"
            + "         [2.8571, 3.0000, 3.1429, 3.2857]]])",
        Tensor.wrap(v, 2, 3, 4).toString());
  }

  @Test
  void summarizesAboveAThousandElements() {
    assertEquals(
        "tensor([[0.0000e+00, 1.0000e+00],\n"
            + "        [2.0000e+00, 3.0000e+00],\n"
            + "        [4.0000e+00, 5.0000e+00],\n"
            + "        ...,\n"
            + "        [1.9940e+03, 1.9950e+03],\n"
            + "        [1.9960e+03, 1.9970e+03],\n"
            + "        [1.9980e+03, 1.9990e+03]])",
        arange(2000, 1f).reshape(1000, 2).toString());
    assertEquals(
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.4970e+03, 1.4980e+03,\n"
            + "        1.4990e+03])",
        arange(1500, 1f).toString());
  }

  @Test
  void emptyTensors() {
    assertEquals("tensor([])", Tensor.zeros(0).toString());
    assertEquals("tensor([], size=(0, 3))", Tensor.zeros(0, 3).toString());
  }

  @Test
  void autogradSuffixes() {
    Tensor w = Tensor.of(1f, 2f, 3f).requiresGrad(true);
    assertEquals("tensor([1., 2., 3.], requires_grad=True)", w.toString());
    assertEquals("tensor(4.6667, grad_fn=<MeanBackward0>)", w.mul(w).mean().toString());
    Tensor longOne = arange(20, 1f).requiresGrad(true).mul(1.5f);
    assertEquals(
        "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n"
            + "        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n"
            + "        24.0000, 25.5000, 27.0000, 28.5000], grad_fn=<MulBackward0>)",
        longOne.toString());
  }
}
