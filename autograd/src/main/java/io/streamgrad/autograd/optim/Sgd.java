package io.streamgrad.autograd.optim;

import io.streamgrad.autograd.SparseGrad;
import io.streamgrad.autograd.Tensor;
import java.util.List;

/**
 * Stochastic gradient descent ({@code torch.optim.SGD}) with optional momentum, dampening, Nesterov
 * momentum and L2 weight decay. Without momentum this is the tutorial's update {@code w -= lr *
 * w.grad}.
 */
public final class Sgd extends Optimizer {

  private final float momentum;
  private final float dampening;
  private final float weightDecay;
  private final boolean nesterov;
  private final Tensor[] momentumBuffers;
  private final Tensor[] scratch;

  public Sgd(List<Tensor> params, float lr) {
    this(params, lr, 0f, 0f, 0f, false);
  }

  public Sgd(
      List<Tensor> params,
      float lr,
      float momentum,
      float dampening,
      float weightDecay,
      boolean nesterov) {
    super(params, lr);
    checkNonNegative("momentum value", momentum);
    checkNonNegative("weight_decay value", weightDecay);
    if (nesterov && (momentum <= 0f || dampening != 0f)) {
      throw new IllegalArgumentException(
          "Nesterov momentum requires a momentum and zero dampening");
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.momentumBuffers = momentum != 0f ? zerosLikeParams() : new Tensor[0];
    this.scratch = weightDecay != 0f || nesterov ? zerosLikeParams() : null;
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public List<String> slotNames() {
    return momentum != 0f ? List.of("momentum_buffer") : List.of();
  }

  @Override
  protected List<Tensor[]> buffers() {
    return momentum != 0f ? List.<Tensor[]>of(momentumBuffers) : List.of();
  }

  /**
   * {@code w -= lr * g} on the rows held. Momentum and weight decay would touch every row at every
   * step (PyTorch's sparse momentum buffer fills up), so they are refused here.
   */
  @Override
  protected void updateSparse(int i, Tensor p, SparseGrad grad) {
    if (weightDecay != 0f) {
      throw new IllegalStateException(
          "weight_decay option is not compatible with sparse gradients");
    }
    if (momentum != 0f) {
      throw new IllegalStateException(
          "momentum is not supported with sparse gradients (it would update every row at every"
              + " step): use sgd without momentum, adagrad, lazy_adam or ftrl");
    }
    grad.coalesce(); // the update is per row: duplicates summed first
    float[] w = p.storage();
    float[] g = grad.values();
    int width = grad.width();
    for (int k = 0; k < grad.size(); k++) {
      int base = grad.row(k) * width;
      for (int j = 0; j < width; j++) {
        w[base + j] += -lr * g[k * width + j];
      }
    }
  }

  @Override
  protected void update(int i, Tensor p, Tensor grad) {
    Tensor d = grad;
    if (weightDecay != 0f) {
      d = scratch[i].copyFrom(grad).addInPlace(weightDecay, p);
    }
    if (momentum != 0f) {
      Tensor buf = momentumBuffers[i];
      if (step == 1) {
        buf.copyFrom(d); // PyTorch starts the buffer at the first gradient
      } else {
        buf.mulInPlace(momentum).addInPlace(1f - dampening, d);
      }
      if (nesterov) {
        d =
            scratch[i] == d
                ? d.addInPlace(momentum, buf)
                : scratch[i].copyFrom(d).addInPlace(momentum, buf);
      } else {
        d = buf;
      }
    }
    p.addInPlace(-lr, d);
  }
}
