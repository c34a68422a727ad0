package io.streamgrad.jobs.format;

import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.KnownSchemas;
import io.streamgrad.schemas.SampleReader;
import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Decodes Kafka records of single-object-encoded {@link io.streamgrad.schemas.Sample}s (straight
 * into {@link DenseSample}s) and validates them (see {@link RecordDecoder}).
 *
 * <p>Records of any released version of {@code Sample}, or of a writer schema announced with {@code
 * --writer-schemas}, are resolved against this version.
 */
public final class SampleDecoder extends SampleFormatDecoder {
  private static final long serialVersionUID = 1L;

  /** Announced writer schemas, as JSON: Avro's {@code Schema} is not serializable. */
  private final List<String> writerSchemas;

  private transient SampleReader reader;

  public SampleDecoder(int features) {
    this(features, DEFAULT_MAX_RECORD_BYTES, List.of());
  }

  public SampleDecoder(int features, int maxRecordBytes, List<String> writerSchemas) {
    super(features, maxRecordBytes);
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
      reader = new SampleReader(knownSchemas(writerSchemas), tokenBits());
    }
    return reader.read(payload);
  }
}
