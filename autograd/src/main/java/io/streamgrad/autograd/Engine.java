package io.streamgrad.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs backward iteratively (no recursion, so graph depth is unbounded): discovers the graph from
 * the root, counts each node's consumers, then runs nodes once all their output's gradient has
 * arrived. Broadcast gradients are summed back to each input's shape here, in one place.
 */
final class Engine {

  private static final AtomicLong PASSES = new AtomicLong();

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
      seed = Tensor.full(1f, root.shape);
    } else {
      if (!Arrays.equals(gradient.shape, root.shape)) {
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
    ArrayList<Node> nodes = discover(rootNode);
    try {
      ArrayDeque<Node> ready = new ArrayDeque<>();
      rootNode.pending = seed;
      ready.push(rootNode);
      while (!ready.isEmpty()) {
        Node node = ready.pop();
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
          if (gi != null && !Arrays.equals(gi.shape, node.inputShapes[i])) {
            gi = reduceTo(gi, node.inputShapes[i]);
          }
          Tensor leaf = node.leaves[i];
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
            ready.push(next);
          }
        }
      }
    } finally {
      for (Node n : nodes) {
        n.pending = null;
        n.dependencies = 0;
      }
    }
  }

  /** Visits every node reachable from the root once, counting the edges into each. */
  private static ArrayList<Node> discover(Node rootNode) {
    long mark = PASSES.incrementAndGet();
    ArrayList<Node> nodes = new ArrayList<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    rootNode.visitMark = mark;
    rootNode.dependencies = 0;
    nodes.add(rootNode);
    stack.push(rootNode);
    while (!stack.isEmpty()) {
      Node node = stack.pop();
      for (Node next : node.next) {
        if (next == null) {
          continue;
        }
        if (next.visitMark != mark) {
          next.visitMark = mark;
          next.dependencies = 0;
          nodes.add(next);
          stack.push(next);
        }
        next.dependencies++;
      }
    }
    return nodes;
  }

  /** The central broadcast reduction: sums a gradient down to the input's shape. */
  static Tensor reduceTo(Tensor g, int[] shape) {
    if (g.numel() == Shapes.numel(shape)) {
      return new Tensor(g.data, shape); // only size-1 dimensions differ
    }
    return new Tensor(Broadcast.sumTo(Tensor.K, g.data, g.shape, shape), shape);
  }
}
