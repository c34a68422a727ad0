package io.streamgrad.autograd;

/**
 * Sparse lookups into a 2-D weight {@code [rows, width]}, PyTorch's {@code embedding_bag} (sum
 * mode, {@code per_sample_weights}), {@code embedding} and {@code segment_reduce} (sum). With
 * {@code sparse}, a leaf weight's gradient is a {@link SparseGrad} holding only the rows a batch
 * touched ({@code sparse=True}): forward and backward cost O(non-zeros x width), never O(rows).
 */
public final class Embeddings {

  private Embeddings() {}

  /**
   * {@code out[b] = sum over row b's entries k of values[k] * weight[indices[k]]}, shape {@code
   * [batch.rows(), width]}: {@code F.embedding_bag(indices, weight, offsets, mode="sum",
   * per_sample_weights=values, include_last_offset=True, sparse=sparse)}. Duplicate indices in a
   * row are summed. The values are data: no gradient flows to them.
   */
  public static Tensor bag(Tensor weight, SparseBatch batch, boolean sparse) {
    int width = checkWeight(weight);
    checkIndices(weight, batch.indices(), batch.nnz());
    int rows = batch.rows();
    int[] idx = batch.indices();
    float[] val = batch.values();
    int[] off = batch.offsets();
    float[] w = weight.data;
    float[] out = new float[rows * width];
    if (width == 1) {
      for (int b = 0; b < rows; b++) {
        float s = 0f;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          s += val[k] * w[idx[k]];
        }
        out[b] = s;
      }
    } else {
      for (int b = 0; b < rows; b++) {
        int o = b * width;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          float v = val[k];
          int base = idx[k] * width;
          for (int j = 0; j < width; j++) {
            out[o + j] += v * w[base + j];
          }
        }
      }
    }
    Node node = null;
    if (Tensor.recording(weight)) {
      // The batch is reused by its owner: the closure keeps its own copy of the entries.
      int nnz = batch.nnz();
      int[] savedIdx = java.util.Arrays.copyOf(idx, nnz);
      float[] savedVal = java.util.Arrays.copyOf(val, nnz);
      int[] savedOff = java.util.Arrays.copyOf(off, rows + 1);
      node =
          new Node(
              "EmbeddingBagBackward0",
              (nd, g) -> {
                float[] gd = g.data;
                Tensor leaf = nd.leaf(0);
                if (sparse && leaf != null) {
                  SparseGrad sg = leaf.sparseGradForAccumulation();
                  for (int b = 0; b < rows; b++) {
                    for (int k = savedOff[b], end = savedOff[b + 1]; k < end; k++) {
                      if (width == 1) {
                        sg.add(savedIdx[k], savedVal[k] * gd[b]);
                      } else {
                        sg.add(savedIdx[k], savedVal[k], gd, b * width);
                      }
                    }
                  }
                  leaf.sparseGradChanged();
                  return new Tensor[] {null};
                }
                float[] dense = new float[nd.inputShape(0)[0] * width];
                for (int b = 0; b < rows; b++) {
                  for (int k = savedOff[b], end = savedOff[b + 1]; k < end; k++) {
                    int base = savedIdx[k] * width;
                    for (int j = 0; j < width; j++) {
                      dense[base + j] += savedVal[k] * gd[b * width + j];
                    }
                  }
                }
                return new Tensor[] {new Tensor(dense, nd.inputShape(0))};
              },
              weight);
    }
    return Tensor.result(out, new int[] {rows, width}, node);
  }

  /**
   * {@code weight[indices[0 .. n)]}, shape {@code [n, width]}: {@code F.embedding(indices, weight,
   * sparse=sparse)}.
   */
  public static Tensor gather(Tensor weight, int[] indices, int n, boolean sparse) {
    int width = checkWeight(weight);
    if (weight.dim() == 2 && n > 0) {
      for (int k = 0; k < n; k++) {
        if (indices[k] < 0 || indices[k] >= weight.shape[0]) {
          throw new IndexOutOfBoundsException("index out of range in self");
        }
      }
    }
    float[] w = weight.data;
    float[] out = new float[n * width];
    for (int k = 0; k < n; k++) {
      System.arraycopy(w, indices[k] * width, out, k * width, width);
    }
    Node node = null;
    if (Tensor.recording(weight)) {
      int[] savedIdx = java.util.Arrays.copyOf(indices, n);
      node =
          new Node(
              "EmbeddingBackward0",
              (nd, g) -> {
                Tensor leaf = nd.leaf(0);
                if (sparse && leaf != null) {
                  SparseGrad sg = leaf.sparseGradForAccumulation();
                  for (int k = 0; k < n; k++) {
                    sg.add(savedIdx[k], 1f, g.data, k * width);
                  }
                  leaf.sparseGradChanged();
                  return new Tensor[] {null};
                }
                float[] dense = new float[nd.inputShape(0)[0] * width];
                for (int k = 0; k < n; k++) {
                  int base = savedIdx[k] * width;
                  for (int j = 0; j < width; j++) {
                    dense[base + j] += g.data[k * width + j];
                  }
                }
                return new Tensor[] {new Tensor(dense, nd.inputShape(0))};
              },
              weight);
    }
    return Tensor.result(out, new int[] {n, width}, node);
  }

  /**
   * Sums consecutive rows of {@code x [n, width]} per segment: {@code out[b] = sum of x[offsets[b]
   * .. offsets[b+1])}, shape {@code [segments, width]} ({@code torch.segment_reduce(x, "sum",
   * offsets=offsets)}, which includes both ends).
   */
  public static Tensor segmentSum(Tensor x, int[] offsets, int segments) {
    if (x.dim() != 2) {
      throw new IllegalArgumentException("segment sum expects a 2-D input, got " + x.dim() + "-D");
    }
    int width = x.shape[1];
    if (offsets.length < segments + 1 || offsets[0] != 0 || offsets[segments] != x.shape[0]) {
      throw new IllegalArgumentException(
          "offsets must run from 0 to " + x.shape[0] + " over " + segments + " segments");
    }
    float[] out = new float[segments * width];
    float[] xd = x.data;
    for (int b = 0; b < segments; b++) {
      if (offsets[b + 1] < offsets[b]) {
        throw new IllegalArgumentException("offsets must be non-decreasing");
      }
      for (int k = offsets[b]; k < offsets[b + 1]; k++) {
        for (int j = 0; j < width; j++) {
          out[b * width + j] += xd[k * width + j];
        }
      }
    }
    Node node = null;
    if (Tensor.recording(x)) {
      int[] savedOff = java.util.Arrays.copyOf(offsets, segments + 1);
      int n = x.shape[0];
      node =
          new Node(
              "SegmentReduceBackward0",
              (nd, g) -> {
                float[] gx = new float[n * width];
                for (int b = 0; b < segments; b++) {
                  for (int k = savedOff[b]; k < savedOff[b + 1]; k++) {
                    System.arraycopy(g.data, b * width, gx, k * width, width);
                  }
                }
                return new Tensor[] {new Tensor(gx, nd.inputShape(0))};
              },
              x);
    }
    return Tensor.result(out, new int[] {segments, width}, node);
  }

  private static int checkWeight(Tensor weight) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          "'weight' must be 2-D, got a " + weight.dim() + "-D tensor");
    }
    return weight.shape[1];
  }

  private static void checkIndices(Tensor weight, int[] indices, int n) {
    int rows = weight.shape[0];
    for (int k = 0; k < n; k++) {
      int i = indices[k];
      if (i < 0 || i >= rows) {
        throw new IndexOutOfBoundsException(
            "Index "
                + k
                + " of input takes value "
                + i
                + " which is not in the valid range [0, "
                + rows
                + ")");
      }
    }
  }
}
