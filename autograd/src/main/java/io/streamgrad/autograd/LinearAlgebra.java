package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

/** matmul in its 1-D/2-D forms, dot and transpose, with PyTorch's backward names and errors. */
final class LinearAlgebra {

  private LinearAlgebra() {}

  static Tensor matmul(Tensor a, Tensor b) {
    int da = a.dim();
    int db = b.dim();
    if (da == 0 || db == 0) {
      throw new IllegalArgumentException(
          "both arguments to matmul need to be at least 1D, but they are "
              + da
              + "D and "
              + db
              + "D");
    }
    if (da == 1 && db == 1) {
      return dot(a, b);
    }
    if (da == 2 && db == 1) {
      return mv(a, b);
    }
    if (da == 1 && db == 2) {
      return vm(a, b);
    }
    if (da == 2 && db == 2) {
      return mm(a, b);
    }
    throw new UnsupportedOperationException(
        "matmul supports 1-D and 2-D operands, got " + da + "-D and " + db + "-D");
  }

  static Tensor dot(Tensor a, Tensor b) {
    if (a.dim() != 1 || b.dim() != 1) {
      throw new IllegalArgumentException(
          "1D tensors expected, but got " + a.dim() + "D and " + b.dim() + "D tensors");
    }
    int n = a.data.length;
    if (b.data.length != n) {
      throw new IllegalArgumentException(
          "inconsistent tensor size, expected tensor ["
              + n
              + "] and src ["
              + b.data.length
              + "] to have the same number of elements, but got "
              + n
              + " and "
              + b.data.length
              + " elements respectively");
    }
    float[] out = {K.dot(a.data, 0, b.data, 0, n)};
    Node node = null;
    if (Tensor.recording(a, b)) {
      node =
          new Node(
              "DotBackward0",
              (nd, g) -> {
                float s = g.item();
                return new Tensor[] {
                  nd.needs(0) ? nd.saved(1).mul(s) : null, nd.needs(1) ? nd.saved(0).mul(s) : null
                };
              },
              a,
              b);
      node.save(node.needs(1) ? a : null, node.needs(0) ? b : null);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  /** {@code [m, k] @ [k]}: GEMV. */
  private static Tensor mv(Tensor m, Tensor v) {
    int rows = m.shape[0];
    int cols = m.shape[1];
    if (v.shape[0] != cols) {
      throw new IllegalArgumentException(
          "size mismatch, got input ("
              + rows
              + "), mat ("
              + rows
              + "x"
              + cols
              + "), vec ("
              + v.shape[0]
              + ")");
    }
    float[] out = new float[rows];
    K.gemv(m.data, rows, cols, v.data, out);
    Node node = null;
    if (Tensor.recording(m, v)) {
      node =
          new Node(
              "MvBackward0",
              (nd, g) -> {
                Tensor gm = null;
                Tensor gv = null;
                if (nd.needs(0)) {
                  float[] o = new float[rows * cols];
                  K.outer(g.data, rows, nd.saved(1).data, cols, o, false);
                  gm = new Tensor(o, nd.inputShape(0));
                }
                if (nd.needs(1)) {
                  float[] o = nd.gradientBuffer(1); // zeros, maybe v's own grad
                  K.gemvTransposed(nd.saved(0).data, rows, cols, g.data, o, true);
                  gv = new Tensor(o, nd.inputShape(1));
                }
                return new Tensor[] {gm, gv};
              },
              m,
              v);
      node.save(node.needs(1) ? m : null, node.needs(0) ? v : null);
    }
    return Tensor.result(out, new int[] {rows}, node);
  }

  /** {@code [k] @ [k, n]}: transposed GEMV (PyTorch records it as unsqueeze, mm, squeeze). */
  private static Tensor vm(Tensor v, Tensor m) {
    int rows = m.shape[0];
    int cols = m.shape[1];
    if (v.shape[0] != rows) {
      throw mmMismatch(1, v.shape[0], rows, cols);
    }
    float[] out = new float[cols];
    K.gemvTransposed(m.data, rows, cols, v.data, out, true); // out is fresh: zeros
    Node node = null;
    if (Tensor.recording(v, m)) {
      node =
          new Node(
              "SqueezeBackward4",
              (nd, g) -> {
                Tensor gv = null;
                Tensor gm = null;
                if (nd.needs(0)) {
                  float[] o = new float[rows];
                  K.gemv(nd.saved(1).data, rows, cols, g.data, o);
                  gv = new Tensor(o, new int[] {rows});
                }
                if (nd.needs(1)) {
                  float[] o = new float[rows * cols];
                  K.outer(nd.saved(0).data, rows, g.data, cols, o, false);
                  gm = new Tensor(o, new int[] {rows, cols});
                }
                return new Tensor[] {gv, gm};
              },
              v,
              m);
      node.save(node.needs(1) ? v : null, node.needs(0) ? m : null);
    }
    return Tensor.result(out, new int[] {cols}, node);
  }

  /** {@code [m, k] @ [k, n]}: GEMM. */
  private static Tensor mm(Tensor a, Tensor b) {
    int m = a.shape[0];
    int k = a.shape[1];
    int n = b.shape[1];
    if (b.shape[0] != k) {
      throw mmMismatch(m, k, b.shape[0], n);
    }
    float[] out = new float[m * n];
    K.gemm(false, false, m, n, k, a.data, b.data, out, true); // out is fresh: zeros
    Node node = null;
    if (Tensor.recording(a, b)) {
      node =
          new Node(
              "MmBackward0",
              (nd, g) -> {
                Tensor ga = null;
                Tensor gb = null;
                if (nd.needs(0)) { // g [m, n] @ B^T [n, k], into zeros (maybe A's own grad)
                  float[] o = nd.gradientBuffer(0);
                  K.gemm(false, true, m, k, n, g.data, nd.saved(1).data, o, true);
                  ga = new Tensor(o, nd.inputShape(0));
                }
                if (nd.needs(1)) { // A^T [k, m] @ g [m, n], into zeros (maybe B's own grad)
                  float[] o = nd.gradientBuffer(1);
                  K.gemm(true, false, k, n, m, nd.saved(0).data, g.data, o, true);
                  gb = new Tensor(o, nd.inputShape(1));
                }
                return new Tensor[] {ga, gb};
              },
              a,
              b);
      node.save(node.needs(1) ? a : null, node.needs(0) ? b : null);
    }
    return Tensor.result(out, new int[] {m, n}, node);
  }

  private static IllegalArgumentException mmMismatch(int r1, int c1, int r2, int c2) {
    return new IllegalArgumentException(
        "mat1 and mat2 shapes cannot be multiplied ("
            + r1
            + "x"
            + c1
            + " and "
            + r2
            + "x"
            + c2
            + ")");
  }

  static Tensor transpose(Tensor a) {
    if (a.dim() < 2) {
      return a;
    }
    if (a.dim() > 2) {
      throw new IllegalArgumentException(
          "t() expects a tensor with <= 2 dimensions, but self is " + a.dim() + "D");
    }
    int rows = a.shape[0];
    int cols = a.shape[1];
    float[] out = transposeData(a.data, rows, cols);
    Node node =
        Tensor.recording(a)
            ? new Node(
                "TBackward0",
                (nd, g) ->
                    new Tensor[] {
                      new Tensor(transposeData(g.data, cols, rows), new int[] {rows, cols})
                    },
                a)
            : null;
    return Tensor.result(out, new int[] {cols, rows}, node);
  }

  private static float[] transposeData(float[] src, int rows, int cols) {
    float[] out = new float[src.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        out[c * rows + r] = src[r * cols + c];
      }
    }
    return out;
  }
}
