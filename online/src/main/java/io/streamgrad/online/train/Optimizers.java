package io.streamgrad.online.train;

/** Entry points for {@link OptimizerSpec}: {@code Optimizers.sgd(0.01).momentum(0.9)}. */
public final class Optimizers {

  private Optimizers() {}

  public static OptimizerSpec sgd(double lr) {
    return new OptimizerSpec(
        OptimizerSpec.Kind.SGD, (float) lr, 0f, false, 0f, 0.9f, 0.999f, 1e-8f);
  }

  public static OptimizerSpec adam(double lr) {
    return new OptimizerSpec(
        OptimizerSpec.Kind.ADAM, (float) lr, 0f, false, 0f, 0.9f, 0.999f, 1e-8f);
  }

  public static OptimizerSpec adagrad(double lr) {
    return new OptimizerSpec(
        OptimizerSpec.Kind.ADAGRAD, (float) lr, 0f, false, 0f, 0.9f, 0.999f, 1e-10f);
  }

  /** FTRL-Proximal with learning rate {@code alpha} and beta = l1 = l2 = 1 ({@code .ftrl(...)}). */
  public static OptimizerSpec ftrl(double alpha) {
    return new OptimizerSpec(
        OptimizerSpec.Kind.FTRL, (float) alpha, 0f, false, 0f, 0.9f, 0.999f, 1e-8f);
  }

  /** Adam with SparseAdam's lazy rule on sparse gradients. */
  public static OptimizerSpec lazyAdam(double lr) {
    return new OptimizerSpec(
        OptimizerSpec.Kind.LAZY_ADAM, (float) lr, 0f, false, 0f, 0.9f, 0.999f, 1e-8f);
  }
}
