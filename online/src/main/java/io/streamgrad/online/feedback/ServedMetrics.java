package io.streamgrad.online.feedback;

import io.streamgrad.nn.quality.PrequentialMetrics;

/**
 * What users actually saw, against what actually happened: each served prediction scored against
 * its event's outcome (AUC and log loss, or MAE and RMSE), and calibration — the mean served
 * prediction beside the observed rate. Unlike the prequential metrics, the prediction scored is the
 * one the job answered with when the event was served, by the model version of that moment.
 * Allocation-free per event; the whole state is one {@code double[]}.
 */
public final class ServedMetrics {
  private final PrequentialMetrics scores;
  private final float[] p = new float[1];
  private final float[] y = new float[1];
  private double servedSum;
  private double outcomeSum;
  // The same faded by PrequentialMetrics.FADING per outcome: the recent calibration.
  private double recentCount;
  private double recentServed;
  private double recentOutcome;

  public ServedMetrics(boolean classification) {
    this.scores = new PrequentialMetrics(classification);
  }

  /** Scores one served prediction against its outcome. */
  public void add(float served, float outcome) {
    p[0] = served;
    y[0] = outcome;
    scores.add(p, y, 1);
    servedSum += served;
    outcomeSum += outcome;
    recentCount = recentCount * PrequentialMetrics.FADING + 1;
    recentServed = recentServed * PrequentialMetrics.FADING + served;
    recentOutcome = recentOutcome * PrequentialMetrics.FADING + outcome;
  }

  public long scored() {
    return scores.samples();
  }

  public PrequentialMetrics scores() {
    return scores;
  }

  /** The mean served prediction; NaN before the first outcome. */
  public double meanServed() {
    return scored() == 0 ? Double.NaN : servedSum / scored();
  }

  /** The mean outcome: a click model's observed rate; NaN before the first outcome. */
  public double observedRate() {
    return scored() == 0 ? Double.NaN : outcomeSum / scored();
  }

  /** The mean served prediction over about the last 1,000 outcomes; NaN before the first. */
  public double recentMeanServed() {
    return recentCount == 0 ? Double.NaN : recentServed / recentCount;
  }

  /** The mean outcome over about the last 1,000 outcomes; NaN before the first. */
  public double recentObservedRate() {
    return recentCount == 0 ? Double.NaN : recentOutcome / recentCount;
  }

  private static final int SUMS = 5;

  public double[] state() {
    int n = scores.stateSize();
    double[] s = new double[n + SUMS];
    System.arraycopy(scores.state(), 0, s, 0, n);
    s[n] = servedSum;
    s[n + 1] = outcomeSum;
    s[n + 2] = recentCount;
    s[n + 3] = recentServed;
    s[n + 4] = recentOutcome;
    return s;
  }

  public void loadState(double[] s) {
    int n = s.length - SUMS;
    double[] inner = new double[n];
    System.arraycopy(s, 0, inner, 0, n);
    scores.loadState(inner);
    servedSum = s[n];
    outcomeSum = s[n + 1];
    recentCount = s[n + 2];
    recentServed = s[n + 3];
    recentOutcome = s[n + 4];
  }
}
