package io.streamgrad.nn.quality;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A condition on a model's windowed prequential metric that a snapshot must meet to be published,
 * e.g. {@code auc>=0.7} or {@code rmse<=0.5}. A metric that has no value yet (no sample scored, or
 * an AUC before both classes were seen) does not pass.
 */
public final class QualityGate implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The metrics a gate can name. */
  public static final List<String> METRICS = List.of("mae", "rmse", "logloss", "accuracy", "auc");

  private static final Pattern FORM =
      Pattern.compile("\\s*([a-zA-Z0-9_]+)\\s*(>=|<=|>|<)\\s*([-+0-9.eE]+)\\s*");

  private final String metric;
  private final String op;
  private final double threshold;

  private QualityGate(String metric, String op, double threshold) {
    this.metric = metric;
    this.op = op;
    this.threshold = threshold;
  }

  /**
   * Parses {@code METRIC OP THRESHOLD}.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static QualityGate parse(String text) {
    Matcher m = FORM.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "a quality gate is METRIC OP THRESHOLD, e.g. auc>=0.7 or rmse<=0.5; got '" + text + "'");
    }
    String metric = m.group(1).toLowerCase(Locale.ROOT);
    if (!METRICS.contains(metric)) {
      throw new IllegalArgumentException(
          "unknown metric '" + m.group(1) + "' in quality gate: one of " + METRICS);
    }
    double threshold;
    try {
      threshold = Double.parseDouble(m.group(3));
    } catch (NumberFormatException e) {
      threshold = Double.NaN;
    }
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException(
          "the threshold of quality gate '" + text + "' is not a number");
    }
    return new QualityGate(metric, m.group(2), threshold);
  }

  public String metric() {
    return metric;
  }

  /** Whether metrics of this kind have the gate's metric (no AUC for a regression model). */
  public boolean appliesTo(boolean classification) {
    return classification || metric.equals("mae") || metric.equals("rmse");
  }

  /** Whether {@code metrics}' windowed value passes. */
  public boolean passes(PrequentialMetrics metrics) {
    double v = metrics.get(metric, true);
    if (Double.isNaN(v)) {
      return false;
    }
    switch (op) {
      case ">=":
        return v >= threshold;
      case "<=":
        return v <= threshold;
      case ">":
        return v > threshold;
      default:
        return v < threshold;
    }
  }

  @Override
  public String toString() {
    return metric + op + threshold;
  }
}
