package io.streamgrad.flink.operator;

import io.streamgrad.flink.train.TrainerConfig;
import java.io.Serializable;
import java.util.Objects;

/**
 * How a trainer subtask holds many models: how many stay live in memory, when an idle one expires,
 * and which get their own metrics. None of it changes what a model learns.
 */
public final class ModelLifecycle implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link #maxLiveModels} value that sizes the cache from the heap (see {@link #capacity}). */
  public static final int AUTO = 0;

  static final int AUTO_MIN = 1_000;
  static final int AUTO_MAX = 1_000_000;

  /** Share of the heap the live models of one task manager may take when sized automatically. */
  static final double AUTO_HEAP_SHARE = 0.25;

  public static final ModelLifecycle DEFAULT = new ModelLifecycle(AUTO, 0, PerModelMetrics.DEFAULT);

  /** At most this many live trainers per subtask; {@link #AUTO}: from the heap. */
  public final int maxLiveModels;

  /** A model without samples for this long (processing time) expires; 0: never. */
  public final long modelTtlMillis;

  public final PerModelMetrics perModelMetrics;

  public ModelLifecycle(int maxLiveModels, long modelTtlMillis, PerModelMetrics perModelMetrics) {
    if (maxLiveModels < 0) {
      throw new IllegalArgumentException(
          "maxLiveModels must be positive (or 0 for automatic), got " + maxLiveModels);
    }
    if (modelTtlMillis < 0) {
      throw new IllegalArgumentException(
          "modelTtl must not be negative (0: never), got " + modelTtlMillis + " ms");
    }
    this.maxLiveModels = maxLiveModels;
    this.modelTtlMillis = modelTtlMillis;
    this.perModelMetrics = Objects.requireNonNull(perModelMetrics, "perModelMetrics");
  }

  /**
   * The cache capacity of one subtask: {@link #maxLiveModels}, or when automatic, a quarter of
   * {@code maxHeapBytes} shared by the task manager's {@code slots}, divided by what one live
   * trainer of {@code config} takes, within [1,000, 1,000,000].
   */
  public int capacity(TrainerConfig config, long maxHeapBytes, int slots) {
    if (maxLiveModels != AUTO) {
      return maxLiveModels;
    }
    double budget = maxHeapBytes * AUTO_HEAP_SHARE / Math.max(1, slots);
    long n = (long) (budget / config.liveTrainerBytes());
    return (int) Math.max(AUTO_MIN, Math.min(AUTO_MAX, n));
  }

  @Override
  public String toString() {
    return "maxLiveModels="
        + (maxLiveModels == AUTO ? "auto" : maxLiveModels)
        + ", modelTtl="
        + (modelTtlMillis == 0 ? "never" : modelTtlMillis + " ms")
        + ", perModelMetrics="
        + perModelMetrics;
  }
}
