package io.streamgrad.jobs.cli;

import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads a topic's committed records until it has been quiet for a while: what {@code watch} and
 * {@code local} show.
 */
final class TopicReader {
  private TopicReader() {}

  /**
   * Reads {@code topic} (committed records only) from the beginning until nothing new arrives for
   * {@code idleMillis}.
   */
  static long read(KafkaOptions kafka, String topic, long idleMillis, Consumer<byte[]> each) {
    return read(kafka, topic, idleMillis, 0, each);
  }

  /**
   * Reads {@code topic} (committed records only) from the first record written at or after {@code
   * fromTimestamp} (epoch millis; 0 = the beginning) until nothing new arrives for {@code
   * idleMillis}. Partitions are assigned, not subscribed: no group to join, nothing committed.
   */
  static long read(
      KafkaOptions kafka,
      String topic,
      long idleMillis,
      long fromTimestamp,
      Consumer<byte[]> each) {
    return readRecords(kafka, topic, idleMillis, fromTimestamp, true, r -> each.accept(r.value()));
  }

  /**
   * The same with every record (key, partition, offset); {@code readCommitted} false also shows
   * records of open or aborted transactions.
   */
  static long readRecords(
      KafkaOptions kafka,
      String topic,
      long idleMillis,
      long fromTimestamp,
      boolean readCommitted,
      Consumer<ConsumerRecord<byte[], byte[]>> each) {
    long count = 0;
    try (TopicTail tail = TopicTail.open(kafka, topic, fromTimestamp, readCommitted)) {
      // What the topic holds now is read to its end, however long that takes (a million
      // snapshots); then until nothing new arrives for idleMillis.
      count += tail.readToEnd(each);
      long lastNews = System.currentTimeMillis();
      while (System.currentTimeMillis() - lastNews < idleMillis) {
        int got = tail.poll(Duration.ofMillis(200), each);
        if (got > 0) {
          count += got;
          lastNews = System.currentTimeMillis();
        }
      }
    }
    return count;
  }
}
