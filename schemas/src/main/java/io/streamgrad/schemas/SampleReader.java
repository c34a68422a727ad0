package io.streamgrad.schemas;

import java.io.IOException;

/**
 * Decodes single-object-encoded {@link Sample}s straight into {@link DenseSample}s (see {@link
 * SingleObjectReader}).
 *
 * <p>Not thread-safe: it reuses its decoder. One per source reader.
 */
public final class SampleReader extends SingleObjectReader<Sample, DenseSample> {

  /** A reader of the released versions of {@link Sample}. */
  public SampleReader() {
    this(KnownSchemas.released());
  }

  /** A reader of every version of {@link Sample} in {@code writers}. */
  public SampleReader(KnownSchemas writers) {
    super(Sample.getClassSchema(), writers);
  }

  @Override
  protected DenseSample readCurrent(int bodyLength) throws IOException {
    // Field order of the schema: modelId, features, label, weight, eventTime.
    DenseSample s = new DenseSample();
    s.modelId = decoder.readString();
    s.features = readFloats("features", bodyLength);
    s.label = decoder.readFloat();
    s.weight = decoder.readFloat();
    s.eventTime = readOptionalLong("eventTime");
    return s;
  }

  @Override
  protected DenseSample convert(Sample resolved) {
    return DenseSample.of(resolved);
  }
}
