package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.List;

/**
 * Updates a fixed list of parameter tensors from their gradients, under no-grad, with PyTorch's
 * update rules. The state that shapes future steps (step count and per-parameter buffers) can be
 * read and restored as plain arrays, so it can live in a stream processor's checkpoints.
 */
public abstract class Optimizer {

  protected final List<Tensor> params;
  protected float lr;
  protected long step;

  protected Optimizer(List<Tensor> params, float lr) {
    if (params.isEmpty()) {
      throw new IllegalArgumentException("optimizer got an empty parameter list");
    }
    for (Tensor p : params) {
      if (!p.isLeaf() || !p.requiresGrad()) {
        throw new IllegalArgumentException(
            "can't optimize a non-leaf Tensor or one that does not require grad");
      }
    }
    checkNonNegative("learning rate", lr);
    this.params = List.copyOf(params);
    this.lr = lr;
  }

  /** Short name, e.g. {@code "sgd"}. */
  public abstract String name();

  /** Names of the per-parameter state buffers, in {@link OptimizerState#slots()} order. */
  public abstract List<String> slotNames();

  /** Applies one update from the current gradients; parameters without a grad are skipped. */
  public final void step() {
    try (Grad.Scope off = Grad.disabled()) {
      step++;
      forgetUndo();
      for (int i = 0; i < params.size(); i++) {
        Tensor p = params.get(i);
        SparseGrad sparse = p.sparseGrad();
        if (sparse != null && sparse.size() > 0) {
          updateSparse(i, p, sparse);
          p.markModified();
        } else if (p.grad() != null) {
          update(i, p, p.grad());
        }
      }
    }
  }

  /** One parameter's update; runs under no-grad with {@link #step} already incremented. */
  protected abstract void update(int index, Tensor param, Tensor grad);

  /**
   * One parameter's update from a sparse gradient: only the rows it holds change, in O(rows held).
   * Runs under no-grad with {@link #step} already incremented.
   */
  protected void updateSparse(int index, Tensor param, SparseGrad grad) {
    throw new IllegalStateException(sparseRefusal());
  }

  /**
   * Asks the optimizer to keep, from now on, what each step's sparse updates overwrite (the touched
   * rows' weights and slots), noted during the update where the values are at hand, so that {@link
   * #undoSparseUpdates} can put it back: a caller that may roll a step back then needs no copy of
   * those rows of its own, a second pass over lines scattered across a large table. Whether it will
   * (by default it cannot).
   */
  public boolean keepSparseUndo() {
    return false;
  }

  /**
   * Puts back the rows the last step's sparse updates changed (weights and slots), as they were
   * before it, once {@link #keepSparseUndo} said yes; dense parameters and the step count are the
   * caller's.
   */
  public void undoSparseUpdates() {
    throw new UnsupportedOperationException(name() + " keeps no undo of its sparse updates");
  }

  /** At the start of each step: what an undo would put back is the new step's only. */
  protected void forgetUndo() {}

  /** Why this optimizer refuses sparse gradients, in PyTorch's words where it has some. */
  protected String sparseRefusal() {
    return name() + " does not support sparse gradients";
  }

  /** Zeroes every gradient in place ({@code zero_grad(set_to_none=False)}: no reallocation). */
  public void zeroGrad() {
    try (Grad.Scope off = Grad.disabled()) {
      for (Tensor p : params) {
        if (p.grad() != null) {
          p.grad().zero();
        }
        if (p.sparseGrad() != null) {
          p.sparseGrad().clear(); // a sparse zero_() leaves no entries
        }
      }
    }
  }

  /** {@code zero_grad(set_to_none=True)}, PyTorch's default: the next backward allocates anew. */
  public void zeroGrad(boolean setToNone) {
    if (!setToNone) {
      zeroGrad();
      return;
    }
    for (Tensor p : params) {
      p.setGrad(null);
    }
  }

  public List<Tensor> parameters() {
    return params;
  }

  public float learningRate() {
    return lr;
  }

  public void setLearningRate(float lr) {
    checkNonNegative("learning rate", lr);
    this.lr = lr;
  }

  /** Number of steps taken. */
  public long stepCount() {
    return step;
  }

