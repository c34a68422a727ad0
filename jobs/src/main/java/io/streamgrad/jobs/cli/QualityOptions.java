package io.streamgrad.jobs.cli;

import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.nn.quality.QualityGate;
import io.streamgrad.online.train.QualitySpec;
import picocli.CommandLine.Option;

/**
 * Options of what makes a model trustworthy unattended: preprocessing, prequential metrics, drift
 * detection and the quality gate (part of {@link TrainerOptions}).
 */
public final class QualityOptions {
  @Option(
      names = "--preprocess",
      defaultValue = "none",
      paramLabel = "none|standardize",
      description =
          "standardize: every feature by its running mean and variance (Welford, kept in the model's state, carried in its snapshots and applied by every reader) (default: ${DEFAULT-VALUE}).")
  String preprocess;

  @Option(
      names = "--preprocess-warmup",
      defaultValue = "100",
      paramLabel = "N",
      description =
          "With --preprocess standardize: a model's first N samples only feed the statistics (default: ${DEFAULT-VALUE}).")
  long preprocessWarmup;

  @Option(
      names = "--metrics",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Prequential (test-then-train) metrics per model, since the start and over a fading window of ~1,000 samples: MAE and RMSE; log loss, accuracy and AUC for logistic models (default: on).")
  boolean metrics;

  @Option(
      names = "--drift",
      paramLabel = "none|page-hinkley",
      description =
          "Watch each model's prequential error for an increase (a scale-free Page-Hinkley test); drift events go to --drifts-topic, snapshots list the last ones, --drift-action says what else happens (default: page-hinkley, report only; none turns it off).")
  String drift;

  /** What {@code --drift} means when not given: watched, reported, nothing else done. */
  static final String DEFAULT_DRIFT = "page-hinkley";

  /** Whether drift is watched. */
  boolean driftOn() {
    return !effectiveDrift().equals("none");
  }

  /** Whether {@code --drift} was given (a default may give way; an explicit ask may not). */
  boolean driftAsked() {
    return drift != null;
  }

  /** Turns the default drift watch off (its events would have nowhere to go). */
  void driftOff() {
    drift = "none";
  }

  private String effectiveDrift() {
    return drift == null ? DEFAULT_DRIFT : drift.trim();
  }

  @Option(
      names = "--drift-delta",
      defaultValue = "0.1",
      description =
          "Page-Hinkley: the relative increase tolerated per sample (default: ${DEFAULT-VALUE}).")
  double driftDelta;

  @Option(
      names = "--drift-threshold",
      defaultValue = "50",
      description =
          "Page-Hinkley: alarm when the cumulative relative increase exceeds this (default: ${DEFAULT-VALUE}).")
  double driftThreshold;

  @Option(
      names = "--drift-min-samples",
      defaultValue = "100",
      description =
          "Page-Hinkley: no alarm in a model's first N samples, nor in the N after a drift (default: ${DEFAULT-VALUE}).")
  long driftMinSamples;

  @Option(
      names = "--drift-alpha",
      defaultValue = "0.999",
      description =
          "Page-Hinkley: fading factor of the mean error the test compares with (default: ${DEFAULT-VALUE}).")
  double driftAlpha;

  @Option(
      names = "--drift-action",
      defaultValue = "none",
      paramLabel = "none|reset-optimizer|reset-model",
      description =
          "On drift: report only, restart the optimizer's state (a learning-rate warm restart for adagrad and adam), or restart the model from its initial parameters (default: ${DEFAULT-VALUE}).")
  String driftAction;

  @Option(
      names = "--publish-if",
      paramLabel = "METRIC OP X",
      description =
          "Quality gate: publish a snapshot only when the model's windowed metric passes, e.g. auc>=0.7 or rmse<=0.5 (mae, rmse, logloss, accuracy, auc; >=, <=, >, <); others are held back and counted, readers keep the last good one.")
  String publishIf;

  /** What these options ask for; refuses what they cannot mean. */
  QualitySpec spec() {
    QualitySpec q = QualitySpec.DEFAULT.metrics(metrics);
    Check.oneOf("--preprocess", preprocess, "none", "standardize");
    if (preprocess.equals("standardize")) {
      Check.atLeast("--preprocess-warmup", preprocessWarmup, 0);
      q = q.standardize(preprocessWarmup);
    }
    String drift = effectiveDrift();
    Check.oneOf("--drift", drift, "none", "page-hinkley");
    QualitySpec.DriftAction action;
    try {
      action = QualitySpec.DriftAction.parse(driftAction);
    } catch (IllegalArgumentException e) {
      throw new BadOption("--" + e.getMessage());
    }
    if (drift.equals("page-hinkley")) {
      try {
        q =
            q.drift(
                new PageHinkley.Params(driftDelta, driftThreshold, driftMinSamples, driftAlpha),
                action);
      } catch (IllegalArgumentException e) {
        throw new BadOption("--" + e.getMessage().replaceFirst("drift ", "drift-"));
      }
    } else if (action != QualitySpec.DriftAction.NONE) {
      throw new BadOption("--drift-action needs --drift page-hinkley");
    }
    if (publishIf != null) {
      try {
        q = q.publishIf(QualityGate.parse(publishIf));
      } catch (IllegalArgumentException e) {
        throw new BadOption("--publish-if: " + e.getMessage());
      }
    }
    return q;
  }
}
