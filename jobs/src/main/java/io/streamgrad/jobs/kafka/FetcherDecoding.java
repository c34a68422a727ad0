package io.streamgrad.jobs.kafka;

import io.streamgrad.jobs.format.DecodedRecord;
import io.streamgrad.jobs.format.RecordDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Decodes a source's records on Flink's fetcher thread, as its Kafka consumer's poll hands them
 * out, instead of on the task thread that runs the job's operators.
 *
 * <p>Flink's Kafka source polls on a fetcher thread and deserializes on the task thread, which also
 * runs every chained operator: decoding was half of that thread's time, and the task thread was
 * what held the training job back (bench wire). Decoded as the poll hands them out, by a thread
 * that had time to spare, the records reach the task thread decoded ({@link DecodedRecord}) and it
 * only hands them on. Leaving part of the decoding to the task thread was measured and was slower:
 * by then the bytes are no longer in its cache.
 *
 * <p>Flink's source fixes the consumer's deserializers to bytes, so the decoding rides on Kafka's
 * interceptor hook, which may replace the records a poll returns: each comes back as a {@link
 * DecodedRecord}, the same record with its bytes replaced by their decoding. Offsets, timestamps
 * and partitions are the record's own, so checkpoints and watermarks do not change. The decoder is
 * a copy of the source's, made when the consumer is; should a poll's decoding fail unexpectedly
 * (Kafka logs it and returns the poll as it was) or the interceptor be missing, the source's own
 * decoder decodes on the task thread as before.
 */
public final class FetcherDecoding implements ConsumerInterceptor<byte[], byte[]> {

  /** The consumer property holding the source's {@link RecordDecoder} (an object, not text). */
  public static final String DECODER = "streamgrad.fetcher.decoder";

  private RecordDecoder<?> decoder;

  /**
   * Sets {@code consumer} (a source's consumer properties) to decode with {@code decoder} on the
   * fetcher thread; interceptors already set stay, before this one.
   */
  public static void install(Properties consumer, RecordDecoder<?> decoder) {
    List<Object> interceptors = new ArrayList<>();
    Object set = consumer.get(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
    if (set instanceof String names) {
      for (String name : names.split(",")) {
        if (!name.isBlank()) {
          interceptors.add(name.trim());
        }
      }
    } else if (set instanceof List<?> list) {
      interceptors.addAll(list);
    }
    interceptors.add(FetcherDecoding.class); // a class, not a name: no class loader to guess
    consumer.put(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG, interceptors);
    consumer.put(DECODER, decoder);
  }

  @Override
  public void configure(Map<String, ?> configs) {
    Object d = configs.get(DECODER);
    if (d instanceof RecordDecoder<?> given) {
      try {
        // Its own copy: the source's decoder may be the same object after deserialization, and
        // a decoder is not for two threads.
        decoder = InstantiationUtil.clone(given, given.getClass().getClassLoader());
      } catch (Exception e) {
        throw new IllegalStateException("cannot copy the source's decoder", e);
      }
      decoder.open(null);
    }
  }

  @Override
  public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
    if (decoder == null || records.isEmpty()) {
      return records;
    }
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> decoded =
        new HashMap<>(records.partitions().size() * 2);
    for (TopicPartition partition : records.partitions()) {
      List<ConsumerRecord<byte[], byte[]>> polled = records.records(partition);
      List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>(polled.size());
      for (ConsumerRecord<byte[], byte[]> r : polled) {
        out.add(new DecodedRecord(r, decoder.decodeRecord(r)));
      }
      decoded.put(partition, out);
    }
    Map<TopicPartition, OffsetAndMetadata> next = records.nextOffsets();
    return new ConsumerRecords<>(decoded, next);
  }

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}
}
