package io.streamgrad.online.live;

import java.io.Serializable;

/**
 * Which models get their own metric group ({@code model=<id>}): none, the first K each subtask
 * sees, or all. Flink cannot unregister a metric, so a group, once made, lives as long as the task:
 * a bounded choice keeps the registry and every reporter's scrape bounded however many models there
 * are. A ranking ("the worst K") would need groups that change their model; reporters label series
 * by group, so the first K, a stable set, is what is offered. The job-level aggregates of the Flink
 * operator (PopulationMetrics) cover every model.
 */
public final class PerModelMetrics implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The default: the first 20 models of each subtask. */
  public static final PerModelMetrics DEFAULT = first(20);

  private final int limit; // Integer.MAX_VALUE: all

  private PerModelMetrics(int limit) {
    this.limit = limit;
  }

  public static PerModelMetrics none() {
    return new PerModelMetrics(0);
  }

  public static PerModelMetrics first(int k) {
    if (k < 0) {
      throw new IllegalArgumentException("per-model metrics: K must be >= 0, got " + k);
    }
    return new PerModelMetrics(k);
  }

  /** A group for every model: only for a few models (each adds about a dozen metrics). */
  public static PerModelMetrics all() {
    return new PerModelMetrics(Integer.MAX_VALUE);
  }

  /**
   * {@code none}, {@code all} or {@code first:K}.
   *
   * @throws IllegalArgumentException naming what is accepted
   */
  public static PerModelMetrics parse(String spec) {
    String s = spec.trim();
    if (s.equals("none")) {
      return none();
    }
    if (s.equals("all")) {
      return all();
    }
    if (s.startsWith("first:")) {
      try {
        int k = Integer.parseInt(s.substring(6).trim());
        if (k >= 0) {
          return first(k);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "per-model metrics must be none, all or first:K with K >= 0, not '" + spec + "'");
  }

  /** True when a subtask that has made {@code registered} groups may make another. */
  public boolean allowsAnother(int registered) {
    return registered < limit;
  }

  @Override
  public String toString() {
    return limit == 0 ? "none" : limit == Integer.MAX_VALUE ? "all" : "first:" + limit;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PerModelMetrics p && p.limit == limit;
  }

  @Override
  public int hashCode() {
    return limit;
  }
}
