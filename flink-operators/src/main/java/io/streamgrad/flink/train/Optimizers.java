package io.streamgrad.flink.train;

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
}
