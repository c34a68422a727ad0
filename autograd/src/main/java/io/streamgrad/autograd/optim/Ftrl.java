package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * FTRL-Proximal (McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013,
 * Algorithm 1) with per-coordinate learning rates {@code alpha / (beta + sqrt(n))}, L1 and L2. Per
 * coordinate it keeps {@code z} and {@code n}; a weight is a function of them,
 *
 * <pre>
 *   w = 0                                                  if |z| <= l1
 *   w = -(z - sign(z) l1) / ((beta + sqrt(n)) / alpha + l2) otherwise
 * </pre>
 *
 * derived only when its coordinate is updated (the parameter holds the derived weights), so a step
 * costs O(coordinates touched). L1 makes most weights exactly zero. Weights start at zero whatever
 * the parameter held. Dense gradients update every coordinate; sparse ones only theirs. The
 * learning rate is {@code alpha}. Arithmetic and state in float.
 */
public final class Ftrl extends Optimizer {

  /** The paper's defaults for a CTR model: alpha 0.1, beta 1, l1 1, l2 1. */
  public static final float DEFAULT_ALPHA = 0.1f;

  private static final int STRIDE = 2;

  private final float beta;
  private final float l1;
  private final float l2;
  // z and n of coordinate c at [2c] and [2c + 1]: one cache line per coordinate, not two. An n
  // is never negative: its sign bit marks, during one step only, a coordinate already seen (and
  // its other bits then hold the coordinate's slot in the step).
  private final float[][] zn;
  private float sink; // keeps the touching loop alive
  private int[] distinct = new int[0]; // a step's coordinates, first-seen order
  private float[] sums = new float[0]; // and their summed gradients
  private float[] before = new float[0]; // and their n before the step
  private final UndoLog[] undo; // per parameter: what its sparse updates overwrote this step
  private boolean keepUndo;

  private static final int SIGN = 0x80000000;

  public Ftrl(List<Tensor> params, float alpha, float beta, float l1, float l2) {
    super(params, alpha);
    checkNonNegative("beta value", beta);
    checkNonNegative("l1 value", l1);
    checkNonNegative("l2 value", l2);
    if (alpha == 0f) {
      throw new IllegalArgumentException("Invalid learning rate (alpha): 0.0");
    }
    this.beta = beta;
    this.l1 = l1;
    this.l2 = l2;
    this.zn = new float[params.size()][];
    this.undo = new UndoLog[params.size()];
    try (Grad.Scope off = Grad.disabled()) {
      for (int i = 0; i < zn.length; i++) {
        zn[i] = new float[STRIDE * params.get(i).numel()];
        params.get(i).zero(); // w is derived from z = n = 0
      }
    }
  }

  @Override
  public String name() {
    return "ftrl";
  }

  @Override
  public List<String> slotNames() {
    return List.of("z", "n");
  }

  /** Not used: {@link #state} and {@link #loadState} read the interleaved accumulators. */
  @Override
  protected List<Tensor[]> buffers() {
    throw new UnsupportedOperationException();
  }

  public float beta() {
    return beta;
  }

  public float l1() {
    return l1;
  }

  public float l2() {
    return l2;
  }

  @Override
  protected void update(int i, Tensor p, Tensor grad) {
    float[] w = p.storage();
    float[] g = grad.storage();
    float[] acc = zn[i];
    float invAlpha = 1f / lr;
    for (int at = 0; at < w.length; at++) {
      coordinate(w, acc, at, g[at], invAlpha);
    }
    p.markModified();
  }

