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
    int tableRows = weight.shape[0];
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
          int i = idx[k];
          if (Integer.compareUnsigned(i, tableRows) >= 0) {
            throw outOfRange(k, i, tableRows);
          }
          s += val[k] * w[i];
        }
        out[b] = s;
      }
    } else {
      for (int b = 0; b < rows; b++) {
        int o = b * width;
        for (int k = off[b], end = off[b + 1]; k < end; k++) {
          float v = val[k];
          if (Integer.compareUnsigned(idx[k], tableRows) >= 0) {
            throw outOfRange(k, idx[k], tableRows);
          }
          int base = idx[k] * width;
          for (int j = 0; j < width; j++) {
            out[o + j] += v * w[base + j];
          }
        }
      }
    }
    Node node = null;
    if (Tensor.recording(weight)) {
      // The batch is saved, not copied; its version catches a refill before backward.
      int savedVersion = batch.version();
      node =
          new Node(
              "EmbeddingBagBackward0",
              (nd, g) -> {
                checkUnchanged(batch, savedVersion);
                int[] savedIdx = batch.indices();
                float[] savedVal = batch.values();
                int[] savedOff = batch.offsets();
                float[] gd = g.data;
                Tensor leaf = nd.leaf(0);
                if (sparse && leaf != null) {
                  leaf.sparseGradForAccumulation().addBags(savedIdx, savedVal, savedOff, rows, gd);
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

  private static void checkUnchanged(SparseBatch batch, int savedVersion) {
    if (batch.version() != savedVersion) {
      throw new IllegalStateException(
          "one of the variables needed for gradient computation has been modified by an inplace"
              + " operation: the SparseBatch of an embedding bag was changed after its forward"
              + " (version "
              + batch.version()
              + "; expected version "
              + savedVersion
              + "): refill it after backward");
    }
  }

  private static IndexOutOfBoundsException outOfRange(int k, int value, int rows) {
    return new IndexOutOfBoundsException(
        "Index "
            + k
            + " of input takes value "
            + value
            + " which is not in the valid range [0, "
            + rows
            + ")");
  }
}
