package io.streamgrad.jobs.bench;

import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.schemas.WireFormat;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A consumer thread that notes when each snapshot of one model arrives, so that a sample's latency
 * is the arrival of the first snapshot whose {@code samplesSeen} covers it.
 */
final class SnapshotClock implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private volatile boolean running = true;
  // (samplesSeen, arrival nanos) pairs in arrival order; guarded by this.
  private long[] seen = new long[1024];
  private long[] arrival = new long[1024];
  private int count;

  SnapshotClock(String bootstrapServers, String topic) {
    consumer = KafkaClients.consumer(bootstrapServers, false);
    KafkaClients.readFromStart(consumer, topic);
    thread = new Thread(this::poll, "snapshot-clock");
    thread.setDaemon(true);
    thread.start();
  }

  private void poll() {
    while (running) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
        long now = System.nanoTime();
        long samplesSeen = WireFormat.snapshot(r.value()).getSamplesSeen();
        synchronized (this) {
          if (count == seen.length) {
            seen = Arrays.copyOf(seen, count * 2);
            arrival = Arrays.copyOf(arrival, count * 2);
          }
          seen[count] = samplesSeen;
          arrival[count] = now;
          count++;
          notifyAll();
        }
      }
    }
  }

  synchronized void awaitSamplesSeen(long samples, long timeoutMillis)
      throws InterruptedException, TimeoutException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (count == 0 || seen[count - 1] < samples) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new TimeoutException(
            "snapshots cover "
                + (count == 0 ? 0 : seen[count - 1])
                + " samples, waited for "
                + samples);
      }
      wait(left);
    }
  }

  /** Arrival (nanoTime) of the first snapshot covering the {@code sample}-th sample (1-based). */
  synchronized long arrivalCovering(long sample) {
    int lo = 0;
    int hi = count - 1;
    while (lo < hi) { // samplesSeen grows with arrival order for one model
      int mid = (lo + hi) >>> 1;
      if (seen[mid] >= sample) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return arrival[lo];
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
    consumer.close();
  }
}
