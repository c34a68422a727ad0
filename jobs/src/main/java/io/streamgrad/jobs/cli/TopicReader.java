package io.streamgrad.jobs.cli;

import io.streamgrad.jobs.kafka.KafkaClients;
import io.streamgrad.jobs.kafka.KafkaPreflight;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
    try (KafkaConsumer<byte[], byte[]> consumer =
        KafkaClients.consumer(kafka.clientProperties(), readCommitted)) {
      var infos = consumer.partitionsFor(topic, kafka.kafkaTimeout);
      if (infos == null || infos.isEmpty()) {
        throw new KafkaPreflight.KafkaUnavailableException(
            "topic '" + topic + "' does not exist at " + kafka.bootstrapServers);
      }
      List<TopicPartition> partitions =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      if (fromTimestamp <= 0) {
        consumer.seekToBeginning(partitions);
      } else {
        Map<TopicPartition, Long> at = new HashMap<>();
        partitions.forEach(tp -> at.put(tp, fromTimestamp));
        consumer
            .offsetsForTimes(at, kafka.kafkaTimeout)
            .forEach(
                (tp, found) -> {
                  if (found == null) {
                    consumer.seekToEnd(List.of(tp)); // nothing written since
                  } else {
                    consumer.seek(tp, found.offset());
                  }
                });
      }
      // What the topic holds now is read to its end, however long that takes (a million
      // snapshots); then until nothing new arrives for idleMillis.
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, kafka.kafkaTimeout);
      long lastNews = System.currentTimeMillis();
      while (true) {
        var records = consumer.poll(Duration.ofMillis(200));
        long now = System.currentTimeMillis();
        if (!records.isEmpty()) {
          lastNews = now;
        }
        for (ConsumerRecord<byte[], byte[]> r : records) {
          each.accept(r);
          count++;
        }
        boolean atEnd = true;
        for (TopicPartition tp : partitions) {
          atEnd &= consumer.position(tp, kafka.kafkaTimeout) >= ends.get(tp);
        }
        if (atEnd
            ? now - lastNews >= idleMillis
            : now - lastNews >= kafka.kafkaTimeout.toMillis()) {
          if (!atEnd) {
            System.err.println(
                "stopped reading '"
                    + topic
                    + "' before its end: nothing arrived for "
                    + kafka.kafkaTimeout.toMillis()
                    + " ms");
          }
          break;
        }
      }
    }
    return count;
  }
}
