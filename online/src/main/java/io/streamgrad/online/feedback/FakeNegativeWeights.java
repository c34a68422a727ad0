package io.streamgrad.online.feedback;

/**
 * The importance weights of fake-negative weighting (Ktena et al., <i>Addressing Delayed Feedback
 * for Continuous Training with Neural Networks in CTR Prediction</i>, RecSys 2019). Every event is
 * trained on at once as a negative and again as a positive when its click comes, so the training
 * distribution is {@code b(1|x) = p/(1+p)}, {@code b(0|x) = 1/(1+p)} for the true click rate {@code
 * p}. Weighting each sample by {@code p(y|x)/b(y|x)} makes the expected loss the loss on the true
 * distribution: {@code 1 + p} for a positive, {@code (1 - p)(1 + p)} for a negative, with {@code p}
 * the model's own prediction, detached (a weight, not a path of the gradient).
 */
public final class FakeNegativeWeights {

  private FakeNegativeWeights() {}

  /** The weight of a positive sample for a model that predicts {@code p}. */
  public static float positive(float p) {
    return 1f + clamp(p);
  }

  /** The weight of a (fake or true) negative sample for a model that predicts {@code p}. */
  public static float negative(float p) {
    float q = clamp(p);
    return (1f - q) * (1f + q);
  }

  private static float clamp(float p) {
    return p > 1f ? 1f : (p >= 0f ? p : 0f); // NaN: 0
  }
}
