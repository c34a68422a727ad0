package io.streamgrad.autograd;

import java.util.Arrays;

/** Shape arithmetic and PyTorch's shape error messages. */
final class Shapes {

  static final int[] SCALAR = new int[0];

  private Shapes() {}

  static int numel(int[] shape) {
    int n = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "Trying to create tensor with negative dimension " + d + ": " + toList(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** {@code [2, 3]}, as PyTorch prints a size inside messages. */
  static String toList(int[] shape) {
    return Arrays.toString(shape);
  }

  /** {@code torch.Size([2, 3])}. */
  static String torchSize(int[] shape) {
    return "torch.Size(" + toList(shape) + ")";
  }

  /**
   * Whether two shapes are equal. Shapes have a handful of dimensions: a plain loop beats {@link
   * Arrays#equals(int[], int[])}, whose mismatch intrinsic showed up in the profile of a small
   * training step.
   */
  static boolean equal(int[] a, int[] b) {
    if (a == b) {
      return true;
    }
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (a[i] != b[i]) {
        return false;
      }
    }
    return true;
  }

  /** NumPy/PyTorch broadcasting of two shapes, with PyTorch's error text. */
  static int[] broadcast(int[] a, int[] b) {
    if (equal(a, b)) {
      return a;
    }
    if (b.length == 0) {
      return a; // a 0-d operand broadcasts to anything
    }
    if (a.length == 0) {
      return b;
    }
    int ndim = Math.max(a.length, b.length);
    int[] out = new int[ndim];
    for (int i = ndim - 1; i >= 0; i--) {
      int offset = ndim - 1 - i;
      int ia = a.length - 1 - offset;
      int ib = b.length - 1 - offset;
      int sa = ia >= 0 ? a[ia] : 1;
      int sb = ib >= 0 ? b[ib] : 1;
      if (sa != sb && sa != 1 && sb != 1) {
        throw new IllegalArgumentException(
            "The size of tensor a ("
                + sa
                + ") must match the size of tensor b ("
                + sb
                + ") at non-singleton dimension "
                + i);
      }
      out[i] = sa == 1 ? sb : sa;
    }
    return out;
  }

  /** Wraps a possibly negative dimension index, with PyTorch's error text. */
  static int normalizeDim(int dim, int ndim) {
    int rank = Math.max(ndim, 1); // a 0-d tensor accepts dims -1 and 0
    if (dim < -rank || dim >= rank) {
      throw new IndexOutOfBoundsException(
          "Dimension out of range (expected to be in range of ["
              + (-rank)
              + ", "
              + (rank - 1)
              + "], but got "
              + dim
              + ")");
    }
    return dim < 0 ? dim + rank : dim;
  }

  /** Row-major strides of {@code shape} aligned right to rank {@code ndim}; 0 where broadcast. */
  static int[] broadcastStrides(int[] shape, int[] outShape) {
    int ndim = outShape.length;
    int[] strides = new int[ndim];
    int stride = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      int o = ndim - shape.length + i;
      strides[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : stride;
      stride *= shape[i];
    }
    return strides;
  }

  /** The shape with dimension {@code dim} removed, or set to 1 with {@code keepDim}. */
  static int[] reduceShape(int[] shape, int dim, boolean keepDim) {
    if (shape.length == 0) {
      return SCALAR;
    }
    if (keepDim) {
      int[] out = shape.clone();
      out[dim] = 1;
      return out;
    }
    int[] out = new int[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) {
      if (i != dim) {
        out[j++] = shape[i];
      }
    }
    return out;
  }

  /** Resolves a single {@code -1} in a reshape target, with PyTorch's error texts. */
  static int[] inferReshape(int[] target, int numel) {
    int[] out = target.clone();
    int infer = -1;
    int known = 1;
    for (int i = 0; i < out.length; i++) {
      if (out[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException("only one dimension can be inferred");
        }
        infer = i;
      } else if (out[i] < 0) {
        throw new IllegalArgumentException("invalid shape dimension " + out[i]);
      } else {
        known *= out[i];
      }
    }
    if (infer >= 0 && known != 0 && numel % known == 0) {
      out[infer] = numel / known;
      return out;
    }
    if (infer < 0 && known == numel) {
      return out;
    }
    throw new IllegalArgumentException(
        "shape '" + toList(target) + "' is invalid for input of size " + numel);
  }
}
