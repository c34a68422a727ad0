package io.streamgrad.jobs.dashboard;

import io.streamgrad.jobs.format.Json;
import java.util.Arrays;

/**
 * A model's curves against a count (samples seen, events), bounded: when full, every other point is
 * dropped and only every second new one is kept, so a long run keeps its whole shape in {@value
 * #CAPACITY} points. Not thread-safe: its {@link ModelView} guards it.
 */
final class Curve {
  static final int CAPACITY = 512;

  /** The series of a snapshot's point, in order. */
  static final String[] SNAPSHOT_SERIES = {
    "batchLoss", "prequentialLoss", "windowMetric", "weightError"
  };

  /**
   * The series of a feedback report's point: served predictions against outcomes (AUC or RMSE, log
   * loss or MAE, calibration), and the events pending.
   */
  static final String[] FEEDBACK_SERIES = {"servedMetric", "servedLoss", "calibration", "pending"};

  final String[] series;
  private final long[] samples = new long[CAPACITY];
  private final double[][] values;
  private int size;
  private int stride = 1;
  private long offered;

  Curve(String... series) {
    this.series = series;
    this.values = new double[series.length][CAPACITY];
  }

  void add(long samplesSeen, double... point) {
    if (offered++ % stride != 0) {
      return;
    }
    if (size == CAPACITY) {
      for (int i = 0; i < CAPACITY / 2; i++) {
        samples[i] = samples[2 * i];
        for (double[] v : values) {
          v[i] = v[2 * i];
        }
      }
      size = CAPACITY / 2;
      stride *= 2;
    }
    samples[size] = samplesSeen;
    for (int s = 0; s < series.length; s++) {
      values[s][size] = s < point.length ? point[s] : Double.NaN;
    }
    size++;
  }

  int size() {
    return size;
  }

  long[] samples() {
    return Arrays.copyOf(samples, size);
  }

  double[] series(int s) {
    return Arrays.copyOf(values[s], size);
  }

  /** {@code {"<x>": [...], "<series>": [...], ...}}, missing values as null. */
  String json(String x) {
    StringBuilder b = new StringBuilder("{").append(Json.string(x)).append(": ");
    b.append(Arrays.toString(samples()));
    for (int s = 0; s < series.length; s++) {
      b.append(", ").append(Json.string(series[s])).append(": [");
      for (int i = 0; i < size; i++) {
        b.append(i == 0 ? "" : ", ").append(Json.number(values[s][i]));
      }
      b.append(']');
    }
    return b.append('}').toString();
  }
}
