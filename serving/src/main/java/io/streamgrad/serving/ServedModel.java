package io.streamgrad.serving;

import io.streamgrad.nn.Predictor;
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
    return new ServedModel(
        snapshot.getModelId(),
        snapshot.getVersion(),
        snapshot.getTimestamp().toEpochMilli(),
        SnapshotModels.predictor(snapshot));
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

  public int features() {
    return predictor.features();
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
    return "ServedModel{" + modelId + ", version " + version + ", " + features() + " features}";
  }
}
