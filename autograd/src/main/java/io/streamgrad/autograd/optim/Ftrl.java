package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.kernels.KernelProvider;
import io.streamgrad.autograd.kernels.Kernels;
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
  // A step's coordinates (first-seen order) and, in the same lanes, their z, n, weights and
  // gradients while the kernel updates them.
  private int[] coords = new int[0];
  private float[] zs = new float[0];
  private float[] ns = new float[0];
  private float[] ws = new float[0];
  private float[] gs = new float[0];
  private final UndoLog[] undo; // per parameter: what its sparse updates overwrote this step
  private boolean keepUndo;

  private static final int SIGN = 0x80000000;
  private static final int DENSE_CHUNK = 1024; // coordinates per pass of a dense update
  private static final Kernels K = KernelProvider.get();

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
    for (int from = 0; from < w.length; from += DENSE_CHUNK) {
      int m = Math.min(DENSE_CHUNK, w.length - from);
      lanes(m);
      for (int j = 0; j < m; j++) {
        coords[j] = from + j;
      }
      System.arraycopy(g, from, gs, 0, m);
      gather(w, acc, m, true);
      updateLanes(w, acc, gs, m);
    }
    p.markModified();
  }

  /**
   * The update is not linear in the gradient: a coordinate's entries are summed first (in the order
   * they came, as {@link SparseGrad#coalesce()} sums them), then each coordinate updates once. An
   * uncoalesced gradient of width 1 is summed on the way ({@link #sumThenUpdate}); one already
   * coalesced (the trainer's, whose backup needs the rows) is updated from its values as they are.
   * Either way the coordinates' z, n and weights are gathered into lanes first (independent loads
   * whose cache misses overlap, where the update, chains of square roots and a division, would wait
   * on one after another), updated there by the kernel, eight at a time, and scattered back.
   */
  @Override
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    if (keepUndo && undo[i] == null) {
      undo[i] = new UndoLog();
    }
    UndoLog log = keepUndo ? undo[i] : null;
    if (!grad.isCoalesced() && grad.width() == 1) {
      sumThenUpdate(p.storage(), zn[i], grad, log);
      return;
    }
    grad.coalesce();
    float[] w = p.storage();
    float[] acc = zn[i];
    int width = grad.width();
    int m = grad.size() * width;
    lanes(m);
    for (int k = 0, c = 0; k < grad.size(); k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        coords[c++] = base + j;
      }
    }
    gather(w, acc, m, true);
    if (log != null) {
      log.add(coords, zs, ns, ws, m);
    }
    updateLanes(w, acc, grad.values(), m);
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

    /** The {@code m} coordinates gathered into lanes, before their update. */
    void add(int[] coords, float[] z0, float[] n0, float[] w0, int m) {
      if (size + m > at.length) {
        int capacity = Math.max(size + m, 2 * at.length);
        at = Arrays.copyOf(at, capacity);
        z = Arrays.copyOf(z, capacity);
        n = Arrays.copyOf(n, capacity);
        w = Arrays.copyOf(w, capacity);
      }
      System.arraycopy(coords, 0, at, size, m);
      System.arraycopy(z0, 0, z, size, m);
      System.arraycopy(n0, 0, n, size, m);
      System.arraycopy(w0, 0, w, size, m);
      size += m;
    }
  }

  /**
   * One pass over the entries sums each coordinate's gradient without a hash table: the first entry
   * of a coordinate keeps its n aside and leaves in its place a mark, the sign bit over the
   * coordinate's slot in {@code coords} (n is never negative otherwise); a later entry finds the
   * slot there. The pass stays on the z and n lines (the weights are read once, by the gather).
   * Branch-free, since whether an entry is a coordinate's first is a coin flip for the predictor.
   * The update then writes n back, which clears the mark.
   */
  private void sumThenUpdate(float[] w, float[] acc, SparseGrad grad, UndoLog log) { // log: or null
    int entries = grad.size();
    lanes(entries);
    int[] rows = coords;
    float[] g = gs;
    float[] n0 = ns;
    float[] values = grad.values();
    // The summing pass below is a chain (each entry's slot depends on the entries before it) that
    // would wait on each miss: the lines come first.
    touchLines(acc, grad);
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
    gather(w, acc, m, false); // n is in lanes already; the mark is in acc
    if (log != null) {
      log.add(coords, zs, ns, ws, m);
    }
    updateLanes(w, acc, gs, m);
  }

  /**
   * Loads the z of every entry's row (its n shares the line): independent loads whose cache misses
   * overlap, before the summing pass that would wait on them one after another.
   */
  private void touchLines(float[] acc, SparseGrad grad) {
    float touched = 0f;
    for (int k = 0, n = grad.size(); k < n; k++) {
      touched += acc[STRIDE * grad.row(k)];
    }
    sink = touched;
  }

  /** Room in the lanes for {@code m} coordinates. */
  private void lanes(int m) {
    if (coords.length < m) {
      int capacity = Math.max(m, 2 * coords.length);
      coords = new int[capacity];
      zs = new float[capacity];
      ns = new float[capacity];
      ws = new float[capacity];
      gs = new float[capacity];
    }
  }

  /** Copies the z (and n, with {@code withN}) and weight of {@code coords[0, m)} into lanes. */
  private void gather(float[] w, float[] acc, int m, boolean withN) {
    int[] at = coords;
    float[] z = zs;
    float[] n = ns;
    float[] weights = ws;
    for (int k = 0; k < m; k++) {
      int c = at[k];
      z[k] = acc[STRIDE * c];
      weights[k] = w[c];
    }
    if (withN) {
      for (int k = 0; k < m; k++) {
        n[k] = acc[STRIDE * at[k] + 1];
      }
    }
  }

  /** Algorithm 1 on the lanes (gradients {@code g}), then the lanes back where they came from. */
  private void updateLanes(float[] w, float[] acc, float[] g, int m) {
    K.ftrl(zs, ns, ws, g, m, 1f / lr, beta, l1, l2);
    int[] at = coords;
    for (int k = 0; k < m; k++) {
      int c = at[k];
      acc[STRIDE * c] = zs[k];
      acc[STRIDE * c + 1] = ns[k];
      w[c] = ws[k];
    }
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
