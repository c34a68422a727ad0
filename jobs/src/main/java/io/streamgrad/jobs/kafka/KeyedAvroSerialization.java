package io.streamgrad.jobs.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How every record streamgrad writes reaches Kafka: to one topic, keyed by a string of the record
 * (the model id, so one model's records stay in order; a dead letter's reason), its value the
 * record's single-object Avro encoding.
 */
public final class KeyedAvroSerialization<T> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final SerializableFunction<T, String> key;
  private final SerializableFunction<T, byte[]> value;

  /**
   * Records to {@code topic}, keyed by {@code key}, encoded by {@code value} (one of {@code
   * WireFormat.encode}).
   */
  public KeyedAvroSerialization(
      String topic, SerializableFunction<T, String> key, SerializableFunction<T, byte[]> value) {
    this.topic = topic;
    this.key = key;
    this.value = value;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long ts) {
    try {
      return new ProducerRecord<>(
          topic, null, ts, key.apply(record).getBytes(StandardCharsets.UTF_8), value.apply(record));
    } catch (Exception e) {
      throw new IllegalStateException("cannot encode a record for topic " + topic, e);
    }
  }
}
