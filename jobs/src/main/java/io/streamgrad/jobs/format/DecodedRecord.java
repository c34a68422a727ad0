package io.streamgrad.jobs.format;

import io.streamgrad.schemas.DeadLetter;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A Kafka record that already went through its {@link RecordDecoder}: the same record (topic,
 * partition, offset, timestamp, key, headers, the value's size) with what the decoder made of it,
 * so that the decoder, called again for it on the task thread, hands that on instead of decoding
 * twice. The value's bytes are not kept: a good record is its decoding, and a refused one's dead
 * letter carries them, so a poll waiting for the task thread holds each record once.
 */
public final class DecodedRecord extends ConsumerRecord<byte[], byte[]> {
  private final Either<?, DeadLetter> decoded;

  public DecodedRecord(ConsumerRecord<byte[], byte[]> record, Either<?, DeadLetter> decoded) {
    super(
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp(),
        record.timestampType(),
        record.serializedKeySize(),
        record.serializedValueSize(),
        record.key(),
        null,
        record.headers(),
        record.leaderEpoch(),
        record.deliveryCount());
    this.decoded = decoded;
  }

  /** The good record, or the dead letter with its reason. */
  public Either<?, DeadLetter> decoded() {
    return decoded;
  }
}
