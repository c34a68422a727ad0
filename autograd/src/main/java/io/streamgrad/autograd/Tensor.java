package io.streamgrad.autograd;

import io.streamgrad.autograd.kernels.BinaryOp;
import io.streamgrad.autograd.kernels.KernelProvider;
import io.streamgrad.autograd.kernels.Kernels;
import io.streamgrad.autograd.kernels.UnaryOp;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;

/**
 * A dense float32 tensor, row-major, with PyTorch's autograd semantics: {@link
 * #requiresGrad(boolean)}, {@link #backward()}, {@link #grad()} that accumulates until zeroed,
 * {@link #retainGrad()} for non-leaves, version counters that catch in-place writes to saved
 * tensors, and {@link Grad#disabled()} scopes.
 *
 * <p>Views ({@link #reshape}, {@link #detach}) share storage and version counter with their source.
 * A tensor is not thread-safe; graphs are built and run on one thread.
 */
public final class Tensor {

  static final Kernels K = KernelProvider.get();

  private static final System.Logger LOG = System.getLogger(Tensor.class.getName());
  private static final AtomicBoolean NON_LEAF_GRAD_WARNED = new AtomicBoolean();
  static final String NON_LEAF_GRAD_WARNING =
      "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad"
          + " attribute won't be populated during autograd.backward(). If you indeed want the .grad"
          + " field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor."
          + " If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor"
          + " instead. See github.com/pytorch/pytorch/pull/30531 for more informations.";

  final float[] data;
  final int[] shape;

  /**
   * Shared with views; created on the first view or in-place write (most tensors never need one).
   */
  private VersionCounter version;

  private boolean requiresGrad;
  Node gradFn;
  Tensor grad;
  private SparseGrad sparseGrad;
  private boolean retainsGrad;

  /** Set on views of a leaf that requires grad: in-place writes to them are refused. */
  private final Tensor viewBase;

  Tensor(float[] data, int[] shape) {
    this(data, shape, null, null);
  }

  private Tensor(float[] data, int[] shape, VersionCounter version, Tensor viewBase) {
    this.data = data;
    this.shape = shape;
    this.version = version;
    this.viewBase = viewBase;
  }

  /** A result of an op: records {@code node} as its grad_fn when non-null. */
  static Tensor result(float[] data, int[] shape, Node node) {
    Tensor t = new Tensor(data, shape);
    if (node != null) {
      t.gradFn = node;
      t.requiresGrad = true;
    }
    return t;
  }

  /** Whether an op over these inputs records a graph. */
  static boolean recording(Tensor a) {
    return a.requiresGrad && Grad.isEnabled();
  }

  static boolean recording(Tensor a, Tensor b) {
    return (a.requiresGrad || b.requiresGrad) && Grad.isEnabled();
  }

  // ===== creation ============================================================================

  /** A 1-D tensor holding a copy of {@code values}. */
  public static Tensor of(float... values) {
    return new Tensor(values.clone(), new int[] {values.length});
  }

  /** A 2-D tensor holding a copy of {@code rows}; all rows must have the same length. */
  public static Tensor of(float[][] rows) {
    int r = rows.length;
    int c = r == 0 ? 0 : rows[0].length;
    float[] data = new float[r * c];
    for (int i = 0; i < r; i++) {
      if (rows[i].length != c) {
        throw new IllegalArgumentException(
            "expected sequence of length " + c + " at dim 1 (got " + rows[i].length + ")");
      }
      System.arraycopy(rows[i], 0, data, i * c, c);
    }
    return new Tensor(data, new int[] {r, c});
  }

  /** A 0-d tensor. */
  public static Tensor scalar(float value) {
    return new Tensor(new float[] {value}, Shapes.SCALAR);
  }

  /**
   * A tensor over {@code data} without copying: writes through either are seen by both. For
   * reusable buffers on hot paths; {@code data.length} must equal the shape's element count.
   */
  public static Tensor wrap(float[] data, int... shape) {
    int[] s = shape.clone();
    if (Shapes.numel(s) != data.length) {
      throw new IllegalArgumentException(
          "shape "
              + Shapes.toList(s)
              + " needs "
              + Shapes.numel(s)
              + " elements, the array has "
              + data.length);
    }
    return new Tensor(data, s);
  }

