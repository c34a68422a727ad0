package io.streamgrad.jobs.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** LOCAL DIAGNOSTIC: per-thread CPU between the first sample and the end of the run. */
public final class ThreadCpu {
  private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
  private static final Map<Long, long[]> begin = new HashMap<>();
  private static final Map<Long, long[]> latest = new HashMap<>();
  private static final Map<Long, String> names = new HashMap<>();
  private static volatile boolean started;

  static {
    Thread t = new Thread(() -> {
      while (true) {
        poll();
        try { Thread.sleep(50); } catch (InterruptedException e) { return; }
      }
    }, "thread-cpu-poller");
    t.setDaemon(true);
    t.start();
  }

  private static synchronized void poll() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      long c = MX.getThreadCpuTime(t.getId());
      if (c < 0) continue;
      latest.put(t.getId(), new long[] {c});
      names.put(t.getId(), t.getName());
    }
  }

  public static synchronized void markBegin() {
    poll();
    begin.clear();
    latest.forEach((k, v) -> begin.put(k, v.clone()));
    started = true;
  }

  public static synchronized void report(String job, long samples) {
    poll();
    Map<String, Long> by = new TreeMap<>();
    latest.forEach((k, v) -> {
      long b = begin.containsKey(k) ? begin.get(k)[0] : 0;
      String n = names.get(k).replaceAll("\\d+", "N");
      n = n.substring(0, Math.min(40, n.length()));
      by.merge(n, v[0] - b, Long::sum);
    });
    StringBuilder sb = new StringBuilder("threads " + job + ":");
    by.entrySet().stream().filter(e -> e.getValue() > 20_000_000L)
        .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
        .forEach(e -> sb.append(String.format("%n  %7.3f us/sample  %s", e.getValue() / 1e3 / samples, e.getKey())));
    System.out.println(sb);
    latest.clear();
  }
}
