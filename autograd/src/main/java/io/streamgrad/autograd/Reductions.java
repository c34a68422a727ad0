package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

import io.streamgrad.autograd.kernels.BinaryOp;

/** Sums and means, over everything or over one dimension. */
final class Reductions {

  private Reductions() {}

  static Tensor sum(Tensor a) {
    float[] out = {K.sum(a.data, 0, a.data.length)};
    int[] inShape = a.shape;
    Node node =
        Tensor.recording(a)
            ? new Node("SumBackward0", (n, g) -> new Tensor[] {Tensor.full(g.item(), inShape)}, a)
            : null;
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  static Tensor mean(Tensor a) {
    int count = a.data.length;
    // PyTorch returns nan for the mean of an empty tensor.
    float[] out = {K.sum(a.data, 0, count) / count};
    int[] inShape = a.shape;
    Node node =
        Tensor.recording(a)
            ? new Node(
                "MeanBackward0", (n, g) -> new Tensor[] {Tensor.full(g.item() / count, inShape)}, a)
            : null;
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  static Tensor norm(Tensor a) {
    float[] out = {(float) Math.sqrt(K.dot(a.data, 0, a.data, 0, a.data.length))};
    Node node = null;
    if (Tensor.recording(a)) {
      // d|x|/dx = x / |x|; PyTorch masks the 0/0 at the origin to 0.
      node =
          new Node(
              "LinalgVectorNormBackward0",
              (n, g) -> {
                float norm = n.saved(1).item();
                float scale = norm == 0f ? 0f : g.item() / norm;
                return new Tensor[] {n.saved(0).mul(scale)};
              },
              a);
    }
    Tensor result = Tensor.result(out, Shapes.SCALAR, node);
    if (node != null) {
      node.save(a, null).saveOutput(1, result);
    }
    return result;
  }

  /** Sum (or mean) over {@code dim}. */
  static Tensor sum(Tensor a, int dim, boolean keepDim, boolean mean) {
    int d = Shapes.normalizeDim(dim, a.shape.length);
    int[] outShape = Shapes.reduceShape(a.shape, d, keepDim);
    int size = a.shape.length == 0 ? 1 : a.shape[d];
    int outer = 1;
    for (int i = 0; i < d; i++) {
      outer *= a.shape[i];
    }
    int inner = a.data.length / Math.max(1, outer * size);
    float[] out = new float[outer * inner];
    for (int o = 0; o < outer; o++) {
      if (inner == 1) {
        out[o] = K.sum(a.data, o * size, size);
      } else {
        for (int s = 0; s < size; s++) {
          K.binary(
              BinaryOp.ADD, out, o * inner, a.data, (o * size + s) * inner, out, o * inner, inner);
        }
      }
    }
    if (mean) {
      K.binaryScalarRight(BinaryOp.DIV, out, 0, size, out, 0, out.length);
    }
    Node node = null;
    if (Tensor.recording(a)) {
      int[] inShape = a.shape;
      int[] keptShape = Shapes.reduceShape(a.shape, d, true);
      node =
          new Node(
              mean ? "MeanBackward1" : "SumBackward1",
              (n, g) -> {
                float[] expanded = Broadcast.expand(g.data, keptShape, inShape);
                if (mean) {
                  K.binaryScalarRight(
                      BinaryOp.DIV, expanded, 0, size, expanded, 0, expanded.length);
                }
                return new Tensor[] {new Tensor(expanded, inShape)};
              },
              a);
    }
    return Tensor.result(out, outShape, node);
  }
}
