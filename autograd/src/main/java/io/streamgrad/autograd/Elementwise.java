package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

import io.streamgrad.autograd.kernels.BinaryOp;
import io.streamgrad.autograd.kernels.UnaryOp;

/** Elementwise ops with broadcasting, and their backward closures. */
final class Elementwise {

  private Elementwise() {}

  static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
    int[] outShape = Shapes.broadcast(a.shape, b.shape);
    int n =
        outShape == a.shape
            ? a.data.length
            : outShape == b.shape ? b.data.length : Shapes.numel(outShape);
    float[] out = new float[n];
    Broadcast.binary(K, op, a.data, a.shape, b.data, b.shape, out, outShape);
    return Tensor.result(out, outShape, Tensor.recording(a, b) ? binaryNode(op, a, b) : null);
  }

  /** The backward of {@code a op b}; gradients come out in the broadcast shape. */
  static Node binaryNode(BinaryOp op, Tensor a, Tensor b) {
    return binaryNode(op, a, b, a);
  }

  /**
   * The backward of {@code a op b} where {@code aValue} holds a's values (an in-place op passes a
   * private copy of the values it is about to overwrite; null when b needs no gradient).
   */
  static Node binaryNode(BinaryOp op, Tensor a, Tensor b, Tensor aValue) {
    return switch (op) {
      case ADD -> new Node("AddBackward0", (n, g) -> new Tensor[] {g, g}, a, b);
      case SUB ->
          new Node("SubBackward0", (n, g) -> new Tensor[] {g, n.needs(1) ? g.neg() : null}, a, b);
      case MUL -> {
        Node node =
            new Node(
                "MulBackward0",
                (n, g) ->
                    new Tensor[] {
                      n.needs(0) ? g.mul(n.saved(1)) : null, n.needs(1) ? g.mul(n.saved(0)) : null
                    },
                a,
                b);
        yield node.save(node.needs(1) ? aValue : null, node.needs(0) ? b : null);
      }
      case DIV -> {
        Node node =
            new Node(
                "DivBackward0",
                (n, g) -> {
                  Tensor bb = n.saved(1);
                  Tensor ga = n.needs(0) ? g.div(bb) : null;
                  // PyTorch: -grad * self / (other * other)
                  Tensor gb = n.needs(1) ? g.neg().mul(n.saved(0)).div(bb.mul(bb)) : null;
                  return new Tensor[] {ga, gb};
                },
                a,
                b);
        yield node.save(node.needs(1) ? aValue : null, b);
      }
    };
  }

  static Tensor scalar(BinaryOp op, Tensor a, float s) {
    float[] out = new float[a.data.length];
    K.binaryScalarRight(op, a.data, 0, s, out, 0, out.length);
    Node node = null;
    if (Tensor.recording(a)) {
      node =
          switch (op) {
            case ADD -> new Node("AddBackward0", (n, g) -> new Tensor[] {g}, a);
            case SUB -> new Node("SubBackward0", (n, g) -> new Tensor[] {g}, a);
            case MUL -> new Node("MulBackward0", (n, g) -> new Tensor[] {g.mul(s)}, a);
            case DIV -> new Node("DivBackward0", (n, g) -> new Tensor[] {g.div(s)}, a);
          };
    }
    return Tensor.result(out, a.shape, node);
  }

  static Tensor unary(UnaryOp op, Tensor a) {
    float[] out = new float[a.data.length];
    K.unary(op, a.data, 0, out, 0, out.length);
    if (!Tensor.recording(a)) {
      return Tensor.result(out, a.shape, null);
    }
    Node node =
        new Node(
            op.backwardName,
            (n, g) -> {
              float[] gi = new float[g.data.length];
              // The derivative reads only what the op saved: the input, the result, or nothing.
              float[] v = op.saved == UnaryOp.Saved.NOTHING ? g.data : n.saved(0).data;
              K.unaryBackward(op, v, v, g.data, gi, gi.length);
              return new Tensor[] {new Tensor(gi, g.shape)};
            },
            a);
    Tensor result = Tensor.result(out, a.shape, node);
    switch (op.saved) {
      case NOTHING -> {}
      case INPUT -> node.save(a);
      case OUTPUT -> node.save(new Tensor[1]).saveOutput(0, result);
    }
    return result;
  }

  static Tensor pow(Tensor a, float p) {
    float[] out = new float[a.data.length];
    K.pow(a.data, 0, p, out, 0, out.length);
    Node node = null;
    if (Tensor.recording(a)) {
      node =
          new Node(
              "PowBackward0",
              (n, g) -> {
                if (p == 0f) {
                  return new Tensor[] {g.zerosLike()};
                }
                Tensor x = n.saved(0);
                float[] gi = new float[g.data.length];
                if (p == 2f) {
                  K.binary(BinaryOp.MUL, g.data, 0, x.data, 0, gi, 0, gi.length);
                  K.scale(2f, gi, 0, gi, 0, gi.length);
                } else {
                  K.pow(x.data, 0, p - 1f, gi, 0, gi.length);
                  K.scale(p, gi, 0, gi, 0, gi.length);
                  K.binary(BinaryOp.MUL, gi, 0, g.data, 0, gi, 0, gi.length);
                }
                return new Tensor[] {new Tensor(gi, g.shape)};
              },
              a);
      node.save(a);
    }
    return Tensor.result(out, a.shape, node);
  }
}
