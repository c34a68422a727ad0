package io.streamgrad.online.train;

import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * One model's pending mini-batch: features, labels and sample weights copied row by row into
 * reusable buffers (and, for a model with sparse tables, each row's sparse part). Grown to a full
 * batch on demand: a model that only ever sees a few samples (one per user among millions) keeps a
 * few rows, not a batch. Once full, tensors wrap the buffers: a step copies nothing.
 */
final class BatchBuffer {

  /** Rows a new buffer starts with; they double up to the batch size. */
  static final int INITIAL_ROWS = 2;

  private final int features;
  private final int batchSize;
  private final SparseBatch sparse; // null: no sparse part
  private float[] x;
  private float[] y;
  private float[] w;
  private Tensor xFull;
  private Tensor yFull;
  private Tensor wFull;
  private int count;

  BatchBuffer(int features, int batchSize, boolean sparse) {
    this.features = features;
    this.batchSize = batchSize;
    this.sparse = sparse ? new SparseBatch() : null;
    allocate(Math.min(batchSize, INITIAL_ROWS));
  }

  private void allocate(int rows) {
    float[] nx = new float[rows * features];
    float[] ny = new float[rows];
    float[] nw = new float[rows];
    if (x != null) {
      System.arraycopy(x, 0, nx, 0, count * features);
      System.arraycopy(y, 0, ny, 0, count);
      System.arraycopy(w, 0, nw, 0, count);
    }
    x = nx;
    y = ny;
    w = nw;
    if (rows == batchSize) {
      xFull = Tensor.wrap(x, batchSize, features);
      yFull = Tensor.wrap(y, batchSize);
      wFull = Tensor.wrap(w, batchSize);
    }
  }

  private void ensureRows(int rows) {
    if (y.length < rows) {
      allocate(Math.min(batchSize, Math.max(rows, 2 * y.length)));
    }
  }

  boolean hasSparsePart() {
    return sparse != null;
  }

  /** Copies a row's dense part into the next row (then {@link #commit} it). */
  void copyDense(float[] row) {
    if (count == y.length) {
      ensureRows(count + 1);
    }
    System.arraycopy(row, 0, x, count * features, features);
  }

  /** The next row's sparse part ({@code indices[0, n)} with their values). */
  void copySparse(int[] indices, float[] values) {
    sparse.addRow(indices, values, 0, indices.length);
  }

  /** A row without a sparse part, for a model that has sparse tables. */
  void noSparsePart() {
    if (sparse != null) {
      sparse.endRow();
    }
  }

  /** Ends the row with its label and weight; true when the batch is full. */
  boolean commit(float label, float weight) {
    y[count] = label;
    w[count] = weight;
    count++;
    return count == batchSize;
  }

  int count() {
    return count;
  }

  /** The pending rows' features (a copy for a partial batch, which is rare). */
  Tensor features() {
    return count == batchSize
        ? xFull
        : Tensor.wrap(Arrays.copyOf(x, count * features), count, features);
  }

  Tensor labels() {
    return count == batchSize ? yFull : Tensor.wrap(Arrays.copyOf(y, count), count);
  }

  Tensor weights() {
    return count == batchSize ? wFull : Tensor.wrap(Arrays.copyOf(w, count), count);
  }

  /** The raw features, row-major, {@link #count} rows valid. */
  float[] rawFeatures() {
    return x;
  }

  /** The raw labels, {@link #count} valid. */
  float[] rawLabels() {
    return y;
  }

  SparseBatch sparse() {
    return sparse;
  }

  void clear() {
    count = 0;
    if (sparse != null) {
      sparse.clear();
    }
  }

  /** Row {@code i}'s features as it arrived into {@code row}; its label and weight. */
  void row(int i, float[] row, float[] labelAndWeight) {
    System.arraycopy(x, i * features, row, 0, features);
    labelAndWeight[0] = y[i];
    labelAndWeight[1] = w[i];
  }

  /** Row {@code i}'s sparse part as the Avro sample's lists (nothing without one). */
  void sparseRow(int i, List<Integer> indices, List<Float> values) {
    if (sparse == null) {
      return;
    }
    for (int k = sparse.offset(i); k < sparse.offset(i + 1); k++) {
      indices.add(sparse.indices()[k]);
      values.add(sparse.values()[k]);
    }
  }

  /** About what the buffers hold on the heap now. */
  long heapBytes() {
    return 4L * y.length * (features + 2);
  }

  void copyTo(TrainerState s) {
    if (sparse != null) {
      s.batchSparseOffsets = Arrays.copyOf(sparse.offsets(), count + 1);
      int nnz = sparse.nnz();
      s.batchSparseIndices = Arrays.copyOf(sparse.indices(), nnz);
      s.batchSparseValues = Arrays.copyOf(sparse.values(), nnz);
    }
    s.batchCount = count;
    s.batchFeatures = Arrays.copyOf(x, count * features);
    s.batchLabels = Arrays.copyOf(y, count);
    s.batchWeights = Arrays.copyOf(w, count);
  }

  /** Loads a partial batch taken by {@link #copyTo} (of at most a batch: the caller checks). */
  void copyFrom(TrainerState s) {
    if (sparse != null) {
      sparse.clear();
      for (int r = 0; r < s.batchCount; r++) {
        int from = s.batchSparseOffsets[r];
        sparse.addRow(
            s.batchSparseIndices, s.batchSparseValues, from, s.batchSparseOffsets[r + 1] - from);
      }
    }
    count = 0;
    ensureRows(s.batchCount);
    count = s.batchCount;
    System.arraycopy(s.batchFeatures, 0, x, 0, count * features);
    System.arraycopy(s.batchLabels, 0, y, 0, count);
    System.arraycopy(s.batchWeights, 0, w, 0, count);
  }
}
