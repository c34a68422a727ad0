package io.streamgrad.jobs.dashboard;

import java.util.Arrays;

/**
 * A model's curves against samples seen, bounded: when full, every other point is dropped and only
 * every second new one is kept, so a long run keeps its whole shape in {@value #CAPACITY} points.
 * Not thread-safe: its {@link ModelView} guards it.
 */
final class Curve {
  static final int CAPACITY = 512;

  /** The series a point holds, in order. */
  static final String[] SERIES = {"batchLoss", "prequentialLoss", "windowMetric", "weightError"};

  private final long[] samples = new long[CAPACITY];
  private final double[][] values = new double[SERIES.length][CAPACITY];
  private int size;
  private int stride = 1;
  private long offered;

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
    for (int s = 0; s < SERIES.length; s++) {
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
}