  public static Tensor zeros(int... shape) {
    int[] s = shape.clone();
    return new Tensor(new float[Shapes.numel(s)], s);
  }

  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  public static Tensor full(float value, int... shape) {
    Tensor t = zeros(shape);
    Arrays.fill(t.data, value);
    return t;
  }

  /** Uniform on [0, 1), like {@code torch.rand}. */
  public static Tensor rand(int... shape) {
    return rand(ThreadLocalRandom.current(), shape);
  }

  public static Tensor rand(RandomGenerator rng, int... shape) {
    Tensor t = zeros(shape);
    for (int i = 0; i < t.data.length; i++) {
      t.data[i] = rng.nextFloat();
    }
    return t;
  }

  /** Standard normal, like {@code torch.randn}. */
  public static Tensor randn(int... shape) {
    return randn(ThreadLocalRandom.current(), shape);
  }

  public static Tensor randn(RandomGenerator rng, int... shape) {
    Tensor t = zeros(shape);
    for (int i = 0; i < t.data.length; i++) {
      t.data[i] = (float) rng.nextGaussian();
    }
    return t;
  }

  /** A tensor of zeros with this tensor's shape. */
  public Tensor zerosLike() {
    return new Tensor(new float[data.length], shape);
  }

  // ===== reading =============================================================================

  /** The shape; a copy. */
  public int[] shape() {
    return shape.clone();
  }

  /** Size of dimension {@code dim} (negative counts from the end). */
  public int size(int dim) {
    return shape[Shapes.normalizeDim(dim, shape.length)];
  }

  public int dim() {
    return shape.length;
  }

  public int numel() {
    return data.length;
  }

  /** The single value of a one-element tensor. */
  public float item() {
    if (data.length != 1) {
      throw new IllegalStateException(
          "a Tensor with " + data.length + " elements cannot be converted to Scalar");
    }
    return data[0];
  }

  /** A copy of the values, row-major. */
  public float[] toArray() {
    return data.clone();
  }

  /** Copies the values into {@code dst} at {@code offset}, without allocating. */
  public void copyTo(float[] dst, int offset) {
    System.arraycopy(data, 0, dst, offset, data.length);
  }

  /** The element at {@code index} (one index per dimension). */
  public float get(int... index) {
    return data[offset(index)];
  }

  private int offset(int[] index) {
    if (index.length != shape.length) {
      throw new IllegalArgumentException(
          "expected "
              + shape.length
              + " indices for a "
              + shape.length
              + "-D tensor, got "
              + index.length);
    }
    int off = 0;
    for (int d = 0; d < shape.length; d++) {
      int i = index[d];
      int size = shape[d];
      if (i < -size || i >= size) {
        throw new IndexOutOfBoundsException(
            "index " + i + " is out of bounds for dimension " + d + " with size " + size);
      }
      off = off * size + (i < 0 ? i + size : i);
    }
    return off;
  }

  /** The number of in-place writes this tensor's storage has seen ({@code t._version}). */
  public int version() {
    return version == null ? 0 : version.get();
  }

  /**
   * The backing array itself (row-major), for kernels that update a few rows in place, such as a
   * sparse optimizer step; call {@link #markModified()} after writing, so saved-tensor checks see
   * the write. Prefer the in-place ops elsewhere.
   */
  public float[] storage() {
    return data;
  }

  /** Records an in-place write made through {@link #storage()} ({@code _version += 1}). */
  public void markModified() {
    bumpVersion();
  }

  /** Records an in-place write to this tensor's storage. */
  void bumpVersion() {
    sharedVersion().bump();
  }

  /** The counter this tensor's views share, created on demand. */
  private VersionCounter sharedVersion() {
    if (version == null) {
      version = new VersionCounter();
    }
    return version;
  }

  @Override
  public String toString() {
    return TensorFormatter.format(this);
  }

