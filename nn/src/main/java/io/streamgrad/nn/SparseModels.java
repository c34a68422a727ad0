package io.streamgrad.nn;

import io.streamgrad.autograd.Losses;
import java.util.random.RandomGenerator;

/** Factories of the models over hashed sparse features: what {@code train --model} builds. */
public final class SparseModels {

  private SparseModels() {}

  /** Logistic regression on a dense part and {@code 2^hashBits} hashed coordinates. */
  public static ModelFactory logistic(int hashBits) {
    return new Factory(ModelSpec.SPARSE_LOGISTIC, hashBits, 0);
  }

  /** Linear regression (MSE) on a dense part and {@code 2^hashBits} hashed coordinates. */
  public static ModelFactory linear(int hashBits) {
    return new Factory(ModelSpec.SPARSE_LINEAR, hashBits, 0);
  }

  /** A factorization machine (logistic) with {@code k} factors per hashed coordinate. */
  public static ModelFactory factorizationMachine(int hashBits, int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("a factorization machine needs k > 0 factors, got " + k);
    }
    return new Factory(ModelSpec.FM, hashBits, k);
  }

  private record Factory(String kind, int hashBits, int factors) implements ModelFactory {
    private static final long serialVersionUID = 1L;

    Factory {
      if (hashBits < 1 || hashBits > 30) {
        throw new IllegalArgumentException("hash bits must be in [1, 30], got " + hashBits);
      }
    }

    @Override
    public String name() {
      return kind;
    }

    @Override
    public Model create(int features, RandomGenerator init) {
      return kind.equals(ModelSpec.FM)
          ? new FactorizationMachine(features, hashBits, factors, init)
          : new SparseLinear(features, hashBits);
    }

    @Override
    public ModelSpec spec(int features) {
      return new ModelSpec(kind, features, null, null, null, hashBits, factors);
    }

    @Override
    public Link link() {
      return kind.equals(ModelSpec.SPARSE_LINEAR) ? Link.IDENTITY : Link.LOGISTIC;
    }

    @Override
    public Loss defaultLoss() {
      return kind.equals(ModelSpec.SPARSE_LINEAR) ? Losses::mse : Losses::bceWithLogits;
    }
  }
}
