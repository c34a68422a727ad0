package io.streamgrad.nn.quality;

import java.io.Serializable;

/**
 * Page-Hinkley test for an increase of a model's prequential error, made scale-free: each error
 * {@code x_t} enters as its relative deviation from the running mean before it, {@code (x_t - mean)
 * / mean - delta}; the test alarms when the cumulative sum of these rises more than {@code
 * threshold} above its minimum. The same defaults therefore work for errors of any magnitude (a
 * model of prices in dollars or in cents).
 *
 * <p>The mean is a plain running mean for the first {@code 1 / (1 - alpha)} errors, then a fading
 * one (factor {@code alpha}), so that the high errors of a model still learning fade out. The first
 * {@code minSamples} errors after a start or a drift only estimate the mean; the test runs from
 * there (so no alarm before), and starts over after a drift.
 *
 * <p>With the defaults (delta 0.1, threshold 50, min samples 100, alpha 0.999) a tenfold increase
 * of the error is found within about 6 samples, a doubling within about 60; on stationary errors of
 * a normal noise the cumulative sum drifts down by 0.1 per sample with steps of sd ~0.75, and
 * rising 50 above its minimum has probability below 1e-7 per excursion.
 */
public final class PageHinkley {

  /** The test's parameters. */
  public record Params(double delta, double threshold, long minSamples, double alpha)
      implements Serializable {
    public static final Params DEFAULT = new Params(0.1, 50, 100, 0.999);

    public Params {
      if (!(delta >= 0)) {
        throw new IllegalArgumentException("drift delta must be >= 0, got " + delta);
      }
      if (!(threshold > 0)) {
        throw new IllegalArgumentException("drift threshold must be > 0, got " + threshold);
      }
      if (minSamples < 1) {
        throw new IllegalArgumentException(
            "drift min samples must be at least 1, got " + minSamples);
      }
      if (!(alpha > 0 && alpha < 1)) {
        throw new IllegalArgumentException("drift alpha must be in (0, 1), got " + alpha);
      }
    }
  }

  private static final double TINY = 1e-30;
  private static final double RECENT = 0.8;

  private final Params params;
  private final double horizon;

  private long n;
  private double mean;
  private double cum;
  private double min;
  private double meanAtMin;
  private double recent; // a short fading mean of the error (about the last 5)

  private double errorBefore = Double.NaN;
  private double errorAfter = Double.NaN;

  public PageHinkley(Params params) {
    this.params = params;
    this.horizon = 1 / (1 - params.alpha());
  }

  public Params params() {
    return params;
  }

  /** Adds one error; true when it completes a detected increase (the test then starts over). */
  public boolean add(double x) {
    if (n >= params.minSamples()) { // the test starts once the mean has its first estimate
      if (n == params.minSamples()) {
        meanAtMin = mean;
      }
      double z = (x - mean) / Math.max(mean, TINY) - params.delta();
      cum += z;
      if (cum < min) {
        min = cum;
        meanAtMin = mean;
      }
    }
    recent = n == 0 ? x : RECENT * recent + (1 - RECENT) * x;
    n++;
    mean += (x - mean) / Math.min(n, horizon);
    if (cum - min > params.threshold()) {
      errorBefore = meanAtMin;
      errorAfter = recent;
      restart();
      return true;
    }
    return false;
  }

  /** The mean error before the last detected increase (where the cumulative sum was lowest). */
  public double errorBefore() {
    return errorBefore;
  }

  /** The error at the detection: a fading mean of about the last 5 errors (factor 0.8). */
  public double errorAfter() {
    return errorAfter;
  }

  private void restart() {
    n = 0;
    mean = 0;
    cum = 0;
    min = 0;
    meanAtMin = 0;
    recent = 0;
  }

  /** The whole state. */
  public double[] state() {
    return new double[] {n, mean, cum, min, meanAtMin, recent, errorBefore, errorAfter};
  }

  public void loadState(double[] s) {
    if (s.length != 8) {
      throw new IllegalStateException("drift detector state of " + s.length + " values, not 8");
    }
    n = (long) s[0];
    mean = s[1];
    cum = s[2];
    min = s[3];
    meanAtMin = s[4];
    recent = s[5];
    errorBefore = s[6];
    errorAfter = s[7];
  }
}