  // ===== autograd ============================================================================

  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** Sets whether a leaf tracks gradients ({@code requires_grad_}); returns this. */
  public Tensor requiresGrad(boolean value) {
    if (gradFn != null) {
      throw new IllegalStateException(
          value
              ? "you can only change requires_grad flags of leaf variables."
              : "you can only change requires_grad flags of leaf variables. If you want to use a"
                  + " computed variable in a subgraph that doesn't require differentiation use"
                  + " var_no_grad = var.detach().");
    }
    this.requiresGrad = value;
    return this;
  }

  /** Leaves are tensors not produced by a recorded op: user-created, or not requiring grad. */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /** The backward function that produced this tensor, or null for a leaf. */
  public Node gradFn() {
    return gradFn;
  }

  /**
   * The accumulated gradient; null before the first backward. On a non-leaf that did not call
   * {@link #retainGrad()} this is null and a warning (PyTorch's text) is logged once.
   */
  public Tensor grad() {
    if (gradFn != null && !retainsGrad && NON_LEAF_GRAD_WARNED.compareAndSet(false, true)) {
      LOG.log(Level.WARNING, NON_LEAF_GRAD_WARNING);
    }
    return grad;
  }

  /**
   * The sparse gradient a sparse op ({@link Embeddings}) accumulated into this leaf ({@code
   * grad.is_sparse}), or null; {@link #grad()} stays null while the gradient is sparse. Cleared by
   * {@code zeroGrad}, dropped by {@code setGrad(null)}.
   */
  public SparseGrad sparseGrad() {
    return sparseGrad;
  }

  /** The sparse gradient to add into, created on first use. */
  SparseGrad sparseGradForAccumulation() {
    if (sparseGrad == null) {
      sparseGrad = new SparseGrad(shape[0], shape[1]);
    }
    return sparseGrad;
  }

  /** After a sparse accumulation: dense + sparse is dense, as in PyTorch. */
  void sparseGradChanged() {
    if (grad != null) {
      sparseGrad.addTo(grad.data);
      sparseGrad.clear();
      grad.bumpVersion();
    }
  }

  /** Replaces the gradient ({@code t.grad = g}); null clears it, sparse or dense. */
  public void setGrad(Tensor g) {
    if (g == null) {
      sparseGrad = null;
    }
    if (g != null && !Shapes.equal(g.shape, shape)) {
      throw new IllegalArgumentException(
          "assigned grad has data of a different size: "
              + Shapes.torchSize(g.shape)
              + " vs "
              + Shapes.torchSize(shape));
    }
    this.grad = g;
  }

  /** Keeps this non-leaf's gradient after backward ({@code retain_grad}); a no-op on leaves. */
  public Tensor retainGrad() {
    if (!requiresGrad) {
      throw new IllegalStateException("can't retain_grad on Tensor that has requires_grad=False");
    }
    if (gradFn != null) {
      retainsGrad = true;
      gradFn.retained = this;
    }
    return this;
  }

  public boolean retainsGrad() {
    return retainsGrad;
  }

  /** Backward from a one-element tensor, freeing the graph's saved tensors. */
  public void backward() {
    Engine.backward(this, null, false);
  }

  /** Backward with retainGraph: the graph can be run through again. */
  public void backward(boolean retainGraph) {
    Engine.backward(this, null, retainGraph);
  }

  /** Backward with an explicit output gradient (needed for non-scalar outputs). */
  public void backward(Tensor gradient) {
    Engine.backward(this, gradient, false);
  }

  public void backward(Tensor gradient, boolean retainGraph) {
    Engine.backward(this, gradient, retainGraph);
  }

  /** A view of the same storage, out of the graph. */
  public Tensor detach() {
    return new Tensor(data, shape, sharedVersion(), null);
  }

  /** An independent copy with the same graph connection ({@code clone}: CloneBackward0). */
  public Tensor copy() {
    Node node =
        recording(this) ? new Node("CloneBackward0", (n, g) -> new Tensor[] {g}, this) : null;
    return result(data.clone(), shape, node);
  }

