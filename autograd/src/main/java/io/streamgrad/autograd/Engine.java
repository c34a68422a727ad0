package io.streamgrad.autograd;

import java.util.Arrays;

/**
 * Runs backward iteratively (no recursion, so graph depth is unbounded): discovers the graph from
 * the root, counts each node's consumers, then runs nodes once all their output's gradient has
 * arrived. Broadcast gradients are summed back to each input's shape here, in one place.
 */
final class Engine {

  /**
   * d(loss)/d(loss) for the usual 0-d root; never written to (nothing adds in place into a seed).
   */
  private static final Tensor SCALAR_ONE = Tensor.scalar(1f);

  /** Each thread's buffers for gradients that live only inside a backward pass. */
  private static final ThreadLocal<ScratchPool> POOL = ThreadLocal.withInitial(ScratchPool::new);

  private Engine() {}

  /**
   * One backward pass. It marks the nodes it reached, and lends closures buffers for gradients that
   * never leave the pass (a loss's gradient that flows into the graph): every path out of a pass
   * copies (a leaf's first grad, a retained grad) or adds into existing storage, so the buffers go
   * back to the thread's pool when the pass ends and the next step reuses them, hot in cache,
   * instead of writing fresh memory.
   */
  static final class Pass {
    private ScratchPool pool;
    private int firstLent = -1;

    /**
     * A buffer of {@code n} floats with undefined contents, returned to the pool after the pass.
     */
    float[] scratch(int n) {
      if (pool == null) {
        pool = POOL.get();
      }
      if (firstLent < 0) {
        firstLent =
            pool.lentCount; // a nested pass (backward inside a closure) returns only its own
      }
      return pool.lend(n);
    }

    void end() {
      if (firstLent >= 0) {
        pool.giveBack(firstLent);
      }
    }
  }

  /** A few buffers per thread, matched by exact length (a training loop asks for the same ones). */
  private static final class ScratchPool {
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

  static void backward(Tensor root, Tensor gradient, boolean retainGraph) {
    if (!root.requiresGrad()) {
      throw new IllegalStateException(
          "element 0 of tensors does not require grad and does not have a grad_fn");
    }
    Tensor seed;
    if (gradient == null) {
      if (root.numel() != 1) {
        throw new IllegalStateException("grad can be implicitly created only for scalar outputs");
      }
      seed = root.shape.length == 0 ? SCALAR_ONE : Tensor.full(1f, root.shape);
    } else {
      if (!Shapes.equal(gradient.shape, root.shape)) {
        throw new IllegalArgumentException(
            "Mismatch in shape: grad_output[0] has a shape of "
                + Shapes.torchSize(gradient.shape)
                + " and output[0] has a shape of "
                + Shapes.torchSize(root.shape)
                + ".");
      }
      seed = gradient;
    }
    try (Grad.Scope noGraph = Grad.disabled()) {
      if (root.gradFn == null) {
        root.accumulateGrad(seed);
        return;
      }
      run(root.gradFn, seed, retainGraph);
    }
  }

  /**
   * The pass's bookkeeping lives in the nodes themselves (two intrusive lists: every node reached,
   * and the ready stack), not in long-lived per-thread arrays: storing a young node into an old
   * array takes the collector's slow write barrier (a fence) on every push, which cost more than
   * the rest of the engine's work on a small step. The pass object marks the nodes it reached.
   */
  private static void run(Node rootNode, Tensor seed, boolean retainGraph) {
    Pass pass = new Pass();
    Node reached = discover(rootNode, pass);
    try {
      rootNode.pending = seed;
      Node ready = rootNode;
      rootNode.nextReady = null;
      while (ready != null) {
        Node node = ready;
        ready = node.nextReady;
        node.nextReady = null;
        Tensor g = node.pending;
        node.pending = null;
        Tensor[] grads = null;
        if (g != null) {
          if (node.retained != null) {
            node.retained.accumulateGrad(g);
          }
          grads = node.apply(g);
          if (!retainGraph) {
            node.release();
          }
        }
        Node[] next = node.next;
        for (int i = 0; i < next.length; i++) {
          Tensor gi = grads == null ? null : grads[i];
          Tensor leaf = node.leaf(i);
          if (leaf != null) {
            if (gi != null) {
              accumulate(leaf, gi);
            }
            continue;
          }
          Node nextNode = next[i];
          if (nextNode == null) {
            continue;
          }
          if (gi != null) {
            if (!Shapes.equal(gi.shape, node.inputShape(i))) {
              gi = reduceTo(gi, node.inputShape(i));
            }
            // Never add in place into a pending gradient: closures may hand one tensor to two
            // inputs.
            nextNode.pending = nextNode.pending == null ? gi : nextNode.pending.add(gi);
          }
          if (--nextNode.dependencies == 0) {
            nextNode.nextReady = ready;
            ready = nextNode;
          }
        }
      }
    } finally {
      // Unlink everything, also after a closure threw: no node keeps another pass's state.
      for (Node n = reached; n != null; ) {
        Node following = n.nextReached;
        n.pending = null;
        n.dependencies = 0;
        n.nextReady = null;
        n.nextReached = null;
        n.visitedBy = null;
        n = following;
      }
      pass.end();
    }
  }

  /**
   * AccumulateGrad: adds a gradient in the broadcast shape into a leaf's grad. A leaf with one
   * element that already has a grad takes the reduced sum directly: the same float additions as
   * reducing into a new tensor first, without that tensor.
   */
  private static void accumulate(Tensor leaf, Tensor g) {
    if (leaf.grad != null && g.data == leaf.grad.data) {
      leaf.grad.bumpVersion(); // the closure accumulated in place (Node.gradientBuffer)
    } else if (Shapes.equal(g.shape, leaf.shape)) {
      leaf.accumulateGrad(g);
    } else if (leaf.grad != null && leaf.data.length == 1 && g.data.length != 1) {
      leaf.grad.data[0] += Tensor.K.sum(g.data, 0, g.data.length);
      leaf.grad.bumpVersion();
    } else {
      leaf.accumulateGrad(reduceTo(g, leaf.shape));
    }
  }

  /**
   * Visits every node reachable from the root once, counting the edges into each; returns the list
   * of the nodes reached, linked through {@link Node#nextReached}.
   */
  private static Node discover(Node rootNode, Pass pass) {
    rootNode.visitedBy = pass;
    rootNode.dependencies = 0;
    rootNode.nextReached = null;
    Node reached = rootNode;
    Node stack = rootNode;
    rootNode.nextReady = null;
    while (stack != null) {
      Node node = stack;
      stack = node.nextReady;
      node.nextReady = null;
      for (Node next : node.next) {
        if (next == null) {
          continue;
        }
        if (next.visitedBy != pass) {
          next.visitedBy = pass;
          next.dependencies = 0;
          next.nextReached = reached;
          reached = next;
          next.nextReady = stack;
          stack = next;
        }
        next.dependencies++;
      }
    }
    return reached;
  }

  /** The central broadcast reduction: sums a gradient down to the input's shape. */
  static Tensor reduceTo(Tensor g, int[] shape) {
    if (g.numel() == Shapes.numel(shape)) {
      return new Tensor(g.data, shape); // only size-1 dimensions differ
    }
    return new Tensor(Broadcast.sumTo(Tensor.K, g.data, g.shape, shape), shape);
  }
}
