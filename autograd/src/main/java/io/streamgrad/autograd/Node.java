package io.streamgrad.autograd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A backward function in the graph ({@code grad_fn} in PyTorch): it knows how to turn the gradient
 * of its output into gradients of its inputs, micrograd-style, through a small closure.
 *
 * <p>The closure returns gradients in the shape of the (broadcast) output; the engine sums them
 * back to each input's shape in one place, so no op repeats the broadcast reduction.
 */
public final class Node {

  /** Computes input gradients from the output gradient; entries for unneeded inputs may be null. */
  @FunctionalInterface
  interface BackwardFn {
    Tensor[] apply(Node node, Tensor gradOutput);
  }

  private static final String FREED_MESSAGE =
      "Trying to backward through the graph a second time (or directly access saved tensors after"
          + " they have already been freed). Saved intermediate values of the graph are freed when"
          + " you call .backward() or autograd.grad(). Specify retain_graph=True if you need to"
          + " backward through the graph a second time or if you need to access saved tensors after"
          + " calling backward.";

  private final String name;
  private final BackwardFn fn;
  // Edges, one per input: the input's own node (next), or the input itself when it is a leaf that
  // accumulates (bit i of leafMask); neither when the input needs no gradient. The inputs array is
  // the op's own argument array, kept rather than copied: a step allocates less, and the engine
  // reads each input's shape from it for the broadcast reduction.
  final Node[] next;
  private final Tensor[] inputs;
  private final long leafMask;

  private Tensor[] saved;
  private int[] savedVersions;
  private Node[] savedOutputOf; // for PyTorch's "which is output 0 of XBackward0" hint
  private boolean freed;

  // Engine bookkeeping, valid during one backward pass only (see Engine.run): the gradient
  // gathered so far, the consumers still to run, the pass that reached this node, and links of
  // three lists: every node the pass reached, the nodes still to visit while counting, and the
  // stack of nodes ready to run.
  Tensor pending;
  int dependencies;
  Engine.Pass visitedBy;
  Node nextReached;
  Node nextToVisit;
  Node nextReady;

  /** The non-leaf tensor whose grad is kept after backward (retainGrad), if any. */
  Tensor retained;

  Node(String name, BackwardFn fn, Tensor... inputs) {
    this.name = name;
    this.fn = fn;
    int n = inputs.length;
    if (n > Long.SIZE) {
      throw new IllegalArgumentException("a node takes at most " + Long.SIZE + " inputs, got " + n);
    }
    this.next = new Node[n];
    this.inputs = inputs;
    long leafs = 0;
    for (int i = 0; i < n; i++) {
      Tensor in = inputs[i];
      if (in.requiresGrad()) {
        if (in.gradFn != null) {
          next[i] = in.gradFn;
        } else {
          leafs |= 1L << i;
        }
      }
    }
    this.leafMask = leafs;
  }

  /** The leaf tensor that accumulates input {@code i}'s gradient, or null. */
  Tensor leaf(int i) {
    return (leafMask & (1L << i)) != 0 ? inputs[i] : null;
  }

  /** The shape of input {@code i}, the shape its gradient is reduced to. */
  int[] inputShape(int i) {
    return inputs[i].shape;
  }

  /** The inputs, for saving them all (no extra array). */
  Tensor[] inputs() {
    return inputs;
  }

  /** PyTorch's class name for this backward function, e.g. {@code MeanBackward0}. */
  public String name() {
    return name;
  }

  /** The backward functions of the inputs that are themselves results of operations. */
  public List<Node> nextFunctions() {
    List<Node> out = new ArrayList<>(next.length);
    for (Node n : next) {
      if (n != null) {
        out.add(n);
      }
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public String toString() {
    return "<" + name + ">";
  }

  /**
   * A buffer for a gradient that only flows inside the running pass ({@link
   * GradientBuffers#scratch}).
   */
  float[] scratchGradient(int n) {
    return visitedBy.scratch(n);
  }

  /** A zeroed buffer for input {@code i}'s gradient ({@link GradientBuffers#forInput}). */
  float[] gradientBuffer(int i) {
    return GradientBuffers.forInput(this, i);
  }

  /** Whether input {@code i} needs a gradient (false past the last input: optional inputs). */
  boolean needs(int i) {
    return i < next.length && (next[i] != null || (leafMask & (1L << i)) != 0);
  }

  /** Saves tensors for backward, remembering their versions to detect later in-place writes. */
  Node save(Tensor... tensors) {
    saved = tensors;
    // Most saved tensors were never written in place (version 0): then no array is needed.
    savedVersions = null;
    for (int i = 0; i < tensors.length; i++) {
      int v = tensors[i] == null ? 0 : tensors[i].version();
      if (v != 0) {
        if (savedVersions == null) {
          savedVersions = new int[tensors.length];
        }
        savedVersions[i] = v;
      }
    }
    return this;
  }

  private int savedVersion(int i) {
    return savedVersions == null ? 0 : savedVersions[i];
  }

  /** Marks saved tensor {@code i} as this node's own output (it is saved after creation). */
  Node saveOutput(int i, Tensor output) {
    if (savedOutputOf == null) {
      savedOutputOf = new Node[saved.length];
    }
    saved[i] = output;
    int v = output.version();
    if (savedVersions == null && v != 0) {
      savedVersions = new int[saved.length];
    }
    if (savedVersions != null) {
      savedVersions[i] = v;
    }
    savedOutputOf[i] = this;
    return this;
  }

  /** A saved tensor, checked against the freed state and its version counter. */
  Tensor saved(int i) {
    if (freed) {
      throw new IllegalStateException(FREED_MESSAGE);
    }
    Tensor t = saved[i];
    int expected = savedVersion(i);
    if (t.version() != expected) {
      Node producer =
          savedOutputOf != null && savedOutputOf[i] != null ? savedOutputOf[i] : t.gradFn;
      // PyTorch names the forward op here: "output 0 of Exp" for ExpBackward0.
      String which =
          producer == null
              ? ""
              : ", which is output 0 of " + producer.name.replaceFirst("Backward\\d*$", "") + ",";
      throw new IllegalStateException(
          "one of the variables needed for gradient computation has been modified by an inplace"
              + " operation: [torch.FloatTensor "
              + Shapes.toList(t.shape)
              + "]"
              + which
              + " is at version "
              + t.version()
              + "; expected version "
              + expected
              + " instead. Hint: enable anomaly detection to find the operation that failed to"
              + " compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).");
    }
    return t;
  }

  Tensor[] apply(Tensor gradOutput) {
    if (freed) {
      throw new IllegalStateException(FREED_MESSAGE);
    }
    return fn.apply(this, gradOutput);
  }

  /**
   * Drops saved tensors after a backward without retainGraph; nodes that saved none stay usable.
   */
  void release() {
    if (saved != null) {
      saved = null;
      savedOutputOf = null;
      freed = true;
    }
  }
}
