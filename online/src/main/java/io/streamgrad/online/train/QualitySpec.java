package io.streamgrad.online.train;

import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.QualityGate;
import java.io.Serializable;
import java.util.Locale;

/**
 * What a trainer does to be trusted unattended, beyond training: standardize its inputs, score
 * every sample before training on it (prequential metrics), watch the error for drift and act on
 * it, and hold back snapshots that fail a quality gate. Immutable: each setter returns a copy.
 */
public final class QualitySpec implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What the trainer does when drift is detected. */
  public enum DriftAction {
    /** Report it only. */
    NONE,
    /** Start the optimizer's state afresh (a learning-rate warm restart for adaptive ones). */
    RESET_OPTIMIZER,
    /** Start the model afresh from its initial parameters, and its optimizer. */
    RESET_MODEL;

    /** As the command line and drift events spell it: {@code none}, {@code reset-optimizer}, … */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static DriftAction parse(String text) {
      for (DriftAction a : values()) {
        if (a.label().equals(text)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "drift action must be none, reset-optimizer or reset-model; got '" + text + "'");
    }
  }

  /** No preprocessing, metrics on, no drift detection, no gate: what a trainer does by default. */
  public static final QualitySpec DEFAULT =
      new QualitySpec(false, 0, true, null, DriftAction.NONE, null);

  /** Everything off (the baseline of the cost benchmark). */
  public static final QualitySpec OFF =
      new QualitySpec(false, 0, false, null, DriftAction.NONE, null);

  private final boolean standardize;
  private final long warmup;
  private final boolean metrics;
  private final PageHinkley.Params drift;
  private final DriftAction driftAction;
  private final QualityGate gate;

  private QualitySpec(
      boolean standardize,
      long warmup,
      boolean metrics,
      PageHinkley.Params drift,
      DriftAction driftAction,
      QualityGate gate) {
    this.standardize = standardize;
    this.warmup = warmup;
    this.metrics = metrics;
    this.drift = drift;
    this.driftAction = driftAction;
    this.gate = gate;
  }

  /**
   * Standardize every feature with its running mean and variance, after {@code warmup} samples that
   * only feed the statistics.
   */
  public QualitySpec standardize(long warmup) {
    if (warmup < 0) {
      throw new IllegalArgumentException("preprocess warm-up must not be negative, got " + warmup);
    }
    return new QualitySpec(true, warmup, metrics, drift, driftAction, gate);
  }

  /** Prequential metrics on or off (on by default; the gate needs them). */
  public QualitySpec metrics(boolean enabled) {
    return new QualitySpec(standardize, warmup, enabled, drift, driftAction, gate);
  }

  /** Page-Hinkley drift detection on the prequential error with {@code params} (null: off). */
  public QualitySpec drift(PageHinkley.Params params, DriftAction action) {
    return new QualitySpec(standardize, warmup, metrics, params, action, gate);
  }

  /** Publish a snapshot only when {@code gate} passes (null: every snapshot). */
  public QualitySpec publishIf(QualityGate gate) {
    return new QualitySpec(standardize, warmup, metrics, drift, driftAction, gate);
  }

  public boolean standardizes() {
    return standardize;
  }

  public long warmup() {
    return warmup;
  }

  public boolean metrics() {
    return metrics;
  }

  /** The drift test's parameters, or null when drift is not watched. */
  public PageHinkley.Params drift() {
    return drift;
  }

  public DriftAction driftAction() {
    return driftAction;
  }

  /** The quality gate, or null. */
  public QualityGate gate() {
    return gate;
  }

  /**
   * Checks the combination for a model that is a classifier or not.
   *
   * @throws IllegalArgumentException naming the conflict
   */
  public void validate(boolean classification) {
    if (gate != null && !metrics) {
      throw new IllegalArgumentException("a quality gate needs the prequential metrics");
    }
    if (gate != null && !gate.appliesTo(classification)) {
      throw new IllegalArgumentException(
          "quality gate "
              + gate
              + ": "
              + gate.metric()
              + " is a classification metric, the model is a regression (mae or rmse)");
    }
  }

  @Override
  public String toString() {
    return (standardize ? "standardize(warmup=" + warmup + ")" : "raw features")
        + (metrics ? ", metrics" : "")
        + (drift != null ? ", drift " + drift + " -> " + driftAction.label() : "")
        + (gate != null ? ", publish if " + gate : "");
  }
}
