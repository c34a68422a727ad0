package io.streamgrad.jobs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * CPU time by thread while something runs in this JVM, grouped by what the threads do (their names
 * without subtask and instance numbers). Sampled every few milliseconds, because a job's task
 * threads end with the job and a dead thread's CPU time cannot be read.
 */
public final class ThreadCpu implements AutoCloseable {
  private static final long EVERY_MILLIS = 20;

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final Map<Long, long[]> firstAndLast = new HashMap<>();
  private final Map<Long, String> names = new HashMap<>();
  private final Thread sampler;
  private volatile boolean running = true;

  private ThreadCpu() {
    sample(true);
    sampler =
        new Thread(
            () -> {
              while (running) {
                sample(false);
                try {
                  Thread.sleep(EVERY_MILLIS);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "bench-thread-cpu");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts sampling. */
  public static ThreadCpu start() {
    return new ThreadCpu();
  }

  private synchronized void sample(boolean baseline) {
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(t.getThreadId());
      if (cpu < 0) {
        continue;
      }
      // A thread born after the start counts from zero.
      long[] fl =
          firstAndLast.computeIfAbsent(t.getThreadId(), id -> new long[] {baseline ? cpu : 0, cpu});
      fl[1] = cpu;
      names.putIfAbsent(t.getThreadId(), t.getThreadName());
    }
  }

  /** Stops sampling; returns CPU nanoseconds by group of threads, the sampler's own left out. */
  public synchronized Map<String, Long> stop() {
    running = false;
    sampler.interrupt();
    sample(false);
    Map<String, Long> byGroup = new TreeMap<>();
    for (var e : firstAndLast.entrySet()) {
      long used = e.getValue()[1] - e.getValue()[0];
      String name = names.get(e.getKey());
      if (used > 0 && !name.equals("bench-thread-cpu")) {
        byGroup.merge(group(name), used, Long::sum);
      }
    }
    return byGroup;
  }

  @Override
  public void close() {
    running = false;
    sampler.interrupt();
  }

  /**
   * Runs {@code work}, adding the CPU it took by thread group ({@link #stop}) to {@code rounds}.
   */
  public static <T> T recording(List<Map<String, Long>> rounds, Callable<T> work) throws Exception {
    try (ThreadCpu cpu = start()) {
      T result = work.call();
      rounds.add(cpu.stop());
      return result;
    }
  }

  /**
   * Prints a job's CPU per sample by thread group, the mean of {@code rounds} (each from {@link
   * #stop}) of {@code samples} samples; groups under half a percent left out.
   */
  public static void print(String job, List<Map<String, Long>> rounds, long samples) {
    Map<String, Long> sum = new TreeMap<>();
    rounds.forEach(r -> r.forEach((k, v) -> sum.merge(k, v, Long::sum)));
    double total = sum.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(
        "%-72s %10s %6s%n",
        job + ": CPU by thread (whole run, start-up included)", "µs/sample", "share");
    sum.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .filter(e -> e.getValue() / total >= 0.005)
        .forEach(
            e ->
                System.out.printf(
                    "%-72s %10.3f %5.1f%%%n",
                    e.getKey(),
                    e.getValue() / 1e3 / rounds.size() / samples,
                    100 * e.getValue() / total));
  }

  /** A thread's name without what differs between subtasks, attempts and instances. */
  static String group(String name) {
    String g =
        name.replaceAll(" \\(\\d+/\\d+\\)#\\d+", "")
            .replaceAll("\\b[0-9a-f]{16,}\\b", "")
            .replaceAll("-\\d+\\b", "")
            .replaceAll("\\d+$", "");
    return g.length() > 70 ? g.substring(0, 67) + "..." : g;
  }
}
