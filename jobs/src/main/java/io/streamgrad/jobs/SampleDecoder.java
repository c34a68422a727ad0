package io.streamgrad.jobs;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.SampleReader;
import io.streamgrad.schemas.TrailingBytesException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
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
 * Decodes Kafka records of single-object-encoded {@link io.streamgrad.schemas.Sample}s (straight
 * into {@link DenseSample}s) and validates them: a good sample comes out as {@code Left}, anything
 * else as {@code Right} — a {@link DeadLetter} with a specific reason and the record's origin
 * (topic, partition, offset, payload). Nothing throws, nothing is dropped.
 *
 * <p>Records of any released version of {@code Sample}, or of a writer schema announced with {@code
 * --writer-schemas}, are resolved against this version. A record larger than {@code maxRecordBytes}
 * is refused before decoding and its dead letter keeps only a prefix.
 */
public final class SampleDecoder
    implements KafkaRecordDeserializationSchema<Either<DenseSample, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  /** Longest accepted model id, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = DenseSample.MAX_MODEL_ID_LENGTH;

  /**
   * Default of {@code --max-record-bytes}: below the Kafka producer's default {@code
   * max.request.size} (1 MiB).
   */
  public static final int DEFAULT_MAX_RECORD_BYTES = 1_000_000;

  /** What the dead letter of a record over the size limit keeps of it. */
  public static final int TOO_LARGE_PREFIX_BYTES = 65_536;

  private final int features;
  private final int maxRecordBytes;

  /** Announced writer schemas, as JSON: Avro's {@code Schema} is not serializable. */
  private final List<String> writerSchemas;

  private transient SampleReader reader;

  public SampleDecoder(int features) {
    this(features, DEFAULT_MAX_RECORD_BYTES, List.of());
  }

  public SampleDecoder(int features, int maxRecordBytes, List<String> writerSchemas) {
    this.features = features;
    this.maxRecordBytes = maxRecordBytes;
    this.writerSchemas = List.copyOf(writerSchemas);
  }

  /** The released versions of {@code Sample} and these announced writer schemas. */
  public static KnownSchemas knownSchemas(List<String> writerSchemas) {
    KnownSchemas known = KnownSchemas.released();
    for (String json : writerSchemas) {
      known = known.with(new Schema.Parser().parse(json));
    }
    return known;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    AvroTrust.install();
  }

  @Override
  public void deserialize(
      ConsumerRecord<byte[], byte[]> record, Collector<Either<DenseSample, DeadLetter>> out) {
    if (reader == null) { // transient: made on the task manager, at the first record
      reader = new SampleReader(knownSchemas(writerSchemas));
    }
    byte[] payload = record.value();
    DenseSample sample = null;
    String reason;
    if (payload == null || payload.length == 0) {
      reason = "empty record";
    } else if (payload.length > maxRecordBytes) {
      reason = "record too large: " + payload.length + " bytes";
    } else {
      // Only decoding is guarded: collect() runs the chained operators downstream, and their
      // failures must fail the job, not be filed as bad input.
      try {
        sample = reader.read(payload);
        reason = validate(sample);
      } catch (BadHeaderException e) {
        reason = "not Avro single-object encoding";
      } catch (MissingSchemaException e) {
        reason = "unknown schema fingerprint";
      } catch (TrailingBytesException e) {
        reason = "malformed Avro body: " + e.getMessage();
      } catch (Exception e) {
        reason = "malformed Avro body: " + e.getClass().getSimpleName();
      }
    }
    if (reason == null) {
      out.collect(Either.Left(sample));
    } else {
      out.collect(Either.Right(deadLetter(reason, sample == null ? null : sample.modelId, record)));
    }
  }

  /** The reason a decoded sample cannot be trained on, or null when it can. */
  String validate(DenseSample s) {
    String id = s.modelId;
    if (id == null || id.isEmpty()) {
      return "empty model id";
    }
    if (id.length() > MAX_MODEL_ID_LENGTH) {
      return "model id longer than " + MAX_MODEL_ID_LENGTH + " characters";
    }
    float[] x = s.features;
    if (x.length == 0) {
      return "empty features";
    }
    if (x.length != features) {
      return "wrong feature count: expected " + features + ", got " + x.length;
    }
    for (float v : x) {
      if (!Float.isFinite(v)) {
        return "non-finite feature";
      }
    }
    if (!Float.isFinite(s.label)) {
      return "non-finite label";
    }
    if (!Float.isFinite(s.weight)) {
      return "non-finite weight";
    }
    if (s.weight < 0f) {
      return "negative weight";
    }
    return null;
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
  public TypeInformation<Either<DenseSample, DeadLetter>> getProducedType() {
    return new EitherTypeInfo<>(
        OnlineTrainer.denseSampleType(), new AvroTypeInfo<>(DeadLetter.class));
  }
}
