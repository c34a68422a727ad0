package io.streamgrad.flink.model;

import io.streamgrad.autograd.Tensor;
import java.util.List;

/**
 * A differentiable model written with the engine: its parameters (leaf tensors that require
 * grad) and a forward pass from a batch {@code X [B, d]} to predictions {@code [B]}. The trainer
 * computes the loss, calls {@code backward()} and steps the optimizer; a model never writes a
 * gradient formula by hand.
 */
public interface Model {

  /** Parameter names, in {@link #parameters()} order, e.g. {@code weight}, {@code bias}. */
  List<String> parameterNames();

  /** The trainable tensors; their values are restored from and saved to Flink state. */
  List<Tensor> parameters();

  /** Predictions {@code [B]} (or logits, for classification losses) for {@code x [B, d]}. */
  Tensor forward(Tensor x);
}
