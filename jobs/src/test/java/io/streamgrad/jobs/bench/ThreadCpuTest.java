package io.streamgrad.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ThreadCpuTest {

  @Test
  void threadsOfOneKindAreOneGroup() {
    assertEquals(
        "Source: Kafka samples -> Decode and validate samples",
        ThreadCpu.group("Source: Kafka samples -> Decode and validate samples (1/2)#3"));
    assertEquals(
        "data-plane-kafka-request-handler", ThreadCpu.group("data-plane-kafka-request-handler-7"));
    assertEquals("main", ThreadCpu.group("main"));
  }

  /** A thread that ends before the stop is counted: its CPU was sampled while it ran. */
  @Test
  void aThreadThatEndedIsStillCounted() throws Exception {
    ThreadCpu cpu = ThreadCpu.start();
    Thread busy =
        new Thread(
            () -> {
              long end = System.nanoTime() + 300_000_000L;
              double x = 0;
              while (System.nanoTime() < end) {
                x += Math.sqrt(x + 1);
              }
              if (x < 0) {
                System.out.println(x);
              }
            },
            "busy-worker-1");
    busy.start();
    busy.join();
    Thread.sleep(100); // past a sampling period: its last reading is taken
    Map<String, Long> byGroup = cpu.stop();
    Long used = byGroup.get("busy-worker");
    assertTrue(used != null && used > 50_000_000L, "busy-worker's CPU: " + byGroup);
  }
}
