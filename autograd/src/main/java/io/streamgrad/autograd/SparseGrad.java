package io.streamgrad.autograd;

/**
 * The sparse gradient of a 2-D leaf {@code [rows, width]} fed to a sparse op ({@link
 * Embeddings#bag}, {@link Embeddings#gather}): PyTorch's {@code weight.grad} when {@code
 * is_sparse}. Like PyTorch's, it is built uncoalesced: backward appends one entry (a row index and
 * {@code width} values) per lookup, so a row looked up twice appears twice, at the cost of a
 * sequential write. {@link #coalesce()} sums the duplicates in place (first-seen order), for
 * optimizers whose update is not linear in the gradient. It accumulates over backward passes until
 * cleared ({@code zero_grad}) and reuses its storage: a training loop allocates nothing once warm,
 * and a step costs O(entries), never O(rows).
 */
public final class SparseGrad {

  private final int width;
  private final int rowCount;
  private int count;
  private boolean coalesced = true;
  private int[] rows = new int[16];
  private float[] values;

  // Open addressing from a row to 1 + its kept entry (0: empty slot), for coalesce(): one int per
  // slot, so a batch's table stays in L1; emptied after each use.
  private int[] table = new int[64];
  // keys[e] is the row of kept entry e - 1; keys[0] holds the row being looked up, a sentinel that
  // ends a probe at an empty slot with the same comparison that ends it at a match.
  private int[] keys = new int[17];

  SparseGrad(int rowCount, int width) {
    this.rowCount = rowCount;
    this.width = width;
    this.values = new float[16 * width];
  }

  /** Values per row (the leaf's second dimension). */
  public int width() {
    return width;
  }

  /** The number of entries ({@code grad._nnz()}); rows may repeat until {@link #coalesce()}. */
  public int size() {
    return count;
  }

  /** The row of entry {@code k}, {@code 0 <= k < size()}. */
  public int row(int k) {
    return rows[k];
  }

  /**
   * The entries' values, entry {@code k}'s at {@code [k * width, (k + 1) * width)}; only the first
   * {@code size() * width} are meaningful. The array itself, not a copy.
   */
  public float[] values() {
    return values;
  }

  /** Whether every row appears at most once ({@code grad.is_coalesced()}). */
  public boolean isCoalesced() {
    return coalesced;
  }

  /** Multiplies every value by {@code factor} in place (gradient clipping). */
  public void scale(float factor) {
    for (int i = 0, n = count * width; i < n; i++) {
      values[i] *= factor;
    }
  }

  /** Drops every entry ({@code zero_grad}); the storage stays for the next pass. */
  public void clear() {
    count = 0;
    coalesced = true;
  }

  /**
   * Sums the entries of each row into its first one and drops the others ({@code grad.coalesce()},
   * in place, first-seen order kept); returns this.
   */
  public SparseGrad coalesce() {
    if (coalesced) {
      return this;
    }
    if (count * 2 > table.length) {
      table = new int[Integer.highestOneBit(count * 2 - 1) << 1];
    }
    if (keys.length < count + 1) {
      keys = new int[rows.length + 1];
    }
    int[] t = table;
    int[] key = keys;
    int mask = t.length - 1;
    int kept = 0;
    for (int k = 0; k < count; k++) {
      int row = rows[k];
      key[0] = row;
      int h = mix(row) & mask;
      int e;
      while (key[e = t[h]] != row) {
        h = (h + 1) & mask; // a collision: rare at load <= 1/2
      }
      // Whether the row is new decides nothing by branching (it is a coin flip for the branch
      // predictor on real data): the entry goes to slot `kept` or adds to its earlier one.
      int isNew = (e - 1) >>> 31;
      int target = e - 1 + isNew * (kept + 1 - e);
      t[h] = target + 1;
      key[target + 1] = row;
      rows[target] = row;
      if (width == 1) {
        float earlier = Float.intBitsToFloat(Float.floatToRawIntBits(values[target]) & (isNew - 1));
        values[target] = earlier + values[k];
      } else if (isNew == 0) {
        for (int j = 0; j < width; j++) {
          values[target * width + j] += values[k * width + j];
        }
      } else {
        System.arraycopy(values, k * width, values, target * width, width);
      }
      kept += isNew;
    }
    java.util.Arrays.fill(t, 0);
    count = kept;
    coalesced = true;
    return this;
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

  /**
   * Appends the gradient of a bag lookup: entry {@code k} of bag {@code b} gets {@code values[k] *
   * g[b]} (times each of the bag's {@code width} output gradients), in one pass.
   */
  void addBags(int[] indices, float[] perSample, int[] offsets, int bags, float[] g) {
    int n = offsets[bags];
    if (count + n > rows.length) {
      int size = Math.max(count + n, rows.length * 2);
      rows = java.util.Arrays.copyOf(rows, size);
      values = java.util.Arrays.copyOf(values, size * width);
    }
    int[] r = rows;
    float[] v = values;
    int at = count;
    for (int b = 0; b < bags; b++) {
      for (int k = offsets[b], end = offsets[b + 1]; k < end; k++, at++) {
        r[at] = indices[k];
        if (width == 1) {
          v[at] = perSample[k] * g[b];
        } else {
          for (int j = 0; j < width; j++) {
            v[at * width + j] = perSample[k] * g[b * width + j];
          }
        }
      }
    }
    if (n > 0) {
      count = at;
      coalesced = false;
    }
  }

  /** Appends {@code scale * src[from, from + width)} as an entry of row {@code row}. */
  void add(int row, float scale, float[] src, int from) {
    int at = append(row) * width;
    for (int j = 0; j < width; j++) {
      values[at + j] = scale * src[from + j];
    }
  }

  /** Appends {@code value} as an entry of row {@code row} (width 1). */
  void add(int row, float value) {
    int at = append(row); // first: it may grow the array
    values[at] = value;
  }

  private int append(int row) {
    if (count == rows.length) {
      rows = java.util.Arrays.copyOf(rows, count * 2);
      values = java.util.Arrays.copyOf(values, count * 2 * width);
    }
    rows[count] = row;
    coalesced = false;
    return count++;
  }

  private static int mix(int x) {
    int h = x * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
