package io.streamgrad.jobs.format;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.TrailingBytesException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records of one single-object-encoded record type and validates them: a good record
 * comes out as {@code Left}, anything else as {@code Right} — a {@link DeadLetter} with a specific
 * reason and the record's origin (topic, partition, offset, payload). Nothing throws, nothing is
 * dropped. A record larger than {@code maxRecordBytes} is refused before decoding and its dead
 * letter keeps only a prefix.
 */
public abstract class RecordDecoder<D>
    implements KafkaRecordDeserializationSchema<Either<D, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  /**
   * Default of {@code --max-record-bytes}: below the Kafka producer's default {@code
   * max.request.size} (1 MiB).
   */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1_000_000;

  /** What the dead letter of a record over the size limit keeps of it. */
  public static final int TOO_LARGE_PREFIX_BYTES = 65_536;

  protected final int maxRecordBytes;

  protected RecordDecoder(int maxRecordBytes) {
    this.maxRecordBytes = maxRecordBytes;
  }

  /** A record a decoder refuses, with the reason its dead letter carries. */
  public static final class BadRecordException extends Exception {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String reason) {
      super(reason, null, false, false); // no stack trace: a reason, not a failure
    }
  }

  /** Decodes a payload (made on the task manager: readers are not serializable). */
  protected abstract D decode(byte[] payload) throws IOException, BadRecordException;

  /** The reason a decoded record cannot be used, or null when it can. */
  protected abstract String validate(D record);

  /**
   * The reason a decoded record cannot be used, knowing where it came from (its Kafka timestamp);
   * by default {@link #validate(Object)}.
   */
  protected String validate(D record, ConsumerRecord<byte[], byte[]> from) {
    return validate(record);
  }

  /** The model a decoded record is for (may be null). */
  protected abstract String modelId(D record);

  /** Flink's type of the decoded records. */
  protected abstract TypeInformation<D> recordType();

  /** Notes where a good record came from, when its type carries it. */
  protected void origin(D record, ConsumerRecord<byte[], byte[]> from) {}

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    AvroTrust.install();
  }

  /**
   * Hands on the record decoded: what the fetcher thread already made of it ({@link DecodedRecord},
   * see {@code FetcherDecoding}), or else decoded here.
   */
  @Override
  @SuppressWarnings("unchecked") // a DecodedRecord of this source was decoded by a copy of this
  public void deserialize(
      ConsumerRecord<byte[], byte[]> record, Collector<Either<D, DeadLetter>> out) {
    // Only decoding is guarded: collect() runs the chained operators downstream, and their
    // failures must fail the job, not be filed as bad input.
    out.collect(
        record instanceof DecodedRecord d
            ? (Either<D, DeadLetter>) d.decoded()
            : decodeRecord(record));
  }

  /** The record decoded and validated, or its dead letter; never throws for bad input. */
  public Either<D, DeadLetter> decodeRecord(ConsumerRecord<byte[], byte[]> record) {
    byte[] payload = record.value();
    D decoded = null;
    String reason;
    if (payload == null || payload.length == 0) {
      reason = "empty record";
    } else if (payload.length > maxRecordBytes) {
      reason = "record too large: " + payload.length + " bytes";
    } else {
      try {
        decoded = decode(payload);
        reason = validate(decoded, record);
      } catch (BadRecordException e) {
        reason = e.getMessage();
      } catch (BadHeaderException e) {
        reason = confluentFraming(payload);
      } catch (MissingSchemaException e) {
        reason = "unknown schema fingerprint";
      } catch (TrailingBytesException e) {
        reason = "malformed Avro body: " + e.getMessage();
      } catch (Exception e) {
        reason = "malformed Avro body: " + e.getClass().getSimpleName();
      }
    }
    if (reason == null) {
      origin(decoded, record);
      return Either.Left(decoded);
    }
    return Either.Right(deadLetter(reason, decoded == null ? null : modelId(decoded), record));
  }

  /**
   * The reason for a record that is not single-object encoded: named when it carries Confluent
   * Schema Registry's framing ({@code 0x00} and a 4-byte big-endian schema id), what most Kafka
   * shops' Avro serializers write.
   */
  public static String confluentFraming(byte[] payload) {
    if (payload.length > 5 && payload[0] == 0) {
      int id =
          ((payload[1] & 0xFF) << 24)
              | ((payload[2] & 0xFF) << 16)
              | ((payload[3] & 0xFF) << 8)
              | (payload[4] & 0xFF);
      return "Confluent Schema Registry framing (schema id "
          + id
          + "): use single-object encoding or JSON";
    }
    return "not Avro single-object encoding";
  }

  DeadLetter deadLetter(String reason, String modelId, ConsumerRecord<byte[], byte[]> record) {
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    long timestamp = record.timestamp() >= 0 ? record.timestamp() : System.currentTimeMillis();
    DeadLetter dl =
        DeadLetters.of(reason, modelId, ByteBuffer.wrap(payload), timestamp)
            .setSourceTopic(record.topic())
            .setPartition(record.partition())
            .setOffset(record.offset())
            .build();
    // A record over the limit is not carried whole through the job; the sink fits the others.
    return payload.length > maxRecordBytes ? DeadLetters.truncate(dl, TOO_LARGE_PREFIX_BYTES) : dl;
  }

  @Override
  public TypeInformation<Either<D, DeadLetter>> getProducedType() {
    return new EitherTypeInfo<>(recordType(), new AvroTypeInfo<>(DeadLetter.class));
  }
}
