package io.streamgrad.autograd;

import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs backward iteratively (no recursion, so graph depth is unbounded): discovers the graph from
 * the root, counts each node's consumers, then runs nodes once all their output's gradient has
 * arrived. Broadcast gradients are summed back to each input's shape here, in one place.
 */
final class Engine {

  /** Gives each thread's scratch a distinct range of visit marks. */
  private static final AtomicLong THREAD_SLOTS = new AtomicLong();

  /** d(loss)/d(loss) for the usual 0-d root; never written to (nothing adds in place into a seed). */
  private static final Tensor SCALAR_ONE = Tensor.scalar(1f);

  /** Per-thread lists reused across passes: a training step allocates no engine bookkeeping. */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    final ArrayList<Node> nodes = new ArrayList<>();
    final ArrayList<Node> stack = new ArrayList<>();
    boolean inUse;
    // Visit marks unique across threads without an atomic per pass: a slot in the high bits.
    private final long slot = THREAD_SLOTS.incrementAndGet() << 40;
    private long passes;

    long nextMark() {
      return slot | (++passes & ((1L << 40) - 1));
    }
  }

  private Engine() {}

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

  private static void run(Node rootNode, Tensor seed, boolean retainGraph) {
    Scratch scratch = SCRATCH.get();
    if (scratch.inUse) {
      scratch = new Scratch(); // a backward started from inside a backward closure
    }
    scratch.inUse = true;
    ArrayList<Node> nodes = scratch.nodes;
    ArrayList<Node> ready = scratch.stack;
    try {
      discover(rootNode, nodes, ready, scratch.nextMark());
      rootNode.pending = seed;
      ready.add(rootNode);
      while (!ready.isEmpty()) {
        Node node = ready.remove(ready.size() - 1);
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
        for (int i = 0; i < node.next.length; i++) {
          Tensor gi = grads == null ? null : grads[i];
          if (gi != null && !Shapes.equal(gi.shape, node.inputShape(i))) {
            gi = reduceTo(gi, node.inputShape(i));
          }
          Tensor leaf = node.leaf(i);
          if (leaf != null) {
            if (gi != null) {
              leaf.accumulateGrad(gi);
            }
            continue;
          }
          Node next = node.next[i];
          if (next == null) {
            continue;
          }
          if (gi != null) {
            // Never add in place into a pending gradient: closures may hand one tensor to two inputs.
            next.pending = next.pending == null ? gi : next.pending.add(gi);
          }
          if (--next.dependencies == 0) {
            ready.add(next);
          }
        }
      }
    } finally {
      for (int i = 0; i < nodes.size(); i++) {
        Node n = nodes.get(i);
        n.pending = null;
        n.dependencies = 0;
      }
      nodes.clear();
      ready.clear();
      scratch.inUse = false;
    }
  }

  /** Visits every node reachable from the root once, counting the edges into each. */
  private static void discover(Node rootNode, ArrayList<Node> nodes, ArrayList<Node> stack, long mark) {
    rootNode.visitMark = mark;
    rootNode.dependencies = 0;
    nodes.add(rootNode);
    stack.add(rootNode);
    while (!stack.isEmpty()) {
      Node node = stack.remove(stack.size() - 1);
      for (Node next : node.next) {
        if (next == null) {
          continue;
        }
        if (next.visitMark != mark) {
          next.visitMark = mark;
          next.dependencies = 0;
          nodes.add(next);
          stack.add(next);
        }
        next.dependencies++;
      }
    }
  }

  /** The central broadcast reduction: sums a gradient down to the input's shape. */
  static Tensor reduceTo(Tensor g, int[] shape) {
    if (g.numel() == Shapes.numel(shape)) {
      return new Tensor(g.data, shape); // only size-1 dimensions differ
    }
    return new Tensor(Broadcast.sumTo(Tensor.K, g.data, g.shape, shape), shape);
  }
}
