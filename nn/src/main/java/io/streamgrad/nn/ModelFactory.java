package io.streamgrad.nn;

import io.streamgrad.autograd.Losses;
import java.io.Serializable;
import java.util.random.RandomGenerator;

/**
 * Creates the model for one model id: shipped to the task managers with the job graph, so it is
 * serializable and holds configuration only. Implement it (with {@link Model}) to train your own
 * architecture.
 */
public interface ModelFactory extends Serializable {

  /** A short name for logs and snapshots, e.g. {@code linear}. */
  String name();

  /**
   * A new model for {@code features} inputs. Initial values must come only from {@code init}, which
   * is seeded from the job's seed and the model id: a replay after a failure must rebuild the same
   * starting point.
   */
  Model create(int features, RandomGenerator init);

  /**
   * What turns the model's output into its prediction: {@link Link#LOGISTIC} for a model trained on
   * logits.
   */
  default Link link() {
    return Link.IDENTITY;
  }

  /**
   * What this factory builds for {@code features} inputs, written into every snapshot so that a
   * predictor can rebuild the model from the snapshot alone. By default this factory's class (which
   * then needs a no-argument constructor to be rebuilt).
   */
  default ModelSpec spec(int features) {
    return ModelSpec.ofClass(getClass(), features);
  }

  /** The loss this model is usually trained with. */
  default Loss defaultLoss() {
    return Losses::mse;
  }
}
