package io.streamgrad.nn.quality;

import java.util.Arrays;

/**
 * Prequential (test-then-train) metrics of one model: every sample is scored by the model as it was
 * before training on it, so these are honest out-of-sample estimates. Each metric twice: since the
 * start, and over a fading window (every earlier sample's weight multiplied by {@link #FADING} per
 * sample, so the window is about {@code 1 / (1 - FADING)} = 1,000 samples; applied batch by batch).
 *
 * <ul>
 *   <li>regression: MAE and RMSE;
 *   <li>classification (a probability against a 0/1 label, positive when {@code label >= 0.5}): log
 *       loss (probabilities clamped to [1e-7, 1 - 1e-7]), accuracy at 0.5 and ROC AUC, from
 *       histograms of the predicted probability in {@value #AUC_BINS} bins (a pair in one bin
 *       counts half: AUC to within about 1/{@value #AUC_BINS}).
 * </ul>
 *
 * <p>Unweighted (each sample counts once, whatever its training weight). Allocation-free per
 * sample; its whole state is one {@code double[]} ({@link #state()}).
 */
public final class PrequentialMetrics {
  /** The fading factor per sample of the windowed metrics. */
  public static final double FADING = 0.999;

  /** Bins of the AUC histograms, over [0, 1]. */
  public static final int AUC_BINS = 32;

  private static final double EPS = 1e-7;

  // Since the start, then faded, in one array: the state is the array. A regression keeps only
  // N, ABS and SQ (its state is small: it is written with every model at every checkpoint).
  private static final int N = 0;
  private static final int ABS = 1;
  private static final int SQ = 2;
  private static final int LOG = 3;
  private static final int CORRECT = 4;
  private static final int REGRESSION_SCALARS = 3;
  private static final int CLASSIFICATION_SCALARS = 5;

  private final boolean classification;
  private final int faded; // where the faded scalars start
  private final int hist; // where the histograms start: positives, negatives; then faded ones
  private final double[] s;

  public PrequentialMetrics(boolean classification) {
    this.classification = classification;
    int scalars = classification ? CLASSIFICATION_SCALARS : REGRESSION_SCALARS;
    this.faded = scalars;
    this.hist = 2 * scalars;
    this.s = new double[hist + (classification ? 4 * AUC_BINS : 0)];
  }

  public boolean classification() {
    return classification;
  }

  /**
   * Scores {@code n} predictions ({@code predicted[0..n)}: outputs with the model's link applied)
   * against their labels, then fades the window by {@code FADING^n}.
   */
  public void add(float[] predicted, float[] labels, int n) {
    double decay = Math.pow(FADING, n);
    for (int k = faded; k < hist; k++) {
      s[k] *= decay;
    }
    if (classification) {
      for (int k = hist + 2 * AUC_BINS; k < s.length; k++) {
        s[k] *= decay;
      }
    }
    for (int i = 0; i < n; i++) {
      add(predicted[i], labels[i]);
    }
  }

  private void add(double p, double y) {
    double e = p - y;
    double abs = Math.abs(e);
    double sq = e * e;
    for (int base = 0; base <= faded; base += faded) {
      s[base + N] += 1;
      s[base + ABS] += abs;
      s[base + SQ] += sq;
    }
    if (classification) {
      double log = error(p, y);
      boolean positive = y >= 0.5;
      double correct = (p >= 0.5) == positive ? 1 : 0;
      int bin = (int) Math.min(AUC_BINS - 1, Math.max(0, p * AUC_BINS));
      int h = hist + (positive ? 0 : AUC_BINS) + bin;
      for (int base = 0; base <= faded; base += faded) {
        s[base + LOG] += log;
        s[base + CORRECT] += correct;
      }
      s[h] += 1;
      s[h + 2 * AUC_BINS] += 1;
    }
  }

  /**
   * A sample's error, what drift detection follows: absolute error in regression, log loss in
   * classification.
   */
  public double error(double p, double y) {
    return error(classification, p, y);
  }

  /** {@link #error(double, double)} for metrics of either kind. */
  public static double error(boolean classification, double p, double y) {
    if (!classification) {
      return Math.abs(p - y);
    }
    double q = Math.min(1 - EPS, Math.max(EPS, p));
    return -(y * Math.log(q) + (1 - y) * Math.log(1 - q));
  }

  /** Samples scored since the start. */
  public long samples() {
    return (long) s[N];
  }

  public double mae(boolean window) {
    return ratio(window, ABS);
  }

  public double rmse(boolean window) {
    return Math.sqrt(ratio(window, SQ));
  }

  /** Log loss; NaN for regression. */
  public double logLoss(boolean window) {
    return classification ? ratio(window, LOG) : Double.NaN;
  }

  /** Accuracy at 0.5; NaN for regression. */
  public double accuracy(boolean window) {
    return classification ? ratio(window, CORRECT) : Double.NaN;
  }

  /** ROC AUC; NaN for regression or before both classes were seen. */
  public double auc(boolean window) {
    if (!classification) {
      return Double.NaN;
    }
    int pos = hist + (window ? 2 * AUC_BINS : 0);
    int neg = pos + AUC_BINS;
    double negBelow = 0;
    double pairs = 0;
    double posTotal = 0;
    for (int b = 0; b < AUC_BINS; b++) {
      double p = s[pos + b];
      double q = s[neg + b];
      pairs += p * (negBelow + 0.5 * q);
      negBelow += q;
      posTotal += p;
    }
    return posTotal > 0 && negBelow > 0 ? pairs / (posTotal * negBelow) : Double.NaN;
  }

  /** The metric {@code name} (mae, rmse, logloss, accuracy, auc) since the start or windowed. */
  public double get(String name, boolean window) {
    switch (name) {
      case "mae":
        return mae(window);
      case "rmse":
        return rmse(window);
      case "logloss":
        return logLoss(window);
      case "accuracy":
        return accuracy(window);
      case "auc":
        return auc(window);
      default:
        throw new IllegalArgumentException("unknown metric " + name);
    }
  }

  private double ratio(boolean window, int k) {
    int base = window ? faded : 0;
    return s[base + N] > 0 ? s[base + k] / s[base + N] : Double.NaN;
  }

  /** Length of {@link #state()}, without copying it. */
  public int stateSize() {
    return s.length;
  }

  /** The whole state (copied). */
  public double[] state() {
    return s.clone();
  }

  /** Restores a state taken by {@link #state()} of metrics of the same kind. */
  public void loadState(double[] state) {
    if (state.length != s.length) {
      throw new IllegalStateException(
          "metrics state of " + state.length + " values, expected " + s.length);
    }
    System.arraycopy(state, 0, s, 0, s.length);
  }

  /** Metrics restored from a {@link #state()}, of the kind its length says. */
  public static PrequentialMetrics fromState(double[] state) {
    PrequentialMetrics m = new PrequentialMetrics(state.length > 2 * REGRESSION_SCALARS);
    m.loadState(state);
    return m;
  }

  public void reset() {
    Arrays.fill(s, 0);
  }

  /** A copy that no longer follows training. */
  public PrequentialMetrics copy() {
    PrequentialMetrics m = new PrequentialMetrics(classification);
    m.loadState(s);
    return m;
  }
}
