package io.streamgrad.online.train;

import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Optimizer;
import java.util.Arrays;
import java.util.List;

/**
 * A sparse model's tables ({@code Model.sparseTables()}: rows looked up by hashed features) as a
 * trainer keeps them: by chunks of {@link #CHUNK_ROWS} rows, each with its weights and optimizer
 * slots, so that what a step touched is all a checkpoint writes ({@link #takeDirty}) and all the
 * divergence guard backs up ({@link #backUp}). A chunk is {@code [weights | slot 0 | slot 1 ...]},
 * {@code rows x width} floats each.
 *
 * <p>Not thread-safe: one per trainer.
 */
final class SparseTables {

  /**
   * Rows per chunk. Small, because hashing scatters a step's rows over the whole table: with 1,024
   * rows a chunk, one step of 64 x 30 coordinates dirtied 645 of 2^20's 1,024 chunks (63% of the
   * model); with 16, about 1,000 of 65,536 (1.5%). A chunk of a width-1 FTRL table is 192 bytes.
   */
  static final int CHUNK_ROWS = 16;

  private final Optimizer optimizer;
  private final Tensor[] tables;
  private final int[] paramIndex; // each table's index among the optimizer's parameters
  private final int[] firstChunk; // global id of each table's chunk 0
  private final int slots;
  private final boolean optimizerUndoes;
  private final long[][] dirty;
  private final int totalChunks;

  // Rows changed since the last published snapshot, for its delta: a bit per row and their list.
  private final long[][] changed;
  private final int[][] changedRows;
  private final int[] changedCount;

  // Rows the current step touches (coalesced gradient rows), their weights before it (table after
  // table) and, unless the optimizer undoes its own steps, their optimizer slots before it.
  private final int[][] touched;
  private final int[] touchedCount;
  private float[] before = new float[0];
  private float[] backup = new float[0];

  /** A dense model's: no tables (shared, so that a million dense trainers do not pay for it). */
  static final SparseTables NONE = new SparseTables(List.of(), List.of(), null);

  /** The tables of a model: {@link #NONE} when it has none. */
  static SparseTables of(List<Tensor> params, List<Tensor> sparse, Optimizer optimizer) {
    return sparse.isEmpty() ? NONE : new SparseTables(params, sparse, optimizer);
  }

  private SparseTables(List<Tensor> params, List<Tensor> sparse, Optimizer optimizer) {
    this.optimizer = optimizer;
    this.tables = sparse.toArray(new Tensor[0]);
    this.paramIndex = new int[tables.length];
    this.firstChunk = new int[tables.length];
    this.dirty = new long[tables.length][];
    this.touched = new int[tables.length][];
    this.touchedCount = new int[tables.length];
    this.changed = new long[tables.length][];
    this.changedRows = new int[tables.length][];
    this.changedCount = new int[tables.length];
    this.slots = optimizer == null ? 0 : optimizer.slotNames().size();
    // The optimizer's own undo of a step, where it keeps one: the divergence guard copies nothing.
    this.optimizerUndoes = optimizer != null && optimizer.keepSparseUndo();
    int chunks = 0;
    for (int t = 0; t < tables.length; t++) {
      paramIndex[t] = indexOf(params, tables[t]);
      firstChunk[t] = chunks;
      int n = chunksOf(t);
      dirty[t] = new long[(n + 63) / 64];
      touched[t] = new int[64];
      changed[t] = new long[(rows(t) + 63) / 64];
      changedRows[t] = new int[64];
      chunks += n;
    }
    this.totalChunks = chunks;
  }

