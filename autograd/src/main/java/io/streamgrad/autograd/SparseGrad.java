package io.streamgrad.autograd;

import java.util.Arrays;

/**
 * The sparse gradient of a 2-D leaf {@code [rows, width]} fed to a sparse op ({@link
 * Embeddings#bag}, {@link Embeddings#gather}): PyTorch's {@code weight.grad} when {@code
 * is_sparse}, kept coalesced. It holds only the rows a backward pass touched, each once, in the
 * order first touched; a row touched twice is summed. It accumulates over backward passes until
 * cleared ({@code zero_grad}), and its storage is reused, so a training loop allocates nothing once
 * warm. A step costs O(touched rows), never O(rows).
 */
public final class SparseGrad {

  private final int width;
  private final int rowCount;
  private int count;
  private int[] rows = new int[16];
  private float[] values;

  // Open addressing from a row to its slot; a generation stamp empties the table in O(1).
  private int[] keys = new int[32];
  private int[] slots = new int[32];
  private int[] stamps = new int[32];
  private int generation = 1;

  SparseGrad(int rowCount, int width) {
    this.rowCount = rowCount;
    this.width = width;
    this.values = new float[16 * width];
  }

  /** Values per row (the leaf's second dimension). */
  public int width() {
    return width;
  }

  /** The number of distinct rows with a gradient ({@code grad._nnz()} once coalesced). */
  public int size() {
    return count;
  }

  /** The index of the {@code k}-th row held, {@code 0 <= k < size()}. */
  public int row(int k) {
    return rows[k];
  }

  /**
   * The gradient values, row {@code k}'s at {@code [k * width, (k + 1) * width)}; only the first
   * {@code size() * width} are meaningful. The array itself, not a copy.
   */
  public float[] values() {
    return values;
  }

  /** Drops every row ({@code zero_grad}); the storage stays for the next pass. */
  public void clear() {
    count = 0;
    if (++generation == Integer.MAX_VALUE) {
      Arrays.fill(stamps, 0);
      generation = 1;
    }
  }

  /** The dense equivalent ({@code grad.to_dense()}), shape {@code [rows, width]}. */
  public Tensor toDense() {
    float[] out = new float[rowCount * width];
    addTo(out);
    return new Tensor(out, new int[] {rowCount, width});
  }

  /** Adds this gradient into a dense {@code [rows, width]} array. */
  void addTo(float[] dense) {
    for (int k = 0; k < count; k++) {
      int base = rows[k] * width;
      for (int j = 0; j < width; j++) {
        dense[base + j] += values[k * width + j];
      }
    }
  }

  /** Adds {@code scale * src[from, from + width)} to row {@code row}. */
  void add(int row, float scale, float[] src, int from) {
    int at = slotOf(row) * width;
    for (int j = 0; j < width; j++) {
      values[at + j] += scale * src[from + j];
    }
  }

  /** Adds {@code value} to a row of width 1. */
  void add(int row, float value) {
    int slot = slotOf(row); // first: it may grow the array
    values[slot] += value;
  }

  /** The slot of {@code row}, appended (zeroed) when the row is new. */
  private int slotOf(int row) {
    int mask = keys.length - 1;
    int h = mix(row) & mask;
    while (stamps[h] == generation) {
      if (keys[h] == row) {
        return slots[h];
      }
      h = (h + 1) & mask;
    }
    if (count == rows.length) {
      rows = Arrays.copyOf(rows, count * 2);
      values = Arrays.copyOf(values, count * 2 * width);
    }
    stamps[h] = generation;
    keys[h] = row;
    slots[h] = count;
    rows[count] = row;
    Arrays.fill(values, count * width, (count + 1) * width, 0f);
    int slot = count++;
    if (count * 2 > keys.length) {
      rehash();
    }
    return slot;
  }

  private void rehash() {
    int n = keys.length * 2;
    keys = new int[n];
    slots = new int[n];
    stamps = new int[n];
    generation = 1;
    int mask = n - 1;
    for (int k = 0; k < count; k++) {
      int h = mix(rows[k]) & mask;
      while (stamps[h] == generation) {
        h = (h + 1) & mask;
      }
      stamps[h] = generation;
      keys[h] = rows[k];
      slots[h] = k;
    }
  }

  private static int mix(int x) {
    int h = x * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
