package io.streamgrad.jobs.kafka;

import io.streamgrad.schemas.Sample;
import io.streamgrad.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka clients of raw bytes, as every streamgrad tool uses them (values are single-object Avro
 * from {@link WireFormat}; keys are model ids or reasons in UTF-8).
 */
public final class KafkaClients {

  private KafkaClients() {}

  /** Settings with just the bootstrap servers, to add to. */
  public static Properties settings(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  /** A byte-array producer with {@code settings} (not changed). */
  public static KafkaProducer<byte[], byte[]> producer(Properties settings) {
    Properties p = new Properties();
    p.putAll(settings);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
    return producer(settings(bootstrapServers));
  }

  /**
   * A byte-array consumer with {@code settings} (not changed) that commits nothing; with {@code
   * readCommitted} it sees only committed records (what exactly-once output promises readers).
   */
  public static KafkaConsumer<byte[], byte[]> consumer(Properties settings, boolean readCommitted) {
    Properties p = new Properties();
    p.putAll(settings);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (readCommitted) {
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    }
    return new KafkaConsumer<>(p);
  }

  public static KafkaConsumer<byte[], byte[]> consumer(
      String bootstrapServers, boolean readCommitted) {
    return consumer(settings(bootstrapServers), readCommitted);
  }

  /** Assigns every partition of {@code topic} to {@code consumer}, from the start; returns them. */
  public static List<TopicPartition> readFromStart(
      KafkaConsumer<byte[], byte[]> consumer, String topic) {
    List<TopicPartition> partitions =
        consumer.partitionsFor(topic).stream()
            .map(i -> new TopicPartition(topic, i.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return partitions;
  }

  /**
   * A sample's record: keyed by its model id, so each model's samples stay in one partition, in
   * order.
   */
  public static ProducerRecord<byte[], byte[]> record(String topic, Sample sample) {
    return new ProducerRecord<>(
        topic, sample.getModelId().getBytes(StandardCharsets.UTF_8), WireFormat.encode(sample));
  }

  /** The end offset of every partition of {@code topics} now. */
  public static Map<TopicPartition, Long> endOffsets(Properties settings, List<String> topics) {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(settings, false)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      }
      return new HashMap<>(consumer.endOffsets(partitions));
    }
  }
}