  /** A copy of the state: the step count and one buffer per slot name and parameter. */
  public OptimizerState state() {
    List<Tensor[]> buffers = buffers();
    float[][] slots = new float[buffers.size() * params.size()][];
    for (int s = 0; s < buffers.size(); s++) {
      for (int i = 0; i < params.size(); i++) {
        slots[s * params.size() + i] = buffers.get(s)[i].toArray();
      }
    }
    return new OptimizerState(name(), step, slotNames(), slots);
  }

  /** Restores a state taken from an optimizer of the same kind over same-shaped parameters. */
  public void loadState(OptimizerState state) {
    if (!state.optimizer().equals(name())) {
      throw new IllegalArgumentException(
          "cannot load " + state.optimizer() + " state into a " + name() + " optimizer");
    }
    List<Tensor[]> buffers = buffers();
    if (state.slots().length != buffers.size() * params.size()) {
      throw new IllegalArgumentException(
          "expected "
              + buffers.size() * params.size()
              + " state buffers, got "
              + state.slots().length);
    }
    for (int s = 0; s < buffers.size(); s++) {
      for (int i = 0; i < params.size(); i++) {
        float[] src = state.slots()[s * params.size() + i];
        Tensor dst = buffers.get(s)[i];
        if (src.length != dst.numel()) {
          throw new IllegalArgumentException(
              "state buffer "
                  + slotNames().get(s)
                  + "["
                  + i
                  + "] has "
                  + src.length
                  + " values, the parameter has "
                  + dst.numel());
        }
        try (Grad.Scope off = Grad.disabled()) {
          dst.copyFrom(Tensor.wrap(src, dst.shape()));
        }
      }
    }
    if (state.step() < 0) {
      throw new IllegalArgumentException("step count must be >= 0, got " + state.step());
    }
    this.step = state.step();
  }

  /**
   * Rows {@code rows[0, n)} (of {@code width} values) of parameter {@code param} were given weights
   * from elsewhere (a warm start): an optimizer whose weights derive from its state sets its state
   * to give them. By default nothing changes (the slots stay as they are).
   */
  public void weightsLoaded(int param, int[] rows, int n, int width) {}

  /** The state buffers, one array (over parameters) per slot name. */
  protected abstract List<Tensor[]> buffers();

  /** Sets the step count, for a state restored piece by piece ({@link #readSlot}). */
  public void setStepCount(long step) {
    if (step < 0) {
      throw new IllegalArgumentException("step count must be >= 0, got " + step);
    }
    this.step = step;
  }

  /**
   * Copies elements {@code [from, from + n)} of slot {@code slot} of parameter {@code param} into
   * {@code dst} at {@code offset}: a part of the state of a parameter too large to copy whole at
   * every checkpoint (a sparse model's table, written by chunks).
   */
  public void readSlot(int slot, int param, int from, int n, float[] dst, int offset) {
    System.arraycopy(buffers().get(slot)[param].storage(), from, dst, offset, n);
  }

  /**
   * Copies every slot of rows {@code rows[0, n)} ({@code width} elements each) of parameter {@code
   * param} into {@code dst} from {@code offset}, slot-major: element j of row k of slot s at {@code
   * offset + (s * n + k) * width + j}. For a few rows of a large table (a step's backup).
   */
  public void readRows(int param, int[] rows, int n, int width, float[] dst, int offset) {
    int slots = slotNames().size();
    for (int s = 0; s < slots; s++) {
      for (int k = 0; k < n; k++) {
        readSlot(s, param, rows[k] * width, width, dst, offset + (s * n + k) * width);
      }
    }
  }

  /** The reverse of {@link #readRows}. */
  public void writeRows(int param, int[] rows, int n, int width, float[] src, int offset) {
    int slots = slotNames().size();
    for (int s = 0; s < slots; s++) {
      for (int k = 0; k < n; k++) {
        writeSlot(s, param, rows[k] * width, width, src, offset + (s * n + k) * width);
      }
    }
  }

  /** The reverse of {@link #readSlot}. */
  public void writeSlot(int slot, int param, int from, int n, float[] src, int offset) {
    Tensor t = buffers().get(slot)[param];
    System.arraycopy(src, offset, t.storage(), from, n);
    t.markModified();
  }

  /** One zero buffer per parameter. */
  protected final Tensor[] zerosLikeParams() {
    Tensor[] out = new Tensor[params.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = params.get(i).zerosLike();
    }
    return out;
  }

  static void checkNonNegative(String what, float value) {
    if (!(value >= 0f)) {
      throw new IllegalArgumentException("Invalid " + what + ": " + value);
    }
  }
}
