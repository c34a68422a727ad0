package io.streamgrad.autograd;

import java.util.Arrays;

/**
 * Where a backward pass's gradients are written, so that a training step allocates no gradient
 * temporaries in steady state. Two kinds of buffer:
 *
 * <ul>
 *   <li>{@link #scratch}: for a gradient that never leaves the pass (a loss's gradient flowing into
 *       the graph). Every path out of a pass copies (a leaf's first grad, a retained grad) or adds
 *       into existing storage, so the buffers go back to a small per-thread pool when the pass ends
 *       and the next step reuses them, hot in cache.
 *   <li>{@link #forInput}: a zeroed buffer for a kernel that accumulates an input's gradient; a
 *       leaf's own grad storage when it holds only +0.0 (what {@code zero_()} leaves), so the
 *       gradient lands in place, bit for bit what adding a fresh one to zeros gives.
 * </ul>
 *
 * <p>Each backward pass ({@code Engine.Pass}) is one; not thread-safe.
 */
class GradientBuffers {

  private static final ThreadLocal<Pool> POOL = ThreadLocal.withInitial(Pool::new);

  private Pool pool;
  private int firstLent = -1;

  /**
   * A buffer of {@code n} floats with undefined contents, returned to the pool after the pass.
   * Never for a tensor a closure keeps or returns to a caller.
   */
  float[] scratch(int n) {
    if (pool == null) {
      pool = POOL.get();
    }
    if (firstLent < 0) {
      firstLent = pool.lentCount; // a nested pass (backward inside a closure) returns only its own
    }
    return pool.lend(n);
  }

  /** Gives this pass's buffers back; called once, when the pass ends (also after a failure). */
  void giveBack() {
    if (firstLent >= 0) {
      pool.giveBack(firstLent);
    }
  }

  /**
   * A zeroed buffer for input {@code i}'s gradient of {@code node}: the leaf's grad storage when
   * that is all +0.0 and no other input of the node is the same tensor, else a fresh array. The
   * engine recognises the shared storage ({@link AccumulateGrad}) and only bumps the version.
   */
  static float[] forInput(Node node, int i) {
    Tensor leaf = node.leaf(i);
    if (leaf != null
        && leaf.grad != null
        && !usedTwice(node, leaf)
        && allPositiveZero(leaf.grad.data)) {
      return leaf.grad.data;
    }
    return new float[node.inputs()[i].data.length];
  }

  private static boolean usedTwice(Node node, Tensor input) {
    int uses = 0;
    for (Tensor t : node.inputs()) {
      if (t == input) {
        uses++;
      }
    }
    return uses > 1;
  }

  private static boolean allPositiveZero(float[] a) {
    for (float v : a) {
      if (Float.floatToRawIntBits(v) != 0) {
        return false;
      }
    }
    return true;
  }

  /** A few buffers per thread, matched by exact length (a training loop asks for the same ones). */
  private static final class Pool {
    private static final int CAPACITY = 8;
    final float[][] free = new float[CAPACITY][];
    int freeCount;
    float[][] lent = new float[CAPACITY][];
    int lentCount;

    float[] lend(int n) {
      float[] buffer = null;
      for (int i = freeCount - 1; i >= 0; i--) {
        if (free[i].length == n) {
          buffer = free[i];
          free[i] = free[--freeCount];
          free[freeCount] = null;
          break;
        }
      }
      if (buffer == null) {
        buffer = new float[n];
      }
      if (lentCount == lent.length) {
        lent = Arrays.copyOf(lent, lentCount * 2);
      }
      lent[lentCount++] = buffer;
      return buffer;
    }

    void giveBack(int from) {
      for (int i = from; i < lentCount; i++) {
        if (freeCount < CAPACITY) {
          free[freeCount++] = lent[i];
        }
        lent[i] = null;
      }
      lentCount = from;
    }
  }
}
