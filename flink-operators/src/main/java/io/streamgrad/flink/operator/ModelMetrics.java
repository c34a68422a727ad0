package io.streamgrad.flink.operator;

import io.streamgrad.nn.quality.PrequentialMetrics;
import io.streamgrad.nn.quality.QualityGate;
import io.streamgrad.online.train.TrainingProgress;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model's metrics, under {@code model=<id>} in the operator's group: gauges read the model's
 * progress counters (nothing is updated per sample or per step), {@code updatesPerSecond} is a
 * meter over the version, and the model's dead letters are counted by reason.
 *
 * <p>The progress they read is the live trainer's while the model is in memory, and a frozen copy
 * once it is evicted (its trainer is then reused for another model); {@link #bind} switches.
 */
final class ModelMetrics {
  static final String MODEL_GROUP = "model";

  final DeadLetterMetrics deadLetters;
  private volatile TrainingProgress progress;

  ModelMetrics(MetricGroup operatorGroup, String modelId, TrainingProgress progress) {
    this.progress = progress;
    MetricGroup g = operatorGroup.addGroup(MODEL_GROUP, modelId);
    g.gauge("version", (Gauge<Long>) () -> this.progress.version());
    g.gauge("samplesSeen", (Gauge<Long>) () -> this.progress.samplesSeen());
    g.gauge("batchLoss", (Gauge<Float>) () -> this.progress.lastBatchLoss());
    g.gauge("prequentialLoss", (Gauge<Double>) () -> this.progress.prequentialLoss());
    g.gauge("gradNorm", (Gauge<Float>) () -> this.progress.lastGradNorm());
    g.gauge("divergenceGuardRejections", (Gauge<Long>) () -> this.progress.rejectedBatches());
    g.meter("updatesPerSecond", new MeterView((Gauge<Long>) () -> this.progress.version()));
    g.gauge("drifts", (Gauge<Long>) () -> this.progress.driftCount());
    g.gauge("gatedSnapshots", (Gauge<Long>) () -> this.progress.gatedSnapshots());
    PrequentialMetrics m = progress.metrics();
    if (m != null) {
      // Windowed as NAME, since the start as NAMESinceStart: what a dashboard plots and alerts on.
      for (String name : QualityGate.METRICS) {
        if (m.classification() || name.equals("mae") || name.equals("rmse")) {
          g.gauge(name, (Gauge<Double>) () -> metric(name, true));
          g.gauge(name + "SinceStart", (Gauge<Double>) () -> metric(name, false));
        }
      }
    }
    deadLetters = new DeadLetterMetrics(g);
  }

  private double metric(String name, boolean window) {
    PrequentialMetrics m = progress.metrics();
    return m == null ? Double.NaN : m.get(name, window);
  }

  void bind(TrainingProgress progress) {
    this.progress = progress;
  }
}
