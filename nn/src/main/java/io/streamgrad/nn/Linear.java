package io.streamgrad.nn;

import io.streamgrad.autograd.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * {@code x W + b}. {@link #toScalar} maps {@code [B, in]} to {@code [B]} with {@code weight [in]}
 * and a 0-d {@code bias} (the tutorial's regression); {@link #of} maps to {@code [B, out]} with
 * {@code weight [in, out]} and {@code bias [out]}, initialised like {@code torch.nn.Linear}.
 */
public final class Linear implements Model {
  private final Tensor weight;
  private final Tensor bias;

  private Linear(Tensor weight, Tensor bias) {
    this.weight = weight;
    this.bias = bias;
  }

  /** One output per sample, starting from zeros. */
  public static Linear toScalar(int in) {
    return new Linear(Tensor.zeros(in).requiresGrad(true), Tensor.zeros().requiresGrad(true));
  }

  /**
   * {@code in -> out}, weights and biases from U(-1/sqrt(in), 1/sqrt(in)) drawn from {@code init}.
   */
  public static Linear of(int in, int out, RandomGenerator init) {
    return new Linear(uniform(init, in, in, out), uniform(init, in, out));
  }

  /** A single output, initialised like {@code torch.nn.Linear(in, 1)}, squeezed to {@code [B]}. */
  public static Linear toScalar(int in, RandomGenerator init) {
    return new Linear(uniform(init, in, in), uniform(init, in));
  }

  @Override
  public List<String> parameterNames() {
    return List.of("weight", "bias");
  }

  @Override
  public List<Tensor> parameters() {
    return List.of(weight, bias);
  }

  @Override
  public Tensor forward(Tensor x) {
    return x.matmul(weight).add(bias);
  }

  /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)), as torch.nn.Linear initialises weights and biases. */
  private static Tensor uniform(RandomGenerator rng, int fanIn, int... shape) {
    float bound = (float) (1.0 / Math.sqrt(fanIn));
    return Tensor.rand(rng, shape).mul(2f * bound).sub(bound).requiresGrad(true);
  }
}
