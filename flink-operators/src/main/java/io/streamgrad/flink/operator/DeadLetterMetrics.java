package io.streamgrad.flink.operator;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Counts dead letters by reason in a metric group: {@code deadLetters} in total, and {@code
 * deadLetters} under {@code reason=<kind>}, where the kind is the reason up to its first colon
 * ({@code "wrong feature count: expected 16, got 3"} counts as {@code wrong feature count}), so
 * details do not multiply metrics.
 */
public final class DeadLetterMetrics {
  public static final String COUNTER = "deadLetters";
  public static final String REASON_GROUP = "reason";

  private final MetricGroup group;
  private final Counter total;
  private final Map<String, Counter> byKind = new HashMap<>();

  public DeadLetterMetrics(MetricGroup group) {
    this.group = group;
    this.total = group.counter(COUNTER);
  }

  /** The stable part of a reason, used as the metric's label. */
  public static String kind(String reason) {
    int colon = reason.indexOf(':');
    return colon < 0 ? reason : reason.substring(0, colon);
  }

  public void count(String reason) {
    total.inc();
    byKind
        .computeIfAbsent(kind(reason), k -> group.addGroup(REASON_GROUP, k).counter(COUNTER))
        .inc();
  }

  public long total() {
    return total.getCount();
  }
}
