package io.streamgrad.jobs;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.SampleReader;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes Kafka records of single-object-encoded {@link io.streamgrad.schemas.Sample}s (straight
 * into {@link DenseSample}s) and validates them (see {@link RecordDecoder}).
 *
 * <p>Records of any released version of {@code Sample}, or of a writer schema announced with {@code
 * --writer-schemas}, are resolved against this version.
 */
public final class SampleDecoder extends RecordDecoder<DenseSample> {
  private static final long serialVersionUID = 1L;

  /** Longest accepted model id, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = DenseSample.MAX_MODEL_ID_LENGTH;

  private final int features;

  /** Announced writer schemas, as JSON: Avro's {@code Schema} is not serializable. */
  private final List<String> writerSchemas;

  private transient SampleReader reader;

  public SampleDecoder(int features) {
    this(features, DEFAULT_MAX_RECORD_BYTES, List.of());
  }

  public SampleDecoder(int features, int maxRecordBytes, List<String> writerSchemas) {
    super(maxRecordBytes);
    this.features = features;
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
  protected DenseSample decode(byte[] payload) throws IOException {
    if (reader == null) { // transient: made on the task manager, at the first record
      reader = new SampleReader(knownSchemas(writerSchemas));
    }
    return reader.read(payload);
  }

  /** The partition, so the trainer can tell a model fed from two partitions. */
  @Override
  protected void origin(DenseSample s, ConsumerRecord<byte[], byte[]> from) {
    s.partition = from.partition();
  }

  @Override
  protected String modelId(DenseSample s) {
    return s.modelId;
  }

  @Override
  protected TypeInformation<DenseSample> recordType() {
    return OnlineTrainer.denseSampleType();
  }

  /** The reason a decoded sample cannot be trained on, or null when it can. */
  @Override
  protected String validate(DenseSample s) {
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
}
