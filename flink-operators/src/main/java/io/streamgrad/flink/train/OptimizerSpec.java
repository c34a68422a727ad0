package io.streamgrad.flink.train;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.AdaGrad;
import io.streamgrad.autograd.optim.Adam;
import io.streamgrad.autograd.optim.Optimizer;
import io.streamgrad.autograd.optim.Sgd;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * A serializable description of an optimizer and its hyper-parameters; {@link #create} builds the
 * engine's optimizer over a model's parameters. Immutable: each setter returns a copy.
 */
public final class OptimizerSpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The supported optimizers. */
  public enum Kind {
    SGD,
    ADAM,
    ADAGRAD
  }

  private final Kind kind;
  private final float lr;
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private final float beta1;
  private final float beta2;
  private final float eps;

  OptimizerSpec(
      Kind kind,
      float lr,
      float momentum,
      boolean nesterov,
      float weightDecay,
      float beta1,
      float beta2,
      float eps) {
    this.kind = kind;
    this.lr = lr;
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
  }

  public OptimizerSpec momentum(double value) {
    return new OptimizerSpec(kind, lr, (float) value, nesterov, weightDecay, beta1, beta2, eps);
  }

  public OptimizerSpec nesterov(boolean value) {
    return new OptimizerSpec(kind, lr, momentum, value, weightDecay, beta1, beta2, eps);
  }

  public OptimizerSpec weightDecay(double value) {
    return new OptimizerSpec(kind, lr, momentum, nesterov, (float) value, beta1, beta2, eps);
  }

  public OptimizerSpec betas(double b1, double b2) {
    return new OptimizerSpec(
        kind, lr, momentum, nesterov, weightDecay, (float) b1, (float) b2, eps);
  }

  public OptimizerSpec eps(double value) {
    return new OptimizerSpec(
        kind, lr, momentum, nesterov, weightDecay, beta1, beta2, (float) value);
  }

  public Kind kind() {
    return kind;
  }

  public float learningRate() {
    return lr;
  }

  /** The optimizer's name as snapshots report it: {@code sgd}, {@code adam}, {@code adagrad}. */
  public String name() {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** Builds the optimizer; fails fast on invalid hyper-parameters (the engine's checks). */
  public Optimizer create(List<Tensor> params) {
    switch (kind) {
      case SGD:
        return new Sgd(params, lr, momentum, 0f, weightDecay, nesterov);
      case ADAM:
        return new Adam(params, lr, beta1, beta2, eps, weightDecay);
      case ADAGRAD:
        return new AdaGrad(params, lr, 0f, weightDecay, 0f, eps);
      default:
        throw new AssertionError(kind);
    }
  }

  @Override
  public String toString() {
    return name()
        + "(lr="
        + lr
        + (kind == Kind.SGD ? ", momentum=" + momentum + (nesterov ? ", nesterov" : "") : "")
        + (kind == Kind.ADAM ? ", betas=(" + beta1 + ", " + beta2 + ")" : "")
        + (weightDecay != 0f ? ", weight_decay=" + weightDecay : "")
        + ")";
  }
}
