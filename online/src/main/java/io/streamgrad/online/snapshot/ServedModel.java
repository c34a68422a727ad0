package io.streamgrad.online.snapshot;

import io.streamgrad.autograd.Grad;
import io.streamgrad.autograd.SparseBatch;
import io.streamgrad.nn.Model;
import io.streamgrad.nn.Predictor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.schemas.WeightSnapshot;

/**
 * One version of one model, ready to predict: the predictor rebuilt from its snapshot, with the
 * version and time that predictions report. Immutable apart from the predictor's scratch, which
 * {@code synchronized} guards so that a plain Java program may share it between threads.
 */
public final class ServedModel {
  private final String modelId;
  private final long version;
  private final long timestampMillis;
  private final Predictor predictor;

  private ServedModel(String modelId, long version, long timestampMillis, Predictor predictor) {
    this.modelId = modelId;
    this.version = version;
    this.timestampMillis = timestampMillis;
    this.predictor = predictor;
  }

  /**
   * The model of {@code snapshot}.
   *
   * @throws IllegalArgumentException if the snapshot has no model spec or its parameters do not fit
   *     it
   */
  public static ServedModel of(WeightSnapshot snapshot) {
    return of(
        snapshot.getModelId(),
        snapshot.getVersion(),
        snapshot.getTimestamp().toEpochMilli(),
        SnapshotModels.predictor(snapshot));
  }

  /** Version {@code version} of model {@code modelId}, made at {@code timestampMillis}. */
  public static ServedModel of(
      String modelId, long version, long timestampMillis, Predictor predictor) {
    return new ServedModel(modelId, version, timestampMillis, predictor);
  }

  /**
   * The same version on a model of its own (its parameters copied): what a reader on another thread
   * takes of a sparse model, whose tables the next update changes in place.
   */
  public synchronized ServedModel copy() {
    if (predictor.spec() == null) {
      throw new IllegalStateException("a model without its spec cannot be copied");
    }
    Model model = predictor.spec().create();
    try (Grad.Scope off = Grad.disabled()) {
      for (int i = 0; i < model.parameters().size(); i++) {
        model.parameters().get(i).copyFrom(predictor.model().parameters().get(i));
      }
    }
    Standardizer z = predictor.standardizer();
    return new ServedModel(
        modelId,
        version,
        timestampMillis,
        Predictor.of(predictor.spec(), model, z == null ? null : z.copy()));
  }

  /**
   * The predictor of this version: its spec, parameters and standardization, for a reader that
   * converts the model (an exporter). It must not predict through it while others may.
   */
  public Predictor predictor() {
    return predictor;
  }

  public String modelId() {
    return modelId;
  }

  /** The snapshot's version: the updates the model had when it was taken. */
  public long version() {
    return version;
  }

  /** When the snapshot was taken, in epoch millis. */
  public long timestampMillis() {
    return timestampMillis;
  }

  /** Dense features the model takes (0 for a model of sparse features only). */
  public int features() {
    return predictor.features();
  }

  /** The model's sparse space is {@code 2^hashBits} coordinates; 0 when it has no sparse part. */
  public int hashBits() {
    return predictor.hashBits();
  }

  /**
   * Predictions of {@code n} inputs, dense parts {@code x} row-major and sparse parts {@code
   * sparse} ({@code n} rows; null for none), into {@code out[0..n)}.
   */
  public synchronized void predict(float[] x, SparseBatch sparse, int n, float[] out) {
    predictor.predict(x, sparse, n, out);
  }

  /** Predictions of {@code n} inputs, {@code x} row-major, into {@code out[0..n)}. */
  public synchronized void predict(float[] x, int n, float[] out) {
    predictor.predict(x, n, out);
  }

  /** The prediction for one input. */
  public synchronized float predict(float[] x) {
    return predictor.predict(x);
  }

  @Override
  public String toString() {
    return "ServedModel{"
        + modelId
        + ", version "
        + version
        + ", "
        + features()
        + " features"
        + (hashBits() > 0 ? ", 2^" + hashBits() + " sparse coordinates" : "")
        + "}";
  }
}