  /**
   * The update is not linear in the gradient: a coordinate's entries are summed first (in the order
   * they came, as {@link SparseGrad#coalesce()} sums them), then each coordinate updates once. An
   * uncoalesced gradient of width 1 is summed on the way ({@link #sumThenUpdate}); one already
   * coalesced (the trainer's, whose backup needs the rows) touches every coordinate's z and n first
   * (independent loads the CPU overlaps, where the update loop, chains of sqrt and division, would
   * wait on one cache miss after another), then updates each.
   */
  @Override
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    if (keepUndo && undo[i] == null) {
      undo[i] = new UndoLog();
    }
    if (!grad.isCoalesced() && grad.width() == 1) {
      sumThenUpdate(p.storage(), zn[i], grad, undo[i]);
      return;
    }
    grad.coalesce();
    float[] w = p.storage();
    float[] g = grad.values();
    float[] acc = zn[i];
    int width = grad.width();
    int rows = grad.size();
    UndoLog log = keepUndo ? undo[i].reserve(rows * width) : null;
    touchLines(acc, grad, width);
    float invAlpha = 1f / lr;
    for (int k = 0; k < rows; k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        int at = base + j;
        if (log != null) {
          log.add(at, acc[STRIDE * at], acc[STRIDE * at + 1], w[at]);
        }
        coordinate(w, acc, at, g[k * width + j], invAlpha);
      }
    }
  }

  /** Yes: an entry per updated coordinate (its index, z, n and weight), 16 bytes, in sequence. */
  @Override
  public boolean keepSparseUndo() {
    keepUndo = true;
    return true;
  }

  @Override
  protected void forgetUndo() {
    for (UndoLog log : undo) {
      if (log != null) {
        log.size = 0;
      }
    }
  }

  @Override
  public void undoSparseUpdates() {
    if (!keepUndo) {
      super.undoSparseUpdates();
    }
    for (int i = 0; i < undo.length; i++) {
      UndoLog log = undo[i];
      if (log == null || log.size == 0) {
        continue;
      }
      float[] w = params.get(i).storage();
      float[] acc = zn[i];
      for (int k = 0; k < log.size; k++) { // each coordinate once: a step updates it once
        int at = log.at[k];
        acc[STRIDE * at] = log.z[k];
        acc[STRIDE * at + 1] = log.n[k];
        w[at] = log.w[k];
      }
      log.size = 0;
      params.get(i).markModified();
    }
  }

  /** A coordinate's z, n and weight as they were before this step's update of it. */
  private static final class UndoLog {
    int[] at = new int[0];
    float[] z = new float[0];
    float[] n = new float[0];
    float[] w = new float[0];
    int size;

    /** Room for {@code more} entries: the update loop then stores without checks. */
    UndoLog reserve(int more) {
      if (size + more > at.length) {
        int capacity = Math.max(size + more, 2 * at.length);
        at = Arrays.copyOf(at, capacity);
        z = Arrays.copyOf(z, capacity);
        n = Arrays.copyOf(n, capacity);
        w = Arrays.copyOf(w, capacity);
      }
      return this;
    }

    void add(int coordinate, float z0, float n0, float w0) {
      at[size] = coordinate;
      z[size] = z0;
      n[size] = n0;
      w[size] = w0;
      size++;
    }
  }

  /**
   * One pass over the entries sums each coordinate's gradient without a hash table: the first entry
   * of a coordinate keeps its n aside and leaves in its place a mark, the sign bit over the
   * coordinate's slot in {@code distinct} (n is never negative otherwise); a later entry finds the
   * slot there. The pass stays on the z and n lines (the weights are read once, by the update).
   * Branch-free, since whether an entry is a coordinate's first is a coin flip for the predictor.
   * The second pass updates each coordinate once, which writes n back.
   */
  private void sumThenUpdate(float[] w, float[] acc, SparseGrad grad, UndoLog log) { // log: or null
    int entries = grad.size();
    if (distinct.length < entries) {
      distinct = new int[Math.max(entries, 2 * distinct.length)];
      sums = new float[distinct.length];
      before = new float[distinct.length];
    }
    int[] rows = distinct;
    float[] g = sums;
    float[] n0 = before;
    float[] values = grad.values();
    // The summing pass below is a chain (each entry's slot depends on the entries before it) that
    // would wait on each miss: the lines come first.
    touchLines(acc, grad, 1);
    int m = 0;
    for (int k = 0; k < entries; k++) {
      int r = grad.row(k);
      int c = STRIDE * r + 1;
      int n = Float.floatToRawIntBits(acc[c]);
      int isNew = ~n >>> 31;
      int keep = isNew - 1; // 0 for a first entry, all ones for a repeat
      int j = (isNew * m) | (keep & n & ~SIGN);
      n0[m] = acc[c]; // kept when the entry is the row's first (m moves on), overwritten if not
      acc[c] = Float.intBitsToFloat(j | SIGN);
      rows[m] = r;
      g[j] = Float.intBitsToFloat(Float.floatToRawIntBits(g[j]) & keep) + values[k];
      m += isNew;
    }
    float invAlpha = 1f / lr;
    if (log != null) {
      log.reserve(m);
    }
    for (int j = 0; j < m; j++) {
      int at = rows[j];
      int c = STRIDE * at;
      float w0 = w[at];
      if (log != null) {
        log.add(at, acc[c], n0[j], w0);
      }
      w[at] = update(acc, c, n0[j], g[j], w0, invAlpha); // n written back: the mark cleared
    }
  }

  /**
   * Loads the z of every entry's row (its n shares the line): independent loads whose cache misses
   * overlap, before the passes that would wait on them one after another.
   */
  private void touchLines(float[] acc, SparseGrad grad, int width) {
    float touched = 0f;
    for (int k = 0, n = grad.size(); k < n; k++) {
      touched += acc[STRIDE * grad.row(k) * width];
    }
    sink = touched;
  }

  /**
   * Algorithm 1's weight of a coordinate of state {@code z} and {@code sqrt(n)}. Whether L1 zeroes
   * it is a coin flip for the branch predictor: the quotient is computed either way and kept by a
   * mask of the sign of {@code |z| - l1} (all ones when positive or a NaN, as the paper's test).
   */
  private float weight(float z, float sqrtN, float invAlpha) {
    float excess = Math.abs(z) - l1;
    int e = Float.floatToRawIntBits(excess);
    int keep = (-e & ~e) >> 31; // excess > 0, NaN included; 0 for 0, -0 and negatives
    float w = -Math.copySign(excess, z) / ((beta + sqrtN) * invAlpha + l2);
    return Float.intBitsToFloat(Float.floatToRawIntBits(w) & keep);
  }

  /** Algorithm 1's update of one coordinate from its gradient, then its weight re-derived. */
  private void coordinate(float[] w, float[] acc, int at, float g, float invAlpha) {
    w[at] = update(acc, STRIDE * at, acc[STRIDE * at + 1], g, w[at], invAlpha);
  }

  /**
   * Algorithm 1's update of the coordinate whose z is at {@code acc[c]}, of accumulator {@code n0},
   * weight {@code w0} and gradient {@code g}: writes its z and n, returns its new weight (from the
   * stored floats, so that a weight is a function of the state alone).
   */
  private float update(float[] acc, int c, float n0, float g, float w0, float invAlpha) {
    float n1 = n0 + g * g;
    float sqrtN1 = (float) Math.sqrt(n1);
    float sigma = (sqrtN1 - (float) Math.sqrt(n0)) * invAlpha;
    float z1 = acc[c] + g - sigma * w0;
    acc[c] = z1;
    acc[c + 1] = nonNegative(n1);
    return weight(z1, sqrtN1, invAlpha);
  }

  /**
   * Gives the loaded weights a state that derives them: {@code n = 0} (the coordinates' learning
   * rates start again) and the {@code z} that Algorithm 1 maps to the weight, {@code z = -w (beta /
   * alpha + l2) - sign(w) l1} (a zero weight: {@code z = 0}).
   */
  @Override
  public void weightsLoaded(int param, int[] rows, int n, int width) {
    float[] w = params.get(param).storage();
    float[] acc = zn[param];
    float scale = beta / lr + l2;
    for (int k = 0; k < n; k++) {
      for (int j = 0, at = rows[k] * width; j < width; j++, at++) {
        float wi = w[at];
        float z = wi == 0f ? 0f : -wi * scale - Math.copySign(l1, wi);
        acc[STRIDE * at] = z;
        acc[STRIDE * at + 1] = 0f;
      }
    }
  }

  @Override
  public void readSlot(int slot, int param, int from, int n, float[] dst, int offset) {
    float[] acc = zn[param];
    for (int c = 0; c < n; c++) {
      dst[offset + c] = acc[STRIDE * (from + c) + slot];
    }
  }

  @Override
  public void writeSlot(int slot, int param, int from, int n, float[] src, int offset) {
    float[] acc = zn[param];
    for (int c = 0; c < n; c++) {
      acc[STRIDE * (from + c) + slot] = slot == 1 ? nonNegative(src[offset + c]) : src[offset + c];
    }
  }

  /** One pass over the rows, both slots at once: their loads overlap (a step's backup). */
  @Override
  public void readRows(int param, int[] rows, int n, int width, float[] dst, int offset) {
    float[] acc = zn[param];
    int nOff = offset + n * width;
    for (int k = 0; k < n; k++) {
      int base = rows[k] * width;
      for (int j = 0; j < width; j++) {
        int c = STRIDE * (base + j);
        dst[offset + k * width + j] = acc[c];
        dst[nOff + k * width + j] = acc[c + 1];
      }
    }
  }

  @Override
  public void writeRows(int param, int[] rows, int n, int width, float[] src, int offset) {
    float[] acc = zn[param];
    int nOff = offset + n * width;
    for (int k = 0; k < n; k++) {
      int base = rows[k] * width;
      for (int j = 0; j < width; j++) {
        int c = STRIDE * (base + j);
        acc[c] = src[offset + k * width + j];
        acc[c + 1] = nonNegative(src[nOff + k * width + j]);
      }
    }
  }

  /** An n as kept: its sign bit clear (n is a sum of squares; the bit is a step's mark). */
  private static float nonNegative(float n) {
    return Float.intBitsToFloat(Float.floatToRawIntBits(n) & ~SIGN);
  }

  @Override
  public OptimizerState state() {
    float[][] slots = new float[2 * params.size()][];
    for (int i = 0; i < params.size(); i++) {
      int numel = zn[i].length / STRIDE;
      float[] z = new float[numel];
      float[] n = new float[numel];
      for (int c = 0; c < numel; c++) {
        z[c] = zn[i][STRIDE * c];
        n[c] = zn[i][STRIDE * c + 1];
      }
      slots[i] = z;
      slots[params.size() + i] = n;
    }
    return new OptimizerState(name(), step, slotNames(), slots);
  }

  @Override
  public void loadState(OptimizerState state) {
    if (!state.optimizer().equals(name())) {
      throw new IllegalArgumentException(
          "cannot load " + state.optimizer() + " state into a " + name() + " optimizer");
    }
    if (state.slots().length != 2 * params.size()) {
      throw new IllegalArgumentException(
          "expected " + 2 * params.size() + " state buffers, got " + state.slots().length);
    }
    if (state.step() < 0) {
      throw new IllegalArgumentException("step count must be >= 0, got " + state.step());
    }
    for (int i = 0; i < params.size(); i++) {
      float[] z = state.slots()[i];
      float[] n = state.slots()[params.size() + i];
      int numel = zn[i].length / STRIDE;
      if (z.length != numel || n.length != numel) {
        throw new IllegalArgumentException(
            "state buffers of parameter "
                + i
                + " have "
                + z.length
                + " and "
                + n.length
                + " values, the parameter has "
                + numel);
      }
    }
    for (int i = 0; i < params.size(); i++) {
      float[] z = state.slots()[i];
      float[] n = state.slots()[params.size() + i];
      for (int c = 0; c < z.length; c++) {
        zn[i][STRIDE * c] = z[c];
        zn[i][STRIDE * c + 1] = nonNegative(n[c]);
      }
    }
    this.step = state.step();
  }
}
