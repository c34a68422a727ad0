package io.streamgrad.nn;

import io.streamgrad.autograd.Tensor;
import java.io.Serializable;

/**
 * A loss over a batch with per-sample importance weights, e.g. {@code Losses::mse} or {@code
 * Losses::bceWithLogits}: the mean of {@code weight_i * loss_i}.
 */
@FunctionalInterface
public interface Loss extends Serializable {
  Tensor compute(Tensor prediction, Tensor target, Tensor weights);
}
