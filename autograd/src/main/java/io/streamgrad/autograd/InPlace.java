package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

import io.streamgrad.autograd.kernels.BinaryOp;
import io.streamgrad.autograd.kernels.UnaryOp;
import java.util.Arrays;

/**
 * In-place ops. Each bumps the version counter; while recording, the tensor's history is rebased on
 * a new node whose first input is its previous state, as PyTorch does.
 */
final class InPlace {

  private InPlace() {}

  static Tensor binary(BinaryOp op, Tensor self, Tensor other) {
    requireBroadcastsTo(other, self);
    self.checkInPlace();
    Node node = null;
    if (Tensor.recording(self, other)) {
      // MUL and DIV need self's old values for other's gradient: keep a private copy of them.
      boolean needsOldSelf = other.requiresGrad() && (op == BinaryOp.MUL || op == BinaryOp.DIV);
      Tensor oldSelf = needsOldSelf ? new Tensor(self.data.clone(), self.shape) : null;
      node = Elementwise.binaryNode(op, self.historyHandle(), other, oldSelf);
    }
    Broadcast.binary(K, op, self.data, self.shape, other.data, other.shape, self.data, self.shape);
    self.rebase(node);
    return self;
  }

  /** PyTorch's check that an in-place op's other operand broadcasts to self's shape. */
  private static void requireBroadcastsTo(Tensor other, Tensor self) {
    int[] outShape = Shapes.broadcast(self.shape, other.shape);
    if (!Shapes.equal(outShape, self.shape)) {
      throw new IllegalArgumentException(
          "output with shape "
              + Shapes.toList(self.shape)
              + " doesn't match the broadcast shape "
              + Shapes.toList(outShape));
    }
  }

  static Tensor fill(Tensor self, float value, String backwardName) {
    self.checkInPlace();
    Node node = null;
    if (Tensor.recording(self)) {
      node = new Node(backwardName, (n, g) -> new Tensor[] {g.zerosLike()}, self.historyHandle());
    }
    Arrays.fill(self.data, value);
    self.rebase(node);
    return self;
  }

  static Tensor copy(Tensor self, Tensor src) {
    requireBroadcastsTo(src, self);
    self.checkInPlace();
    Node node = null;
    if (Tensor.recording(self, src)) {
      node =
          new Node(
              "CopyBackwards",
              (n, g) -> new Tensor[] {n.needs(0) ? g.zerosLike() : null, g},
              self.historyHandle(),
              src);
    }
    if (src.data.length == self.data.length) {
      System.arraycopy(src.data, 0, self.data, 0, self.data.length);
    } else {
      float[] expanded = Broadcast.expand(src.data, src.shape, self.shape);
      System.arraycopy(expanded, 0, self.data, 0, expanded.length);
    }
    self.rebase(node);
    return self;
  }

  /** {@code self += alpha * other} ({@code add_(other, alpha=)}): one axpy when not recording. */
  static Tensor addScaled(Tensor self, float alpha, Tensor other) {
    if (Tensor.recording(self, other) || !Shapes.equal(self.shape, other.shape)) {
      return binary(BinaryOp.ADD, self, alpha == 1f ? other : other.mul(alpha));
    }
    self.checkInPlace();
    K.axpy(alpha, other.data, 0, self.data, 0, self.data.length);
    self.bumpVersion();
    return self;
  }

  /** {@code self += value * a * b} ({@code addcmul_}), or {@code a / b} with {@code divide}. */
  static Tensor addProduct(Tensor self, float value, Tensor a, Tensor b, boolean divide) {
    boolean fast =
        !(Grad.isEnabled() && (self.requiresGrad() || a.requiresGrad() || b.requiresGrad()))
            && Shapes.equal(self.shape, a.shape)
            && Shapes.equal(self.shape, b.shape);
    if (!fast) {
      Tensor term = divide ? a.div(b) : a.mul(b);
      return binary(BinaryOp.ADD, self, term.mul(value));
    }
    self.checkInPlace();
    float[] s = self.data;
    float[] x = a.data;
    float[] y = b.data;
    if (divide) {
      for (int i = 0; i < s.length; i++) {
        s[i] += value * (x[i] / y[i]);
      }
    } else {
      for (int i = 0; i < s.length; i++) {
        s[i] += value * (x[i] * y[i]);
      }
    }
    self.bumpVersion();
    return self;
  }

  /** {@code sqrt_}. */
  static Tensor sqrt(Tensor self) {
    if (Tensor.recording(self)) {
      return copy(self, self.sqrt());
    }
    self.checkInPlace();
    K.unary(UnaryOp.SQRT, self.data, 0, self.data, 0, self.data.length);
    self.bumpVersion();
    return self;
  }
}