  private static int indexOf(List<Tensor> params, Tensor t) {
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i) == t) {
        return i;
      }
    }
    throw new IllegalArgumentException("a sparse table is not among the model's parameters");
  }

  boolean isEmpty() {
    return tables.length == 0;
  }

  /** Whether {@code t} is one of the tables. */
  boolean contains(Tensor t) {
    for (Tensor table : tables) {
      if (table == t) {
        return true;
      }
    }
    return false;
  }

  /** Floats the tables and their optimizer slots hold. */
  long elements() {
    long n = 0;
    for (Tensor t : tables) {
      n += (long) t.numel() * (1 + slots);
    }
    return n;
  }

  private int rows(int t) {
    return tables[t].shape()[0];
  }

  private int width(int t) {
    return tables[t].shape()[1];
  }

  private int chunksOf(int t) {
    return (rows(t) + CHUNK_ROWS - 1) / CHUNK_ROWS;
  }

  // ---- one step ------------------------------------------------------------------------------

  /** Sum of the squared (coalesced) sparse gradients. */
  double gradSquares() {
    double sq = 0;
    for (Tensor t : tables) {
      SparseGrad g = t.sparseGrad();
      if (g != null) {
        g.coalesce();
        float[] v = g.values();
        for (int i = 0, n = g.size() * g.width(); i < n; i++) {
          sq += (double) v[i] * v[i];
        }
      }
    }
    return sq;
  }

  void scaleGrads(float factor) {
    for (Tensor t : tables) {
      if (t.sparseGrad() != null) {
        t.sparseGrad().scale(factor);
      }
    }
  }

  /**
   * Notes the rows the step will touch and copies their weights (which tell, after the step, the
   * rows whose published value changed) and, unless the optimizer keeps them itself as it updates
   * ({@link Optimizer#keepSparseUndo}), their optimizer slots.
   */
  void backUp() {
    int weights = 0;
    for (int t = 0; t < tables.length; t++) {
      SparseGrad g = tables[t].sparseGrad();
      int n = g == null ? 0 : g.coalesce().size();
      if (touched[t].length < n) {
        touched[t] = new int[Math.max(n, 2 * touched[t].length)];
      }
      for (int k = 0; k < n; k++) {
        touched[t][k] = g.row(k);
      }
      touchedCount[t] = n;
      weights += n * width(t);
    }
    if (before.length < weights) {
      before = new float[Math.max(weights, 2 * before.length)];
    }
    copyTouchedWeights(true);
    if (optimizerUndoes) {
      return;
    }
    if (backup.length < weights * slots) {
      backup = new float[weights * slots];
    }
    copyTouchedSlots(true);
  }

  /** Puts the touched rows back as they were before the step. */
  void restore() {
    if (optimizerUndoes) {
      optimizer.undoSparseUpdates();
    } else {
      copyTouchedWeights(false);
      copyTouchedSlots(false);
    }
    for (Tensor t : tables) {
      t.markModified();
    }
  }

  /** The touched rows' weights into {@link #before} ({@code save}) or back, table after table. */
  private void copyTouchedWeights(boolean save) {
    int at = 0;
    for (int t = 0; t < tables.length; t++) {
      float[] w = tables[t].storage();
      int width = width(t);
      int n = touchedCount[t];
      int[] rows = touched[t];
      for (int k = 0; k < n; k++) {
        for (int j = 0, row = rows[k] * width, was = at + k * width; j < width; j++) {
          if (save) {
            before[was + j] = w[row + j];
          } else {
            w[row + j] = before[was + j];
          }
        }
      }
      at += n * width;
    }
  }

  /** Per table: the touched rows' optimizer slots (slot-major) into {@link #backup}, or back. */
  private void copyTouchedSlots(boolean save) {
    int at = 0;
    for (int t = 0; t < tables.length; t++) {
      int width = width(t);
      int n = touchedCount[t];
      if (save) {
        optimizer.readRows(paramIndex[t], touched[t], n, width, backup, at);
      } else {
        optimizer.writeRows(paramIndex[t], touched[t], n, width, backup, at);
      }
      at += slots * n * width;
    }
  }

  /** Whether every touched weight is finite after the step. */
  boolean touchedFinite() {
    for (int t = 0; t < tables.length; t++) {
      float[] w = tables[t].storage();
      int width = width(t);
      for (int k = 0; k < touchedCount[t]; k++) {
        int from = touched[t][k] * width;
        for (int j = 0; j < width; j++) {
          if (!Float.isFinite(w[from + j])) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * After a kept step: the chunks of the touched rows need writing, and the rows whose weights the
   * step changed publishing. A touched row can keep its weight bit for bit (FTRL's L1 keeps most
   * rare features at exactly zero while their z and n move): a reader has that value already, so
   * the next delta leaves it out.
   */
  void markTouchedDirty() {
    int at = 0;
    for (int t = 0; t < tables.length; t++) {
      long[] bits = dirty[t];
      long[] rowBits = changed[t];
      float[] w = tables[t].storage();
      int width = width(t);
      int n = touchedCount[t];
      int[] rows = touched[t];
      if (changedCount[t] + n > changedRows[t].length) {
        changedRows[t] = Arrays.copyOf(changedRows[t], 2 * (changedCount[t] + n));
      }
      int[] list = changedRows[t];
      int count = changedCount[t];
      // Branch-free: whether a row changed, and whether it changed already since the last
      // publication, are coin flips for the branch predictor.
      for (int k = 0; k < n; k++) {
        int row = rows[k];
        int c = row / CHUNK_ROWS;
        bits[c >>> 6] |= 1L << c;
        int diff = 0;
        for (int j = 0, from = row * width, was = at + k * width; j < width; j++) {
          diff |= Float.floatToRawIntBits(w[from + j]) ^ Float.floatToRawIntBits(before[was + j]);
        }
        int moved = (diff | -diff) >>> 31; // 1 when any bit of the row changed
        long word = rowBits[row >>> 6];
        int isNew = (int) (~word >>> row) & moved;
        rowBits[row >>> 6] = word | ((long) moved << row);
        list[count] = row;
        count += isNew;
      }
      changedCount[t] = count;
      at += n * width;
    }
  }

  // ---- publication
  // -------------------------------------------------------------------------------

  int tableCount() {
    return tables.length;
  }

  /**
   * Table {@code t}'s rows to publish, ascending: every non-zero row ({@code full}), or every row
   * changed since the last call. Forgets the changes either way.
   */
  int[] takeRows(int t, boolean full) {
    int[] rows;
    if (full) {
      rows = nonZeroRows(tables[t]);
    } else if (changedCount[t] * 16L > changed[t].length) {
      // Many changes: the bitset, word by word, gives them in order without a sort, cleared on
      // the way (no second, random pass over the rows).
      return drainChanged(t);
    } else {
      rows = Arrays.copyOf(changedRows[t], changedCount[t]);
      Arrays.sort(rows);
    }
    for (int k = 0; k < changedCount[t]; k++) {
      int row = changedRows[t][k];
      changed[t][row >>> 6] &= ~(1L << row);
    }
    changedCount[t] = 0;
    return rows;
  }

  /** The changed rows of table {@code t} from its bitset, ascending, which it clears. */
  private int[] drainChanged(int t) {
    int count = changedCount[t];
    if (changedRows[t].length < count + 2) {
      changedRows[t] = new int[count + 2];
    }
    // The list of changed rows, about to be forgotten, is the scratch.
    int n = drainBits(changed[t], changedRows[t], 0, 0);
    changedCount[t] = 0;
    return Arrays.copyOf(changedRows[t], n);
  }

  /**
   * Writes {@code offset} plus the position of each set bit of {@code words} (word i's bit b is at
   * {@code 64 i + b}) into {@code out} from index {@code n}, ascending, clears the words and
   * returns the index after the last. {@code out} needs two slots more than that: how many bits a
   * word holds is a coin flip for the branch predictor (mostly none or one), so a word's first two
   * positions are written whether they exist or not, the index moves by its bit count, and only a
   * word of three or more loops.
   */
  private static int drainBits(long[] words, int[] out, int n, int offset) {
    for (int i = 0; i < words.length; i++) {
      long b = words[i];
      int base = offset + (i << 6);
      int c = Long.bitCount(b);
      out[n] = base + Long.numberOfTrailingZeros(b);
      b &= b - 1;
      out[n + 1] = base + Long.numberOfTrailingZeros(b);
      if (c > 2) {
        for (int k = n + 2; (b &= b - 1) != 0; k++) {
          out[k] = base + Long.numberOfTrailingZeros(b);
        }
      }
      n += c;
      words[i] = 0;
    }
    return n;
  }

  /** Table {@code t}'s name-independent shape: rows and width. */
  int[] shape(int t) {
    return tables[t].shape();
  }

  /** The values of {@code rows} of table {@code t}, {@code width} per row. */
  float[] rowValues(int t, int[] rows) {
    return rowValues(tables[t], rows);
  }

  /**
   * The rows of {@code table} ({@code [rows, width]}) with a non-zero value, ascending: a bit per
   * row, set without branching (whether a row of an L1-regularized table is zero is a coin flip for
   * the branch predictor), then {@link #drainBits}.
   */
  static int[] nonZeroRows(Tensor table) {
    float[] w = table.storage();
    int width = table.shape()[1];
    int total = table.shape()[0];
    long[] words = new long[(total + 63) >>> 6];
    int n = 0;
    for (int i = 0; i < words.length; i++) {
      int base = i << 6;
      int end = Math.min(64, total - base);
      long word = 0;
      if (width == 1) { // the common table: 2.5x faster than the general loop below at width 1
        for (int j = 0; j < end; j++) {
          int v = Float.floatToRawIntBits(w[base + j]) << 1; // the sign shifted out: -0 is 0
          word |= (long) ((v | -v) >>> 31) << j;
        }
      } else {
        for (int j = 0; j < end; j++) {
          int any = 0;
          for (int k = 0, at = (base + j) * width; k < width; k++) {
            any |= Float.floatToRawIntBits(w[at + k]) << 1;
          }
          word |= (long) ((any | -any) >>> 31) << j;
        }
      }
      words[i] = word;
      n += Long.bitCount(word);
    }
    int[] out = new int[n + 2];
    drainBits(words, out, 0, 0);
    return Arrays.copyOf(out, n);
  }

  /** The values of {@code rows} of {@code table}, its width per row. */
  static float[] rowValues(Tensor table, int[] rows) {
    int width = table.shape()[1];
    float[] w = table.storage();
    float[] out = new float[rows.length * width];
    for (int k = 0; k < rows.length; k++) {
      System.arraycopy(w, rows[k] * width, out, k * width, width);
    }
    return out;
  }

  /** Table {@code t} among the model's parameters. */
  int paramIndex(int t) {
    return paramIndex[t];
  }

  /**
   * Writes {@code values} ({@code width} per row) into rows {@code rows} of table {@code t}, tells
   * the optimizer (whose state may derive the weights), and marks their chunks for writing.
   */
  void loadRows(int t, int[] rows, float[] values) {
    int width = width(t);
    float[] w = tables[t].storage();
    for (int k = 0; k < rows.length; k++) {
      int row = rows[k];
      if (row < 0 || row >= rows(t)) {
        throw new IllegalArgumentException("row " + row + " outside table " + t);
      }
      System.arraycopy(values, k * width, w, row * width, width);
      int c = row / CHUNK_ROWS;
      dirty[t][c >>> 6] |= 1L << c;
    }
    tables[t].markModified();
    if (optimizer != null) {
      optimizer.weightsLoaded(paramIndex[t], rows, rows.length, width);
    }
  }

  /** Marks every chunk dirty (after the whole model changed: a reset). */
  void markAllDirty() {
    for (int t = 0; t < tables.length; t++) {
      int n = chunksOf(t);
      for (int c = 0; c < n; c++) {
        dirty[t][c >>> 6] |= 1L << c;
      }
    }
  }

  // ---- chunks ----------------------------------------------------------------------------------

  int totalChunks() {
    return totalChunks;
  }

  /** The global ids of the chunks changed since the last call, which forgets them. */
  int[] takeDirty() {
    int n = 0;
    for (long[] bits : dirty) {
      for (long b : bits) {
        n += Long.bitCount(b);
      }
    }
    int[] out = new int[n + 2];
    int at = 0;
    for (int t = 0; t < tables.length; t++) {
      at = drainBits(dirty[t], out, at, firstChunk[t]);
    }
    return Arrays.copyOf(out, n);
  }

  private int tableOf(int chunk) {
    if (chunk < 0 || chunk >= totalChunks) {
      throw new IllegalArgumentException(
          "chunk " + chunk + " out of range [0, " + totalChunks + ")");
    }
    int t = tables.length - 1;
    while (firstChunk[t] > chunk) {
      t--;
    }
    return t;
  }

  /** Chunk {@code chunk}'s weights and slots, a new array. */
  float[] chunk(int chunk) {
    int t = tableOf(chunk);
    int c = chunk - firstChunk[t];
    int width = width(t);
    int from = c * CHUNK_ROWS * width;
    int n = Math.min(CHUNK_ROWS, rows(t) - c * CHUNK_ROWS) * width;
    float[] out = new float[n * (1 + slots)];
    System.arraycopy(tables[t].storage(), from, out, 0, n);
    for (int s = 0; s < slots; s++) {
      optimizer.readSlot(s, paramIndex[t], from, n, out, (1 + s) * n);
    }
    return out;
  }

  /** Loads a chunk written by {@link #chunk}. */
  void loadChunk(int chunk, float[] data) {
    int t = tableOf(chunk);
    int c = chunk - firstChunk[t];
    int width = width(t);
    int from = c * CHUNK_ROWS * width;
    int n = Math.min(CHUNK_ROWS, rows(t) - c * CHUNK_ROWS) * width;
    if (data.length != n * (1 + slots)) {
      throw new IllegalStateException(
          "chunk "
              + chunk
              + " holds "
              + data.length
              + " values, expected "
              + n * (1 + slots)
              + ": was the model or its optimizer changed?");
    }
    System.arraycopy(data, 0, tables[t].storage(), from, n);
    for (int s = 0; s < slots; s++) {
      optimizer.writeSlot(s, paramIndex[t], from, n, data, (1 + s) * n);
    }
    tables[t].markModified();
  }

  /**
   * Puts every table back to its initial values ({@code initial}, or zeros when null) with zeroed
   * slots: a reused trainer, before its model's chunks load over it.
   */
  void reset(List<Tensor> initial) {
    float[] zeros = new float[4096];
    for (int t = 0; t < tables.length; t++) {
      float[] w = tables[t].storage();
      if (initial == null) {
        Arrays.fill(w, 0f);
      } else {
        System.arraycopy(initial.get(t).storage(), 0, w, 0, w.length);
      }
      tables[t].markModified();
      for (int s = 0; s < slots; s++) {
        for (int from = 0; from < w.length; from += zeros.length) {
          optimizer.writeSlot(
              s, paramIndex[t], from, Math.min(zeros.length, w.length - from), zeros, 0);
        }
      }
      Arrays.fill(dirty[t], 0L);
      Arrays.fill(changed[t], 0L);
      changedCount[t] = 0;
    }
  }
}
