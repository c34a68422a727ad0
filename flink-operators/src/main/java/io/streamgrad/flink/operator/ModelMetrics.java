package io.streamgrad.flink.operator;

import io.streamgrad.flink.train.ModelTrainer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;

/**
 * One model's metrics, under {@code model=<id>} in the operator's group: gauges read the live
 * trainer (nothing is updated per sample or per step), {@code updatesPerSecond} is a meter over the
 * version, and the model's dead letters are counted by reason.
 */
final class ModelMetrics {
  static final String MODEL_GROUP = "model";

  final DeadLetterMetrics deadLetters;

  ModelMetrics(MetricGroup operatorGroup, String modelId, ModelTrainer trainer) {
    MetricGroup g = operatorGroup.addGroup(MODEL_GROUP, modelId);
    g.gauge("version", (Gauge<Long>) trainer::version);
    g.gauge("samplesSeen", (Gauge<Long>) trainer::samplesSeen);
    g.gauge("batchLoss", (Gauge<Float>) trainer::lastBatchLoss);
    g.gauge("prequentialLoss", (Gauge<Double>) trainer::prequentialLoss);
    g.gauge("gradNorm", (Gauge<Float>) trainer::lastGradNorm);
    g.gauge("divergenceGuardRejections", (Gauge<Long>) trainer::rejectedBatches);
    g.meter("updatesPerSecond", new MeterView((Gauge<Long>) trainer::version));
    deadLetters = new DeadLetterMetrics(g);
  }
}
