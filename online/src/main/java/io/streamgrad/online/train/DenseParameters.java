package io.streamgrad.online.train;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.Optimizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's parameters other than its sparse tables (all of them for a dense model), with their
 * optimizer slots, as flat arrays: what checkpoints, snapshots and the divergence guard copy. A
 * sparse model's tables are kept by chunks instead ({@link SparseTables}).
 */
final class DenseParameters {
  private final List<Tensor> params;
  private final int[] index; // a dense parameter's index among all; null: the same
  private final Optimizer optimizer;
  private final int total;

  DenseParameters(List<Tensor> all, SparseTables tables, Optimizer optimizer) {
    this.optimizer = optimizer;
    if (tables.isEmpty()) {
      this.params = all; // no copies for the million-model case
      this.index = null;
    } else {
      List<Tensor> dense = new ArrayList<>();
      int[] at = new int[all.size()];
      for (int i = 0; i < all.size(); i++) {
        if (!tables.contains(all.get(i))) {
          at[dense.size()] = i;
          dense.add(all.get(i));
        }
      }
      this.params = List.copyOf(dense);
      this.index = Arrays.copyOf(at, dense.size());
    }
    int n = 0;
    for (Tensor p : params) {
      n += p.numel();
    }
    this.total = n;
  }

  List<Tensor> list() {
    return params;
  }

  /** Values over all dense parameters. */
  int total() {
    return total;
  }

  /** The values, concatenated in parameter order, into {@code into} when it has the size. */
  float[] values(float[] into) {
    float[] out = into != null && into.length == total ? into : new float[total];
    int off = 0;
    for (Tensor t : params) {
      t.copyTo(out, off);
      off += t.numel();
    }
    return out;
  }

  /** Loads values taken by {@link #values}. */
  void load(float[] flat) {
    try (Grad.Scope noGrad = Grad.disabled()) {
      int off = 0;
      for (Tensor p : params) {
        p.copyFrom(Tensor.wrap(Arrays.copyOfRange(flat, off, off + p.numel()), p.shape()));
        off += p.numel();
      }
    }
  }

  /**
   * The optimizer's slots of these parameters, slot-major then parameter order (what {@code
   * state()} gives for a dense model), into {@code into} when it has the size.
   */
  float[] slots(float[] into) {
    int slots = optimizer.slotNames().size();
    float[] out = into != null && into.length == slots * total ? into : new float[slots * total];
    int off = 0;
    for (int s = 0; s < slots; s++) {
      for (int i = 0; i < params.size(); i++) {
        int n = params.get(i).numel();
        optimizer.readSlot(s, index(i), 0, n, out, off);
        off += n;
      }
    }
    return out;
  }

  /** Loads slots taken by {@link #slots}. */
  void loadSlots(float[] flat) {
    int slots = optimizer.slotNames().size();
    int off = 0;
    for (int s = 0; s < slots; s++) {
      for (int i = 0; i < params.size(); i++) {
        int n = params.get(i).numel();
        if (off + n > flat.length) {
          throw new IllegalStateException(
              "restored optimizer state has " + flat.length + " values, too few for the model");
        }
        optimizer.writeSlot(s, index(i), 0, n, flat, off);
        off += n;
      }
    }
    if (off != flat.length) {
      throw new IllegalStateException(
          "restored optimizer state has " + flat.length + " values, expected " + off);
    }
  }

  private int index(int i) {
    return index == null ? i : index[i];
  }

  /** Whether every value is finite. */
  boolean finite() {
    try (Grad.Scope noGrad = Grad.disabled()) {
      for (Tensor p : params) {
        if (!Float.isFinite(p.norm().item())) {
          return false;
        }
      }
    }
    return true;
  }
}
