package io.streamgrad.jobs.demo;

import io.streamgrad.jobs.graph.InputTap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Chaos for tests and demos ({@code local --fail-after N[,M,...]}): throws inside the training job
 * once the job has processed N records (samples, or requests), then M, ..., so Flink restarts it
 * from its last checkpoint. Each threshold fires once per run. The counters live in this JVM, which
 * is where a MiniCluster's tasks run.
 */
public final class FailureInjection<T> implements MapFunction<T, T> {
  private static final long serialVersionUID = 1L;

  /** Thrown on purpose; its message says so. */
  public static final class InjectedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InjectedFailure(String message) {
      super(message);
    }
  }

  private static final class Run {
    final AtomicLong processed = new AtomicLong();
    final Set<Long> fired = ConcurrentHashMap.newKeySet();
    final AtomicInteger failures = new AtomicInteger();
  }

  private static final ConcurrentHashMap<String, Run> RUNS = new ConcurrentHashMap<>();

  private final String runId;
  private final long[] thresholds;

  public FailureInjection(String runId, long[] thresholds) {
    this.runId = runId;
    this.thresholds = thresholds.clone();
  }

  /**
   * A job's input decorated with failures after {@code thresholds} records, for a job graph's
   * {@link InputTap}.
   */
  public static InputTap tap(String runId, long[] thresholds) {
    if (thresholds.length == 0) {
      return InputTap.NONE;
    }
    return new InputTap() {
      @Override
      public <T> DataStream<T> apply(DataStream<T> input, TypeInformation<T> type) {
        return input
            .map(new FailureInjection<T>(runId, thresholds))
            .returns(type)
            .name("Failure injection")
            .uid("streamgrad-failure-injection");
      }
    };
  }

  @Override
  public T map(T record) {
    Run run = RUNS.computeIfAbsent(runId, k -> new Run());
    long n = run.processed.incrementAndGet();
    for (long t : thresholds) {
      if (n >= t && run.fired.add(t)) {
        run.failures.incrementAndGet();
        throw new InjectedFailure(
            "injected failure after " + n + " processed records (--fail-after " + t + ")");
      }
    }
    return record;
  }

  /** How many failures fired in run {@code runId} (each one restarted the job). */
  public static int failures(String runId) {
    Run run = RUNS.get(runId);
    return run == null ? 0 : run.failures.get();
  }

  /** Forgets a finished run. */
  public static void forget(String runId) {
    RUNS.remove(runId);
  }
}
