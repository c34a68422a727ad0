package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

import io.streamgrad.autograd.kernels.BinaryOp;

/**
 * Loss functions ({@code torch.nn.functional}), each a single fused node with mean reduction: one
 * pass forward, one pass backward, no temporaries beyond the gradients.
 *
 * <p>Each takes optional per-element {@code weights} (importance weights), with PyTorch's {@code
 * weight=} semantics: the loss is {@code mean(w_i * l_i)}, so all-ones weights give the unweighted
 * loss.
 */
public final class Losses {

  private Losses() {}

  /** Mean squared error, {@code mean((pred - target)^2)} ({@code F.mse_loss}). */
  public static Tensor mse(Tensor pred, Tensor target) {
    if (!Shapes.equal(pred.shape, target.shape)) {
      // PyTorch broadcasts here (with a warning); the composed form does the same.
      return pred.sub(target).pow(2f).mean();
    }
    return mse(pred, target, null);
  }

  /**
   * Weighted mean squared error, {@code mean(w * (pred - target)^2)}; null weights mean all ones.
   * Like PyTorch's, the unweighted form keeps nothing but its inputs: the forward pass is one fused
   * squared-distance reduction, and backward recomputes {@code pred - target} straight into the
   * gradient it returns.
   */
  public static Tensor mse(Tensor pred, Tensor target, Tensor weights) {
    requireSameShape(pred, target);
    if (weights != null) {
      requireSameShape(pred, weights);
      return weightedMse(pred, target, weights);
    }
    int n = pred.data.length;
    float[] out = {K.squaredDistance(pred.data, 0, target.data, 0, n) / n};
    Node node = null;
    if (Tensor.recording(pred, target)) {
      // d/dpred = 2 (pred - target) / n * g; d/dtarget is its negation.
      node =
          new Node(
              "MseLossBackward0",
              (nd, g) -> {
                float[] p = nd.saved(0).data;
                float[] t = nd.saved(1).data;
                float[] gp = nd.scratchGradient(n); // only flows inside this pass
                K.scaledDifference(2f * g.item() / n, p, 0, t, 0, gp, 0, n);
                Tensor grad = new Tensor(gp, pred.shape);
                return new Tensor[] {grad, nd.needs(1) ? grad.neg() : null};
              },
              pred,
              target);
      node.save(node.inputs()); // the inputs are what it saves: no second array
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  private static Tensor weightedMse(Tensor pred, Tensor target, Tensor weights) {
    int n = pred.data.length;
    float[] diff = new float[n];
    K.binary(BinaryOp.SUB, pred.data, 0, target.data, 0, diff, 0, n);
    float[] weighted = new float[n];
    K.binary(BinaryOp.MUL, weights.data, 0, diff, 0, weighted, 0, n);
    float[] out = {K.dot(weighted, 0, diff, 0, n) / n};
    Node node = null;
    if (recording(pred, target, weights)) {
      // d/dpred = 2 w (pred - target) / n * g; d/dtarget is its negation; d/dw = (pred - target)^2
      // / n * g.
      Tensor diffT = new Tensor(diff, pred.shape);
      Tensor weightedT = new Tensor(weighted, pred.shape);
      node =
          new Node(
              "WeightedMseLossBackward0",
              (nd, g) -> {
                nd.saved(0); // PyTorch's freed-graph and in-place checks apply to the inputs
                nd.saved(1);
                float scale = 2f * g.item() / n;
                Tensor gp = weightedT.mul(scale);
                Tensor gw = nd.needs(2) ? diffT.mul(diffT).mul(g.item() / n) : null;
                return new Tensor[] {gp, nd.needs(1) ? gp.neg() : null, gw};
              },
              pred,
              target,
              weights);
      node.save(pred, target);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  /** Huber loss with threshold {@code delta}, mean reduction ({@code F.huber_loss}). */
  public static Tensor huber(Tensor pred, Tensor target, float delta) {
    return huber(pred, target, delta, null);
  }

  /** Weighted Huber loss, {@code mean(w * huber(pred - target))}; null weights mean all ones. */
  public static Tensor huber(Tensor pred, Tensor target, float delta, Tensor weights) {
    if (!(delta > 0f)) {
      throw new IllegalArgumentException(
          "huber_loss does not support non-positive values for delta.");
    }
    requireSameShape(pred, target);
    if (weights != null) {
      requireSameShape(pred, weights);
    }
    int n = pred.data.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float z = Math.abs(pred.data[i] - target.data[i]);
      float l = z < delta ? 0.5f * z * z : delta * (z - 0.5f * delta);
      sum += weights == null ? l : weights.data[i] * l;
    }
    float[] out = {(float) (sum / n)};
    Node node = null;
    if (weights == null ? Tensor.recording(pred, target) : recording(pred, target, weights)) {
      node =
          new Node(
              "HuberLossBackward0",
              (nd, g) -> {
                float[] p = nd.saved(0).data;
                float[] t = nd.saved(1).data;
                float[] w = weights == null ? null : nd.saved(2).data;
                float norm = g.item() / n;
                float[] gp = new float[n];
                float[] gw = nd.needs(2) ? new float[n] : null;
                for (int i = 0; i < n; i++) {
                  float x = p[i] - t[i];
                  float d = x <= -delta ? -delta : (x >= delta ? delta : x);
                  gp[i] = (w == null ? norm : norm * w[i]) * d;
                  if (gw != null) {
                    float z = Math.abs(x);
                    gw[i] = norm * (z < delta ? 0.5f * z * z : delta * (z - 0.5f * delta));
                  }
                }
                Tensor grad = new Tensor(gp, pred.shape);
                return new Tensor[] {
                  grad,
                  nd.needs(1) ? grad.neg() : null,
                  gw == null ? null : new Tensor(gw, pred.shape)
                };
              },
              weights == null ? new Tensor[] {pred, target} : new Tensor[] {pred, target, weights});
      node.save(pred, target, weights);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  /**
   * Binary cross-entropy on logits, mean reduction ({@code F.binary_cross_entropy_with_logits}),
   * computed as {@code max(x, 0) - x*y + log(1 + exp(-|x|))} so large logits do not overflow.
   */
  public static Tensor bceWithLogits(Tensor logits, Tensor target) {
    return bceWithLogits(logits, target, null);
  }

  /**
   * Weighted BCE on logits, {@code mean(w * l)} (PyTorch's {@code weight=}); null means all ones.
   */
  public static Tensor bceWithLogits(Tensor logits, Tensor target, Tensor weights) {
    requireSameShape(logits, target);
    if (weights != null) {
      requireSameShape(logits, weights);
    }
    int n = logits.data.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double l = bce(logits.data[i], target.data[i]);
      sum += weights == null ? l : weights.data[i] * l;
    }
    float[] out = {(float) (sum / n)};
    Node node = null;
    if (weights == null ? Tensor.recording(logits, target) : recording(logits, target, weights)) {
      node =
          new Node(
              "BinaryCrossEntropyWithLogitsBackward0",
              (nd, g) -> {
                float[] x = nd.saved(0).data;
                float[] y = nd.saved(1).data;
                float[] w = weights == null ? null : nd.saved(2).data;
                float norm = g.item() / n;
                float[] gx = nd.needs(0) ? new float[n] : null;
                float[] gy = nd.needs(1) ? new float[n] : null;
                float[] gw = nd.needs(2) ? new float[n] : null;
                for (int i = 0; i < n; i++) {
                  float scale = w == null ? norm : norm * w[i];
                  if (gx != null) {
                    gx[i] = ((float) (1.0 / (1.0 + Math.exp(-x[i]))) - y[i]) * scale;
                  }
                  if (gy != null) {
                    gy[i] = -x[i] * scale;
                  }
                  if (gw != null) {
                    gw[i] = (float) bce(x[i], y[i]) * norm;
                  }
                }
                return new Tensor[] {
                  gx == null ? null : new Tensor(gx, logits.shape),
                  gy == null ? null : new Tensor(gy, target.shape),
                  gw == null ? null : new Tensor(gw, logits.shape)
                };
              },
              weights == null
                  ? new Tensor[] {logits, target}
                  : new Tensor[] {logits, target, weights});
      node.save(logits, target, weights);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  private static double bce(double x, double y) {
    return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
  }

  private static boolean recording(Tensor a, Tensor b, Tensor c) {
    return (a.requiresGrad() || b.requiresGrad() || c.requiresGrad()) && Grad.isEnabled();
  }

  private static void requireSameShape(Tensor a, Tensor b) {
    if (!Shapes.equal(a.shape, b.shape)) {
      throw new IllegalArgumentException(
          "Target size ("
              + Shapes.torchSize(b.shape)
              + ") must be the same as input size ("
              + Shapes.torchSize(a.shape)
              + ")");
    }
  }
}
