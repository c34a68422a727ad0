package io.streamgrad.jobs;

import io.streamgrad.schemas.AvroTrust;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.SampleReader;
import java.nio.ByteBuffer;
import java.time.Instant;
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
 */
public final class SampleDecoder implements KafkaRecordDeserializationSchema<Either<DenseSample, DeadLetter>> {
  private static final long serialVersionUID = 1L;

  /** Longest accepted model id, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = 256;

  private final int features;
  private transient SampleReader reader;

  public SampleDecoder(int features) {
    this.features = features;
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    AvroTrust.install();
  }

  @Override
  public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Either<DenseSample, DeadLetter>> out) {
    if (reader == null) { // transient: made on the task manager, at the first record
      reader = new SampleReader();
    }
    byte[] payload = record.value();
    DenseSample sample = null;
    String reason;
    if (payload == null || payload.length == 0) {
      reason = "empty record";
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
      } catch (Exception e) {
        reason = "malformed Avro body: " + e.getClass().getSimpleName();
      }
    }
    if (reason == null) {
      out.collect(Either.Left(sample));
    } else {
      out.collect(Either.Right(deadLetter(reason, record)));
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

  static DeadLetter deadLetter(String reason, ConsumerRecord<byte[], byte[]> record) {
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    return DeadLetter.newBuilder()
        .setReason(reason)
        .setSourceTopic(record.topic())
        .setPartition(record.partition())
        .setOffset(record.offset())
        .setPayload(ByteBuffer.wrap(payload))
        .setTimestamp(Instant.ofEpochMilli(record.timestamp() >= 0 ? record.timestamp() : System.currentTimeMillis()))
        .build();
  }

  @Override
  public TypeInformation<Either<DenseSample, DeadLetter>> getProducedType() {
    return new EitherTypeInfo<>(io.streamgrad.flink.OnlineTrainer.denseSampleType(), new AvroTypeInfo<>(DeadLetter.class));
  }
}
