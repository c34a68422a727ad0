package io.streamgrad.nn;

import io.streamgrad.autograd.Tensor;

/**
 * What turns a model's raw output into its prediction: nothing for regression, the logistic
 * function for a model trained on logits (a probability). Training uses the raw output with a loss
 * that includes the link (e.g. BCE with logits); serving applies the link.
 */
public enum Link {
  IDENTITY,
  LOGISTIC;

  public Tensor apply(Tensor output) {
    return this == IDENTITY ? output : output.sigmoid();
  }

  /** The link of one value, for scalar predictions. */
  public float apply(float output) {
    return this == IDENTITY ? output : (float) (1.0 / (1.0 + Math.exp(-output)));
  }
}
