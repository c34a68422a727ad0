package io.streamgrad.flink.operator;

import io.streamgrad.online.live.PerModelMetrics;
import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;

/**
 * How a trainer subtask holds many models: how many stay live in memory, when an idle one expires,
 * and which get their own metrics. None of it changes what a model learns.
 */
public final class ModelLifecycle implements Serializable {
  private static final long serialVersionUID = 1L;

  /** {@link #maxLiveModels} value that sizes the cache from the heap (see {@link #capacity}). */
  public static final int AUTO = 0;

  static final int AUTO_MAX = 1_000_000;

  /** Share of the heap the live models of one task manager may take when sized automatically. */
  static final double AUTO_HEAP_SHARE = 0.25;

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

  /** The most live models of one subtask: {@link #maxLiveModels}, or when automatic 1,000,000. */
  public int capacity() {
    return maxLiveModels == AUTO ? AUTO_MAX : maxLiveModels;
  }

  /**
   * The heap the live models of one subtask may take: when automatic, a quarter of {@code
   * maxHeapBytes} shared by the task manager's {@code slots}; 0 (no byte bound) with an explicit
   * {@link #maxLiveModels}.
   */
  public long byteBudget(long maxHeapBytes, int slots) {
    return maxLiveModels == AUTO ? heapShare(maxHeapBytes, slots) : 0;
  }

  /** A quarter of {@code maxHeapBytes} shared by a task manager's {@code slots}. */
  public static long heapShare(long maxHeapBytes, int slots) {
    return (long) (maxHeapBytes * AUTO_HEAP_SHARE / Math.max(1, slots));
  }

  /** The task slots of the task manager {@code operator} runs on. */
  public static int taskSlots(AbstractStreamOperator<?> operator) {
    return operator
        .getContainingTask()
        .getEnvironment()
        .getTaskManagerInfo()
        .getConfiguration()
        .get(TaskManagerOptions.NUM_TASK_SLOTS);
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
