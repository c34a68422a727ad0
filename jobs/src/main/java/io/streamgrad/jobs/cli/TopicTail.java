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
 * A topic read from the first record written at or after a time, by assigned partitions (no group
 * to join, nothing committed): what {@code watch}, {@code local} and {@code train}'s report read.
 */
final class TopicTail implements AutoCloseable {
  private final KafkaOptions kafka;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<TopicPartition> partitions;

  private TopicTail(
      KafkaOptions kafka, KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
    this.kafka = kafka;
    this.consumer = consumer;
    this.partitions = partitions;
  }

  /**
   * {@code topic} from {@code fromTimestamp} (epoch millis; 0 = the beginning); {@code
   * readCommitted} false also shows records of open or aborted transactions.
   *
   * @throws KafkaPreflight.KafkaUnavailableException when the topic does not exist
   */
  static TopicTail open(
      KafkaOptions kafka, String topic, long fromTimestamp, boolean readCommitted) {
    KafkaConsumer<byte[], byte[]> consumer =
        KafkaClients.consumer(kafka.clientProperties(), readCommitted);
    try {
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
      return new TopicTail(kafka, consumer, partitions);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  /**
   * {@code topic} from its end now: what is written after this call (record timestamps may be
   * older: a sink may stamp a record with its input's time).
   */
  static TopicTail fromEnd(KafkaOptions kafka, String topic, boolean readCommitted) {
    TopicTail tail = open(kafka, topic, 0, readCommitted);
    tail.consumer.seekToEnd(tail.partitions);
    for (TopicPartition tp : tail.partitions) {
      tail.consumer.position(tp, kafka.kafkaTimeout); // seekToEnd is lazy: fix the position now
    }
    return tail;
  }

  /** The end offsets now (with read_committed: what is committed now). */
  Map<TopicPartition, Long> ends() {
    return consumer.endOffsets(partitions, kafka.kafkaTimeout);
  }

  /** One poll; returns how many records it gave {@code each}. */
  int poll(Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    int n = 0;
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
      each.accept(r);
      n++;
    }
    return n;
  }

  /** Whether every partition was read up to {@code ends}. */
  boolean reached(Map<TopicPartition, Long> ends) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp, kafka.kafkaTimeout) < ends.get(tp)) {
        return false;
      }
    }
    return true;
  }

  /** Reads what the topic holds now, to its end, however long that takes. */
  long readToEnd(Consumer<ConsumerRecord<byte[], byte[]>> each) {
    Map<TopicPartition, Long> ends = ends();
    long n = 0;
    long lastNews = System.currentTimeMillis();
    while (!reached(ends)) {
      int got = poll(Duration.ofMillis(200), each);
      long now = System.currentTimeMillis();
      if (got > 0) {
        n += got;
        lastNews = now;
      } else if (now - lastNews >= kafka.kafkaTimeout.toMillis()) {
        System.err.println(
            "stopped reading '"
                + partitions.get(0).topic()
                + "' before its end: nothing arrived for "
                + kafka.kafkaTimeout.toMillis()
                + " ms");
        break;
      }
    }
    return n;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
