package io.streamgrad.autograd;

import java.util.Arrays;

/**
 * A batch of sparse rows in CSR form: row {@code b} holds {@code indices[offsets[b] ..
 * offsets[b+1])} with their {@code values} (PyTorch's {@code embedding_bag} input, offsets and
 * {@code per_sample_weights}, with the last offset included). Filled row by row and reused: {@link
 * #clear} keeps the arrays, so a training loop allocates nothing once warm.
 */
public final class SparseBatch {

  private int rows;
  private int nnz;
  private int version;
  private int[] offsets = new int[17];
  private int[] indices = new int[64];
  private float[] values = new float[64];

  /** An empty batch. */
  public SparseBatch() {}

  /** A batch of the given rows; {@code values[b]} pairs with {@code indices[b]}. */
  public static SparseBatch of(int[][] indices, float[][] values) {
    if (indices.length != values.length) {
      throw new IllegalArgumentException(
          indices.length + " index rows but " + values.length + " value rows");
    }
    SparseBatch b = new SparseBatch();
    for (int r = 0; r < indices.length; r++) {
      b.addRow(indices[r], values[r], 0, indices[r].length);
    }
    return b;
  }

  /** Empties the batch, keeping its storage. */
  public SparseBatch clear() {
    version++;
    rows = 0;
    nnz = 0;
    return this;
  }

  /** Appends a row of {@code length} entries read from {@code from} in both arrays. */
  public SparseBatch addRow(int[] rowIndices, float[] rowValues, int from, int length) {
    if (rowValues.length - from < length || rowIndices.length - from < length) {
      throw new IllegalArgumentException("a row of " + length + " entries needs as many of each");
    }
    version++;
    reserve(nnz + length);
    System.arraycopy(rowIndices, from, indices, nnz, length);
    System.arraycopy(rowValues, from, values, nnz, length);
    nnz += length;
    endRow();
    return this;
  }

  /** Appends one entry to the row being built; {@link #endRow} closes it. */
  public void add(int index, float value) {
    version++;
    reserve(nnz + 1);
    indices[nnz] = index;
    values[nnz++] = value;
  }

  /** Closes the row being built (possibly empty). */
  public void endRow() {
    version++;
    if (rows + 2 > offsets.length) {
      offsets = Arrays.copyOf(offsets, offsets.length * 2);
    }
    offsets[++rows] = nnz;
  }

  private void reserve(int n) {
    if (n > indices.length) {
      int size = Math.max(n, indices.length * 2);
      indices = Arrays.copyOf(indices, size);
      values = Arrays.copyOf(values, size);
    }
  }

  /** Changes so far: an op that saved this batch for backward checks it is still the same. */
  public int version() {
    return version;
  }

  /** Rows in the batch. */
  public int rows() {
    return rows;
  }

  /** Entries over all rows. */
  public int nnz() {
    return nnz;
  }

  /** Where row {@code b} starts; {@code offset(rows())} is {@link #nnz()}. */
  public int offset(int b) {
    return offsets[b];
  }

  /** The entries' indices; only the first {@link #nnz()} are meaningful. The array itself. */
  public int[] indices() {
    return indices;
  }

  /** The entries' values; only the first {@link #nnz()} are meaningful. The array itself. */
  public float[] values() {
    return values;
  }

  /** The row offsets, {@code rows() + 1} meaningful. The array itself. */
  public int[] offsets() {
    return offsets;
  }
}