  /** Accumulates {@code g} (already of this tensor's shape) into this tensor's grad. */
  void accumulateGrad(Tensor g) {
    if (grad == null) {
      grad = new Tensor(g.data.clone(), shape);
      if (sparseGrad != null && sparseGrad.size() > 0) {
        sparseGrad.addTo(grad.data); // dense + sparse is dense
        sparseGrad.clear();
      }
    } else {
      K.binary(BinaryOp.ADD, grad.data, 0, g.data, 0, grad.data, 0, data.length);
      grad.bumpVersion();
    }
  }

  // ===== elementwise =========================================================================

  public Tensor add(Tensor other) {
    return Elementwise.binary(BinaryOp.ADD, this, other);
  }

  public Tensor add(float s) {
    return Elementwise.scalar(BinaryOp.ADD, this, s);
  }

  public Tensor sub(Tensor other) {
    return Elementwise.binary(BinaryOp.SUB, this, other);
  }

  public Tensor sub(float s) {
    return Elementwise.scalar(BinaryOp.SUB, this, s);
  }

  public Tensor mul(Tensor other) {
    return Elementwise.binary(BinaryOp.MUL, this, other);
  }

  public Tensor mul(float s) {
    return Elementwise.scalar(BinaryOp.MUL, this, s);
  }

  public Tensor div(Tensor other) {
    return Elementwise.binary(BinaryOp.DIV, this, other);
  }

  public Tensor div(float s) {
    return Elementwise.scalar(BinaryOp.DIV, this, s);
  }

  public Tensor neg() {
    return Elementwise.unary(UnaryOp.NEG, this);
  }

  public Tensor pow(float exponent) {
    return Elementwise.pow(this, exponent);
  }

  public Tensor exp() {
    return Elementwise.unary(UnaryOp.EXP, this);
  }

  public Tensor log() {
    return Elementwise.unary(UnaryOp.LOG, this);
  }

  public Tensor sqrt() {
    return Elementwise.unary(UnaryOp.SQRT, this);
  }

  public Tensor abs() {
    return Elementwise.unary(UnaryOp.ABS, this);
  }

  public Tensor sigmoid() {
    return Elementwise.unary(UnaryOp.SIGMOID, this);
  }

  public Tensor tanh() {
    return Elementwise.unary(UnaryOp.TANH, this);
  }

  public Tensor relu() {
    return Elementwise.unary(UnaryOp.RELU, this);
  }

  // ===== reductions ==========================================================================

  public Tensor sum() {
    return Reductions.sum(this);
  }

  public Tensor sum(int dim, boolean keepDim) {
    return Reductions.sum(this, dim, keepDim, false);
  }

  public Tensor mean() {
    return Reductions.mean(this);
  }

  public Tensor mean(int dim, boolean keepDim) {
    return Reductions.sum(this, dim, keepDim, true);
  }

  /** The L2 norm of all elements ({@code t.norm()}), as a 0-d tensor. */
  public Tensor norm() {
    return Reductions.norm(this);
  }

  // ===== linear algebra and shape ============================================================

  /** {@code torch.matmul} for 1-D and 2-D operands. */
  public Tensor matmul(Tensor other) {
    return LinearAlgebra.matmul(this, other);
  }

  /** {@code torch.dot}: the inner product of two 1-D tensors. */
  public Tensor dot(Tensor other) {
    return LinearAlgebra.dot(this, other);
  }

  /** The transpose of a 2-D tensor ({@code t()}); 0-D and 1-D tensors are returned as they are. */
  public Tensor transpose() {
    return LinearAlgebra.transpose(this);
  }

  /** A view with another shape of the same element count; one dimension may be -1. */
  public Tensor reshape(int... newShape) {
    int[] s = Shapes.inferReshape(newShape, data.length);
    int[] from = shape;
    Node node =
        recording(this)
            ? new Node("ViewBackward0", (n, g) -> new Tensor[] {g.reshape(from)}, this)
            : null;
    Tensor view = new Tensor(data, s, sharedVersion(), isLeaf() && requiresGrad ? this : viewBase);
    if (node != null) {
      view.gradFn = node;
      view.requiresGrad = true;
    }
    return view;
  }

