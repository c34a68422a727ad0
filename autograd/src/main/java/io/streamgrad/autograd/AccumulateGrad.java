package io.streamgrad.autograd;

/**
 * PyTorch's {@code AccumulateGrad}: adds a gradient, in the broadcast shape an op produced, into a
 * leaf's {@code grad}, summing it down to the leaf's shape first ({@link Engine#reduceTo}).
 */
final class AccumulateGrad {
  private AccumulateGrad() {}

  static void into(Tensor leaf, Tensor g) {
    if (leaf.grad != null && g.data == leaf.grad.data) {
      leaf.grad.bumpVersion(); // the kernel accumulated in place (GradientBuffers.forInput)
    } else if (Shapes.equal(g.shape, leaf.shape)) {
      leaf.accumulateGrad(g);
    } else if (leaf.grad != null && leaf.data.length == 1 && g.data.length != 1) {
      // A one-element leaf (a bias): the reduced sum straight into its grad, the same float
      // additions as reducing into a new tensor first.
      leaf.grad.data[0] += Tensor.K.sum(g.data, 0, g.data.length);
      leaf.grad.bumpVersion();
    } else {
      leaf.accumulateGrad(Engine.reduceTo(g, leaf.shape));
    }
  }
}
