package io.streamgrad.online.train;

import io.streamgrad.autograd.Tensor;
import io.streamgrad.nn.Standardizer;
import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.PrequentialMetrics;
import java.util.Arrays;

/**
 * What a model learns about its inputs and its own quality besides its parameters ({@link
 * QualitySpec}): the online standardization of its inputs, its prequential (test-then-train)
 * metrics and its drift test, each absent when off.
 */
final class QualityTracker {
  private final QualitySpec spec;
  private final int features;
  private final int batchSize;
  private final boolean classification;
  private final Standardizer standardizer;
  private final boolean scores; // metrics or drift: the batch's predictions before its update
  private float[] z; // the batch standardized
  private Tensor zFull;
  private float[] scored; // predictions, when the caller passes no buffer
  private PageHinkley driftTest;
  private boolean drifted;
  private long driftSample;

  QualityTracker(
      QualitySpec spec,
      int features,
      int batchSize,
      boolean classification,
      TrainingProgress progress) {
    this.spec = spec;
    this.features = features;
    this.batchSize = batchSize;
    this.classification = classification;
    this.standardizer = spec.standardizes() ? new Standardizer(features, spec.warmup()) : null;
    this.driftTest = spec.drift() != null ? new PageHinkley(spec.drift()) : null;
    progress.metrics = spec.metrics() ? new PrequentialMetrics(classification) : null;
    this.scores = spec.metrics() || driftTest != null;
  }

  /** About what this tracker holds on the heap. */
  long heapBytes(TrainingProgress progress) {
    return (standardizer != null ? 16L * features + 4L * features * batchSize : 0)
        + (progress.metrics != null ? 8L * progress.metrics.stateSize() : 0)
        + (driftTest != null ? 100 : 0);
  }

  /**
   * Feeds a sample to the standardization; false while it warms up (the sample then only feeds the
   * statistics, it is not trained on).
   */
  boolean admit(float[] x) {
    if (standardizer == null) {
      return true;
    }
    boolean warm = standardizer.ready();
    standardizer.observe(x, 0);
    return warm;
  }

  /** The batch's features as the model sees them: standardized with the statistics as they are. */
  Tensor inputs(BatchBuffer batch) {
    if (standardizer == null) {
      return batch.features();
    }
    int n = batch.count();
    if (z == null) {
      z = new float[batchSize * features];
      zFull = Tensor.wrap(z, batchSize, features);
    }
    standardizer.applyRows(batch.rawFeatures(), n, z);
    return n == batchSize ? zFull : Tensor.wrap(Arrays.copyOf(z, n * features), n, features);
  }

  /** Where the batch's predictions go: {@code outputs} when given, else a buffer when scoring. */
  float[] predictionBuffer(float[] outputs) {
    if (outputs != null || !scores) {
      return outputs;
    }
    if (scored == null) {
      scored = new float[batchSize];
    }
    return scored;
  }

  /** Test-then-train: the batch's predictions before its update into the metrics and drift test. */
  void score(float[] predicted, float[] labels, int n, long seenBefore, TrainingProgress progress) {
    PrequentialMetrics metrics = progress.metrics;
    if (metrics != null) {
      metrics.add(predicted, labels, n);
    }
    if (driftTest != null) {
      for (int i = 0; i < n; i++) {
        if (driftTest.add(PrequentialMetrics.error(classification, predicted[i], labels[i]))) {
          drifted = true;
          driftSample = seenBefore + i + 1;
          progress.driftAt(driftSample);
        }
      }
    }
  }

  /** Whether the last step detected drift; clears the flag. */
  boolean takeDrift() {
    boolean d = drifted;
    drifted = false;
    return d;
  }

  long driftSample() {
    return driftSample;
  }

  PageHinkley driftTest() {
    return driftTest;
  }

  Standardizer standardizer() {
    return standardizer;
  }

  void copyTo(TrainerState s) {
    s.standardizer = standardizer != null ? standardizer.state() : null;
    s.driftTest = driftTest != null ? driftTest.state() : null;
  }

  void copyFrom(TrainerState s) {
    if (standardizer != null) {
      standardizer.loadState(
          s.standardizer != null ? s.standardizer : new double[1 + 2 * features]);
    }
    if (driftTest != null) {
      driftTest = new PageHinkley(spec.drift());
      if (s.driftTest != null) {
        driftTest.loadState(s.driftTest);
      }
    }
    drifted = false;
  }
}
