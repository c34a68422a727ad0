package io.streamgrad.nn;

import java.util.Arrays;

/**
 * Online per-feature standardization, {@code (x - mean) / std}, with the running mean and variance
 * of the training samples (Welford's algorithm, in double). The model trains on standardized
 * features; every reader of its snapshot applies the same statistics with the same arithmetic
 * ({@link #apply}), so a prediction is the trainer's, bit for bit.
 *
 * <p>The first {@code warmup} samples only feed the statistics (a model never sees raw features
 * scaled by a variance of one or two samples). The variance is the population variance; a feature
 * with no variance yet is only centred.
 *
 * <p>Not thread-safe; a {@link #copy} for each reader that must not follow training.
 */
public final class Standardizer {
  private final int features;
  private final long warmup;
  private long count;
  private final double[] mean;
  private final double[] m2;

  public Standardizer(int features, long warmup) {
    if (features <= 0) {
      throw new IllegalArgumentException("features must be positive, got " + features);
    }
    if (warmup < 0) {
      throw new IllegalArgumentException("warm-up must not be negative, got " + warmup);
    }
    this.features = features;
    this.warmup = warmup;
    this.mean = new double[features];
    this.m2 = new double[features];
  }

  public int features() {
    return features;
  }

  /** Samples that only feed the statistics before standardization applies. */
  public long warmup() {
    return warmup;
  }

  /** Samples the statistics were computed from. */
  public long count() {
    return count;
  }

  /** Whether the warm-up is over: samples are standardized and trained on. */
  public boolean ready() {
    return count >= warmup;
  }

  /** Adds the sample {@code x[off .. off + features)} to the statistics. */
  public void observe(float[] x, int off) {
    count++;
    double n = count;
    for (int j = 0; j < features; j++) {
      double v = x[off + j];
      double d = v - mean[j];
      mean[j] += d / n;
      m2[j] += d * (v - mean[j]);
    }
  }

  /**
   * Standardizes {@code x[xOff ..]} into {@code out[outOff ..]} with the statistics as they are.
   */
  public void apply(float[] x, int xOff, float[] out, int outOff) {
    for (int j = 0; j < features; j++) {
      out[outOff + j] = (float) ((x[xOff + j] - mean[j]) / std(j));
    }
  }

  /**
   * Standardizes {@code rows} samples of {@code x} into {@code out}: the same arithmetic as {@link
   * #apply}, each feature's deviation computed once for the batch.
   */
  public void applyRows(float[] x, int rows, float[] out) {
    for (int j = 0; j < features; j++) {
      double m = mean[j];
      double s = std(j);
      for (int i = j; i < rows * features; i += features) {
        out[i] = (float) ((x[i] - m) / s);
      }
    }
  }

  /** The standard deviation feature {@code j} is divided by (1 while it has no variance). */
  public double std(int j) {
    double s = count < 2 ? 0 : Math.sqrt(m2[j] / count);
    return s > 0 ? s : 1;
  }

  public double mean(int j) {
    return mean[j];
  }

  /**
   * The weights and bias, in the raw feature space, of a linear function {@code w · z + b} of the
   * standardized features {@code z}: {@code w_j / std_j} and {@code b - Σ w_j mean_j / std_j}.
   * Written into {@code rawWeights}; returns the raw bias.
   */
  public double toRaw(float[] w, double b, float[] rawWeights) {
    double bias = b;
    for (int j = 0; j < features; j++) {
      double s = std(j);
      rawWeights[j] = (float) (w[j] / s);
      bias -= w[j] * mean[j] / s;
    }
    return bias;
  }

  /** A copy that no longer follows training (what a snapshot's reader holds). */
  public Standardizer copy() {
    return of(warmup, count, mean, m2);
  }

  /** The statistics: {@code count, mean[features], m2[features]}. */
  public double[] state() {
    double[] s = new double[1 + 2 * features];
    s[0] = count;
    System.arraycopy(mean, 0, s, 1, features);
    System.arraycopy(m2, 0, s, 1 + features, features);
    return s;
  }

  /** Restores statistics taken by {@link #state()}. */
  public void loadState(double[] s) {
    if (s.length != 1 + 2 * features) {
      throw new IllegalStateException(
          "standardization state of "
              + (s.length - 1) / 2
              + " features for a model of "
              + features);
    }
    count = (long) s[0];
    System.arraycopy(s, 1, mean, 0, features);
    System.arraycopy(s, 1 + features, m2, 0, features);
  }

  /** A standardizer with these statistics (sums of squared deviations {@code m2}). */
  public static Standardizer of(long warmup, long count, double[] mean, double[] m2) {
    if (mean.length != m2.length) {
      throw new IllegalArgumentException(
          "mean and m2 differ in length: " + mean.length + " and " + m2.length);
    }
    Standardizer s = new Standardizer(mean.length, warmup);
    s.count = count;
    System.arraycopy(mean, 0, s.mean, 0, mean.length);
    System.arraycopy(m2, 0, s.m2, 0, m2.length);
    return s;
  }

  /** The sums of squared deviations from the mean, per feature (Welford's M2). */
  public double[] m2() {
    return m2.clone();
  }

  public double[] means() {
    return mean.clone();
  }

  @Override
  public String toString() {
    return "Standardizer{count=" + count + ", mean=" + Arrays.toString(mean) + "}";
  }
}
