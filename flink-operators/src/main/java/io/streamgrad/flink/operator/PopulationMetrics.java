package io.streamgrad.flink.operator;

import io.streamgrad.online.live.LiveModels;
import io.streamgrad.online.live.RecentUpdates;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;

/**
 * Metrics of a subtask's whole population of models, whatever their number: a fixed set of about
 * fifteen metrics, under {@code models} in the operator's group.
 *
 * <ul>
 *   <li>{@code live}, {@code liveCapacity}: trainers in memory and the cache's bound; {@code
 *       liveBytes}, {@code liveBytesBudget}: the heap they take, as they estimate it, and the
 *       cache's byte bound (0: none);
 *   <li>{@code inState}: models in this subtask's keyed state;
 *   <li>{@code evictions}, {@code restoredFromState}, {@code created}, {@code expired}: counters;
 *   <li>{@code updatedLastMinute}: distinct models updated in the last 60 s;
 *   <li>{@code writtenAtLastCheckpoint}, {@code lastCheckpointWriteMillis}: models changed since
 *       the checkpoint before (written to keyed state at the barrier) and how long that took;
 *   <li>{@code stalenessMs} and {@code prequentialLoss}, each as {@code min}, {@code median},
 *       {@code max}: over the live models (the most recently used ones), refreshed every {@link
 *       #REFRESH_MILLIS} ms on the task thread.
 * </ul>
 *
 * Reporters read the gauges on their own threads: gauges only read fields published by the task
 * thread, never the cache itself.
 */
final class PopulationMetrics {
  static final String GROUP = "models";
  static final long REFRESH_MILLIS = 10_000;
  static final int SAMPLE = 10_000;

  final Counter evictions;
  final Counter restoredFromState;
  final Counter created;
  final Counter expired;
  private final RecentUpdates recent;

  private volatile int live;
  private volatile int capacity;
  private volatile long liveBytes;
  private volatile long liveBytesBudget;
  private volatile long inState;
  private volatile long updatedLastMinute;
  private volatile long writtenAtLastCheckpoint;
  private volatile long lastCheckpointWriteMillis;
  private volatile double[] staleness = {Double.NaN, Double.NaN, Double.NaN};
  private volatile double[] loss = {Double.NaN, Double.NaN, Double.NaN};

  private double[] scratch = new double[0];

  PopulationMetrics(MetricGroup operatorGroup, long nowMillis) {
    MetricGroup g = operatorGroup.addGroup(GROUP);
    evictions = g.counter("evictions");
    restoredFromState = g.counter("restoredFromState");
    created = g.counter("created");
    expired = g.counter("expired");
    recent = new RecentUpdates(nowMillis);
    g.gauge("live", (Gauge<Integer>) () -> live);
    g.gauge("liveCapacity", (Gauge<Integer>) () -> capacity);
    g.gauge("liveBytes", (Gauge<Long>) () -> liveBytes);
    g.gauge("liveBytesBudget", (Gauge<Long>) () -> liveBytesBudget);
    g.gauge("inState", (Gauge<Long>) () -> inState);
    g.gauge("updatedLastMinute", (Gauge<Long>) () -> updatedLastMinute);
    g.gauge("writtenAtLastCheckpoint", (Gauge<Long>) () -> writtenAtLastCheckpoint);
    g.gauge("lastCheckpointWriteMillis", (Gauge<Long>) () -> lastCheckpointWriteMillis);
    String[] stats = {"min", "median", "max"};
    for (int i = 0; i < stats.length; i++) {
      int s = i;
      g.addGroup("stalenessMs").gauge(stats[i], (Gauge<Double>) () -> staleness[s]);
      g.addGroup("prequentialLoss").gauge(stats[i], (Gauge<Double>) () -> loss[s]);
    }
  }

  void checkpointWrite(int models, long millis) {
    writtenAtLastCheckpoint = models;
    lastCheckpointWriteMillis = millis;
  }

  void setInState(long models) {
    inState = models;
  }

  void addInState(long delta) {
    inState += delta; // task thread only; volatile for the readers
  }

  /** A model whose previous update was at {@code previousMillis} was updated at {@code now}. */
  void updated(long previousMillis, long nowMillis) {
    recent.updated(previousMillis, nowMillis);
  }

  /** Recomputes the published aggregates from the live trainers (task thread). */
  void refresh(LiveModels<?> models, long nowMillis) {
    live = models.size();
    capacity = models.capacity();
    liveBytes = models.bytes();
    liveBytesBudget = models.maxBytes();
    updatedLastMinute = recent.inLastMinute(nowMillis);
    List<? extends LiveModels.Entry<?>> sample = models.sample(SAMPLE);
    if (scratch.length < sample.size()) {
      scratch = new double[sample.size()];
    }
    int k = 0;
    for (LiveModels.Entry<?> e : sample) {
      long last = e.trainer.progress().lastUpdateMillis();
      if (last > 0) {
        scratch[k++] = nowMillis - last;
      }
    }
    staleness = minMedianMax(scratch, k);
    k = 0;
    for (LiveModels.Entry<?> e : sample) {
      double l = e.trainer.prequentialLoss();
      if (!Double.isNaN(l)) {
        scratch[k++] = l;
      }
    }
    loss = minMedianMax(scratch, k);
  }

  /** {min, median, max} of the first {@code n} values (sorted in place); NaN when empty. */
  static double[] minMedianMax(double[] values, int n) {
    if (n == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    Arrays.sort(values, 0, n);
    double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return new double[] {values[0], median, values[n - 1]};
  }
}
