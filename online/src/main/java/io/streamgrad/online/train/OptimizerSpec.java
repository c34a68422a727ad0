package io.streamgrad.online.train;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.autograd.optim.AdaGrad;
import io.streamgrad.autograd.optim.Adam;
import io.streamgrad.autograd.optim.Ftrl;
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
    ADAGRAD,
    /** FTRL-Proximal: alpha is the learning rate; beta, l1, l2 ({@link #ftrl}). */
    FTRL,
    /** Adam that takes sparse gradients with SparseAdam's lazy rule. */
    LAZY_ADAM
  }

  private final Kind kind;
  private final float lr;
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float ftrlBeta;
  private final float l1;
  private final float l2;

  OptimizerSpec(
      Kind kind,
      float lr,
      float momentum,
      boolean nesterov,
      float weightDecay,
      float beta1,
      float beta2,
      float eps) {
    this(kind, lr, momentum, nesterov, weightDecay, beta1, beta2, eps, 1f, 1f, 1f);
  }

  private OptimizerSpec(
      Kind kind,
      float lr,
      float momentum,
      boolean nesterov,
      float weightDecay,
      float beta1,
      float beta2,
      float eps,
      float ftrlBeta,
      float l1,
      float l2) {
    this.ftrlBeta = ftrlBeta;
    this.l1 = l1;
    this.l2 = l2;
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
    return new OptimizerSpec(
        kind, lr, (float) value, nesterov, weightDecay, beta1, beta2, eps, ftrlBeta, l1, l2);
  }

  public OptimizerSpec nesterov(boolean value) {
    return new OptimizerSpec(
        kind, lr, momentum, value, weightDecay, beta1, beta2, eps, ftrlBeta, l1, l2);
  }

  public OptimizerSpec weightDecay(double value) {
    return new OptimizerSpec(
        kind, lr, momentum, nesterov, (float) value, beta1, beta2, eps, ftrlBeta, l1, l2);
  }

  public OptimizerSpec betas(double b1, double b2) {
    return new OptimizerSpec(
        kind, lr, momentum, nesterov, weightDecay, (float) b1, (float) b2, eps, ftrlBeta, l1, l2);
  }

  public OptimizerSpec eps(double value) {
    return new OptimizerSpec(
        kind, lr, momentum, nesterov, weightDecay, beta1, beta2, (float) value, ftrlBeta, l1, l2);
  }

  /** FTRL's beta, L1 and L2 (McMahan et al.'s defaults: 1, 1, 1). */
  public OptimizerSpec ftrl(double beta, double l1, double l2) {
    return new OptimizerSpec(
        kind,
        lr,
        momentum,
        nesterov,
        weightDecay,
        beta1,
        beta2,
        eps,
        (float) beta,
        (float) l1,
        (float) l2);
  }

  /**
   * Whether the batch's loss is summed rather than averaged before backward: FTRL's regularization
   * is per sample (McMahan et al.), so its gradient is the sum of the samples'.
   */
  public boolean perSampleLoss() {
    return kind == Kind.FTRL;
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
      case FTRL:
        return new Ftrl(params, lr, ftrlBeta, l1, l2);
      case LAZY_ADAM:
        return Adam.lazy(params, lr, beta1, beta2, eps);
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
        + (kind == Kind.ADAM || kind == Kind.LAZY_ADAM
            ? ", betas=(" + beta1 + ", " + beta2 + ")"
            : "")
        + (kind == Kind.FTRL ? ", beta=" + ftrlBeta + ", l1=" + l1 + ", l2=" + l2 : "")
        + (weightDecay != 0f ? ", weight_decay=" + weightDecay : "")
        + ")";
  }
}