  // ===== in place ============================================================================

  public Tensor addInPlace(Tensor other) {
    return InPlace.binary(BinaryOp.ADD, this, other);
  }

  public Tensor addInPlace(float s) {
    return InPlace.binary(BinaryOp.ADD, this, scalar(s));
  }

  public Tensor subInPlace(Tensor other) {
    return InPlace.binary(BinaryOp.SUB, this, other);
  }

  public Tensor subInPlace(float s) {
    return InPlace.binary(BinaryOp.SUB, this, scalar(s));
  }

  public Tensor mulInPlace(Tensor other) {
    return InPlace.binary(BinaryOp.MUL, this, other);
  }

  public Tensor mulInPlace(float s) {
    return InPlace.binary(BinaryOp.MUL, this, scalar(s));
  }

  public Tensor divInPlace(Tensor other) {
    return InPlace.binary(BinaryOp.DIV, this, other);
  }

  public Tensor divInPlace(float s) {
    return InPlace.binary(BinaryOp.DIV, this, scalar(s));
  }

  /** {@code this += alpha * other} ({@code add_(other, alpha=alpha)}), without a temporary. */
  public Tensor addInPlace(float alpha, Tensor other) {
    return InPlace.addScaled(this, alpha, other);
  }

  /** {@code this += value * a * b} ({@code addcmul_}). */
  public Tensor addcmulInPlace(float value, Tensor a, Tensor b) {
    return InPlace.addProduct(this, value, a, b, false);
  }

  /** {@code this += value * a / b} ({@code addcdiv_}). */
  public Tensor addcdivInPlace(float value, Tensor a, Tensor b) {
    return InPlace.addProduct(this, value, a, b, true);
  }

  /** {@code sqrt_}. */
  public Tensor sqrtInPlace() {
    return InPlace.sqrt(this);
  }

  /** Sets every element to 0 ({@code zero_}). */
  public Tensor zero() {
    return InPlace.fill(this, 0f, "ZeroBackward0");
  }

  /** Sets every element to {@code value} ({@code fill_}). */
  public Tensor fill(float value) {
    return InPlace.fill(this, value, "FillBackward2");
  }

  /** Copies {@code src}'s values (broadcast to this shape) into this tensor ({@code copy_}). */
  public Tensor copyFrom(Tensor src) {
    return InPlace.copy(this, src);
  }

  /** Refuses in-place writes that would corrupt a graph, with PyTorch's texts. */
  void checkInPlace() {
    boolean leafRequiringGrad = requiresGrad && gradFn == null;
    boolean viewOfOne = viewBase != null && viewBase.requiresGrad;
    if (!(leafRequiringGrad || viewOfOne) || !Grad.isEnabled()) {
      return; // only those two can break a graph; skip the thread-local lookup otherwise
    }
    if (leafRequiringGrad) {
      throw new IllegalStateException(
          "a leaf Variable that requires grad is being used in an in-place operation.");
    }
    if (viewOfOne) {
      throw new IllegalStateException(
          "a view of a leaf Variable that requires grad is being used in an in-place operation.");
    }
  }

  /**
   * After an in-place op: bump the version and, when recording, rebase this tensor's history on
   * {@code node} (whose first input is the tensor's previous state).
   */
  void rebase(Node node) {
    bumpVersion();
    if (node == null) {
      return;
    }
    if (retainsGrad && gradFn != null) {
      gradFn.retained = null;
      node.retained = this;
    }
    gradFn = node;
    requiresGrad = true;
  }

  /** This tensor's pre-in-place state as a graph input: same shape and grad_fn, no data. */
  Tensor historyHandle() {
    Tensor h = new Tensor(data, shape, sharedVersion(), null);
    h.gradFn = gradFn;
    h.requiresGrad = requiresGrad;
    return h;
  }

  /** Reports whether the non-leaf warning was already logged, and re-arms it (tests only). */
  static boolean resetNonLeafWarning() {
    return NON_LEAF_GRAD_WARNED.getAndSet(false);
  }
}
