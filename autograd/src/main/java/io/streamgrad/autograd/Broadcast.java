package io.streamgrad.autograd;

import io.streamgrad.autograd.kernels.BinaryOp;
import io.streamgrad.autograd.kernels.Kernels;
import java.util.Arrays;

/**
 * Moves data between broadcast shapes: binary ops, expanding a tensor to a larger shape, and the
 * engine's central reduction of a broadcast gradient back to an input's shape.
 *
 * <p>Dimensions are coalesced first (as PyTorch's TensorIterator does), so the common cases run as
 * a handful of kernel calls over long contiguous runs: same shape is one call, {@code [B, d] op
 * [d]} is one call per row, a scalar operand is one call in all.
 */
final class Broadcast {

  private Broadcast() {}

  /** Visits the innermost run of the coalesced iteration. */
  private interface RunVisitor {
    void run(int outOff, int aOff, int aStride, int bOff, int bStride, int len);
  }

  /** {@code out = a op b} over {@code outShape}; shapes must already be known to broadcast. */
  static void binary(
      Kernels k,
      BinaryOp op,
      float[] a,
      int[] aShape,
      float[] b,
      int[] bShape,
      float[] out,
      int[] outShape) {
    int n = out.length;
    if (a.length == n && b.length == n) {
      k.binary(op, a, 0, b, 0, out, 0, n);
      return;
    }
    if (b.length == 1 && a.length == n) {
      k.binaryScalarRight(op, a, 0, b[0], out, 0, n);
      return;
    }
    if (a.length == 1 && b.length == n) {
      k.binaryScalarLeft(op, a[0], b, 0, out, 0, n);
      return;
    }
    walk(
        outShape,
        Shapes.broadcastStrides(aShape, outShape),
        Shapes.broadcastStrides(bShape, outShape),
        (o, ao, as, bo, bs, len) -> {
          if (as == 1 && bs == 1) {
            k.binary(op, a, ao, b, bo, out, o, len);
          } else if (as == 1) {
            k.binaryScalarRight(op, a, ao, b[bo], out, o, len);
          } else if (bs == 1) {
            k.binaryScalarLeft(op, a[ao], b, bo, out, o, len);
          } else {
            Arrays.fill(out, o, o + len, op.apply(a[ao], b[bo]));
          }
        });
  }

  /** Materializes {@code src} broadcast to {@code outShape}. */
  static float[] expand(float[] src, int[] srcShape, int[] outShape) {
    float[] out = new float[Shapes.numel(outShape)];
    if (src.length == out.length) {
      System.arraycopy(src, 0, out, 0, out.length);
      return out;
    }
    if (src.length == 1) {
      Arrays.fill(out, src[0]);
      return out;
    }
    walk(
        outShape,
        Shapes.broadcastStrides(srcShape, outShape),
        new int[outShape.length],
        (o, ao, as, bo, bs, len) -> {
          if (as == 1) {
            System.arraycopy(src, ao, out, o, len);
          } else {
            Arrays.fill(out, o, o + len, src[ao]);
          }
        });
    return out;
  }

  /**
   * Sums {@code grad} (of shape {@code gradShape}) down to {@code shape}, which must broadcast to
   * it: the one place where broadcast gradients are reduced.
   */
  static float[] sumTo(Kernels k, float[] grad, int[] gradShape, int[] shape) {
    int n = Shapes.numel(shape);
    float[] out = new float[n];
    if (n == 1) {
      out[0] = k.sum(grad, 0, grad.length);
      return out;
    }
    // Iterate over the gradient's shape; the target has stride 0 along summed dimensions.
    walk(
        gradShape,
        new int[gradShape.length], // unused operand
        Shapes.broadcastStrides(shape, gradShape),
        (o, ao, as, to, ts, len) -> {
          if (ts == 1) {
            k.binary(BinaryOp.ADD, out, to, grad, o, out, to, len);
          } else {
            out[to] += k.sum(grad, o, len);
          }
        });
    return out;
  }

  /**
   * Walks {@code shape} in row-major order with two operands' strides, after merging dimensions
   * that are contiguous for both, and calls {@code visitor} once per innermost run.
   */
  private static void walk(int[] shape, int[] aStrides, int[] bStrides, RunVisitor visitor) {
    int nd = shape.length;
    int[] size = new int[nd];
    int[] sa = new int[nd];
    int[] sb = new int[nd];
    int d = 0;
    for (int i = 0; i < nd; i++) {
      if (shape[i] == 1) {
        continue; // size-1 dimensions never move an index
      }
      if (d > 0 && sa[d - 1] == aStrides[i] * shape[i] && sb[d - 1] == bStrides[i] * shape[i]) {
        size[d - 1] *= shape[i];
        sa[d - 1] = aStrides[i];
        sb[d - 1] = bStrides[i];
      } else {
        size[d] = shape[i];
        sa[d] = aStrides[i];
        sb[d] = bStrides[i];
        d++;
      }
    }
    if (d == 0) {
      visitor.run(0, 0, 1, 0, 1, 1);
      return;
    }
    int inner = size[d - 1];
    int ia = sa[d - 1];
    int ib = sb[d - 1];
    int[] counter = new int[d];
    int outOff = 0;
    int aOff = 0;
    int bOff = 0;
    while (true) {
      visitor.run(outOff, aOff, ia, bOff, ib, inner);
      outOff += inner;
      int dim = d - 2;
      while (dim >= 0) {
        counter[dim]++;
        aOff += sa[dim];
        bOff += sb[dim];
        if (counter[dim] < size[dim]) {
          break;
        }
        aOff -= sa[dim] * size[dim];
        bOff -= sb[dim] * size[dim];
        counter[dim] = 0;
        dim--;
      }
      if (dim < 0) {
        return;
      }
    }
  }
}
