package io.streamgrad.nn;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.autograd.Tensor;
import java.util.Arrays;

/**
 * Predictions of one model, without Flink: a batch of inputs goes through the model's forward pass
 * once (for a linear model one matrix-vector product, SIMD), under {@link Grad#disabled()} so no
 * graph is built, then through the model's {@link Link}.
 *
 * <p>Not thread-safe: a predictor per thread (they can share nothing but the snapshot).
 */
public final class Predictor {
  private final Model model;
  private final Link link;
  private final int features;
  private final Standardizer standardizer;
  private final int hashBits;
  private ModelSpec spec; // when made by of(spec, ...)
  private float[] scratch = new float[0];

  public Predictor(Model model, Link link, int features) {
    this(model, link, features, null);
  }

  /**
   * A predictor that standardizes its inputs with {@code standardizer} first (null: none), as the
   * model was trained; it reads the standardizer's statistics as they are at each call.
   */
  public Predictor(Model model, Link link, int features, Standardizer standardizer) {
    this(model, link, features, standardizer, 0);
  }

  /**
   * A predictor of a model with a hashed sparse part of {@code 2^hashBits} coordinates (0: none),
   * which may have no dense features.
   */
  public Predictor(Model model, Link link, int features, Standardizer standardizer, int hashBits) {
    if (features < 0 || (features == 0 && hashBits == 0)) {
      throw new IllegalArgumentException("features must be positive, got " + features);
    }
    if (hashBits > 0 && model.sparseTables().isEmpty()) {
      throw new IllegalArgumentException("hash bits " + hashBits + " for a model without tables");
    }
    this.hashBits = hashBits;
    this.model = model;
    this.link = link;
    this.features = features;
    if (standardizer != null && standardizer.features() != features) {
      throw new IllegalArgumentException(
          "standardization of " + standardizer.features() + " features for a model of " + features);
    }
    this.standardizer = standardizer;
  }

  /** A predictor of {@code spec}'s model, whose parameters the caller loads into {@link #model}. */
  public static Predictor of(ModelSpec spec, Model model) {
    return of(spec, model, null);
  }

  /** The same, standardizing inputs with {@code standardizer} (null: none). */
  public static Predictor of(ModelSpec spec, Model model, Standardizer standardizer) {
    Predictor p =
        new Predictor(model, spec.factory().link(), spec.features(), standardizer, spec.hashBits());
    p.spec = spec;
    return p;
  }

  /** The spec of the model, when made by {@link #of}; null otherwise. */
  public ModelSpec spec() {
    return spec;
  }

  /** The standardization applied to inputs, or null. */
  public Standardizer standardizer() {
    return standardizer;
  }

  public Model model() {
    return model;
  }

  public int features() {
    return features;
  }

  /** The sparse part's space is {@code 2^hashBits} coordinates; 0 for a model without one. */
  public int hashBits() {
    return hashBits;
  }

  /**
   * Predicts {@code n} inputs, {@code x} row-major ({@code n × features} values), into {@code
   * out[0..n)}.
   */
  public void predict(float[] x, int n, float[] out) {
    predict(x, null, n, out);
  }

  /**
   * Predicts {@code n} inputs of dense part {@code x} (row-major) and sparse part {@code sparse}
   * ({@code n} rows, coordinates in {@code [0, 2^hashBits)}; null for none), into {@code
   * out[0..n)}.
   */
  public void predict(float[] x, SparseBatch sparse, int n, float[] out) {
    if (sparse != null && (hashBits == 0 || sparse.rows() != n)) {
      throw new IllegalArgumentException(
          hashBits == 0
              ? "a sparse part for a model without one"
              : "predict: " + n + " inputs, " + sparse.rows() + " sparse rows");
    }
    if (sparse == null && features == 0) {
      throw new IllegalArgumentException("a model without dense features needs a sparse part");
    }
    if (n <= 0 || x.length < n * features || out.length < n) {
      throw new IllegalArgumentException(
          "predict: "
              + n
              + " inputs of "
              + features
              + " features need "
              + n * features
              + " values and "
              + n
              + " outputs, got "
              + x.length
              + " and "
              + out.length);
    }
    float[] rows;
    if (standardizer != null) {
      if (scratch.length != n * features) {
        scratch = new float[n * features];
      }
      standardizer.applyRows(x, n, scratch);
      rows = scratch;
    } else {
      rows = x.length == n * features ? x : Arrays.copyOf(x, n * features);
    }
    try (Grad.Scope noGrad = Grad.disabled()) {
      Tensor dense = Tensor.wrap(rows, n, features);
      link.apply(sparse == null ? model.forward(dense) : model.forward(dense, sparse))
          .copyTo(out, 0);
    }
  }

  /** The prediction for one input. */
  public float predict(float[] x) {
    float[] out = new float[1];
    predict(x, 1, out);
    return out[0];
  }
}
