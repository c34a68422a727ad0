package io.streamgrad.autograd;

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

  private Engine() {}

  /**
   * One backward pass: the mark on the nodes it reached, and (as its {@link GradientBuffers}) the
   * buffers it lends; one object per pass.
   */
  static final class Pass extends GradientBuffers {}

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
   * PyTorch's algorithm: count each node's consumers ({@link #discover}), then run a node once the
   * gradients of all its consumers have arrived, passing each input its gradient reduced to the
   * input's shape. The pass's lists are links in the nodes themselves, not arrays that outlive the
   * pass (why: BENCHMARKS.md, "The 64×16 target").
   */
  private static void run(Node rootNode, Tensor seed, boolean retainGraph) {
    Pass pass = new Pass();
    Node reached = discover(rootNode, pass);
    try {
      rootNode.pending = seed;
      Node ready = rootNode;
      rootNode.nextReady = null;
      while (ready != null) {
        Node node = ready; // pop the ready stack
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
              AccumulateGrad.into(leaf, gi);
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
        n.nextToVisit = null;
        n.nextReached = null;
        n.visitedBy = null;
        n = following;
      }
      pass.giveBack();
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
    Node toVisit = rootNode;
    rootNode.nextToVisit = null;
    while (toVisit != null) {
      Node node = toVisit;
      toVisit = node.nextToVisit;
      node.nextToVisit = null;
      for (Node next : node.next) {
        if (next == null) {
          continue;
        }
        if (next.visitedBy != pass) {
          next.visitedBy = pass;
          next.dependencies = 0;
          next.nextReached = reached;
          reached = next;
          next.nextToVisit = toVisit;
          toVisit = next;
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
