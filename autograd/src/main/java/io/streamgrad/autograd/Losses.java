package io.streamgrad.autograd;

import static io.streamgrad.autograd.Tensor.K;

import io.streamgrad.autograd.kernels.BinaryOp;
import java.util.Arrays;

/**
 * Loss functions ({@code torch.nn.functional}), each a single fused node with mean reduction:
 * one pass forward, one pass backward, no temporaries beyond the gradients.
 */
public final class Losses {

  private Losses() {}

  /** Mean squared error, {@code mean((pred - target)^2)} ({@code F.mse_loss}). */
  public static Tensor mse(Tensor pred, Tensor target) {
    if (!Arrays.equals(pred.shape, target.shape)) {
      // PyTorch broadcasts here (with a warning); the composed form does the same.
      return pred.sub(target).pow(2f).mean();
    }
    int n = pred.data.length;
    float[] out = {K.squaredDistance(pred.data, 0, target.data, 0, n) / n};
    Node node = null;
    if (Tensor.recording(pred, target)) {
      node =
          new Node(
              "MseLossBackward0",
              (nd, g) -> {
                // d/dpred = 2 (pred - target) / n * g; d/dtarget is its negation.
                float[] diff = new float[n];
                K.binary(BinaryOp.SUB, nd.saved(0).data, 0, nd.saved(1).data, 0, diff, 0, n);
                K.scale(2f * g.item() / n, diff, 0, diff, 0, n);
                Tensor gp = new Tensor(diff, pred.shape);
                return new Tensor[] {gp, nd.needs(1) ? gp.neg() : null};
              },
              pred,
              target);
      node.save(pred, target);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  /** Huber loss with threshold {@code delta}, mean reduction ({@code F.huber_loss}). */
  public static Tensor huber(Tensor pred, Tensor target, float delta) {
    if (!(delta > 0f)) {
      throw new IllegalArgumentException("huber_loss does not support non-positive values for delta.");
    }
    requireSameShape(pred, target);
    int n = pred.data.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      float z = Math.abs(pred.data[i] - target.data[i]);
      sum += z < delta ? 0.5f * z * z : delta * (z - 0.5f * delta);
    }
    float[] out = {(float) (sum / n)};
    Node node = null;
    if (Tensor.recording(pred, target)) {
      node =
          new Node(
              "HuberLossBackward0",
              (nd, g) -> {
                float[] p = nd.saved(0).data;
                float[] t = nd.saved(1).data;
                float norm = g.item() / n;
                float[] gp = new float[n];
                for (int i = 0; i < n; i++) {
                  float x = p[i] - t[i];
                  gp[i] = x <= -delta ? -norm * delta : (x >= delta ? norm * delta : norm * x);
                }
                Tensor grad = new Tensor(gp, pred.shape);
                return new Tensor[] {grad, nd.needs(1) ? grad.neg() : null};
              },
              pred,
              target);
      node.save(pred, target);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  /**
   * Binary cross-entropy on logits, mean reduction ({@code F.binary_cross_entropy_with_logits}),
   * computed as {@code max(x, 0) - x*y + log(1 + exp(-|x|))} so large logits do not overflow.
   */
  public static Tensor bceWithLogits(Tensor logits, Tensor target) {
    requireSameShape(logits, target);
    int n = logits.data.length;
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double x = logits.data[i];
      double y = target.data[i];
      sum += Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    }
    float[] out = {(float) (sum / n)};
    Node node = null;
    if (Tensor.recording(logits, target)) {
      node =
          new Node(
              "BinaryCrossEntropyWithLogitsBackward0",
              (nd, g) -> {
                float[] x = nd.saved(0).data;
                float[] y = nd.saved(1).data;
                float norm = g.item() / n;
                float[] gx = nd.needs(0) ? new float[n] : null;
                float[] gy = nd.needs(1) ? new float[n] : null;
                for (int i = 0; i < n; i++) {
                  if (gx != null) {
                    gx[i] = ((float) (1.0 / (1.0 + Math.exp(-x[i]))) - y[i]) * norm;
                  }
                  if (gy != null) {
                    gy[i] = -x[i] * norm;
                  }
                }
                return new Tensor[] {
                  gx == null ? null : new Tensor(gx, logits.shape),
                  gy == null ? null : new Tensor(gy, target.shape)
                };
              },
              logits,
              target);
      node.save(logits, target);
    }
    return Tensor.result(out, Shapes.SCALAR, node);
  }

  private static void requireSameShape(Tensor a, Tensor b) {
    if (!Arrays.equals(a.shape, b.shape)) {
      throw new IllegalArgumentException(
          "Target size ("
              + Shapes.torchSize(b.shape)
              + ") must be the same as input size ("
              + Shapes.torchSize(a.shape)
              + ")");
    }
  }
}
