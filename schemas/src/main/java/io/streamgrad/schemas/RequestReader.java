package io.streamgrad.schemas;

import java.io.IOException;

/**
 * Decodes single-object-encoded {@link PredictionRequest}s straight into {@link DenseRequest}s (see
 * {@link SingleObjectReader}).
 *
 * <p>Not thread-safe: it reuses its decoder. One per source reader.
 */
public final class RequestReader extends SingleObjectReader<PredictionRequest, DenseRequest> {

  /** A reader of the released versions of {@link PredictionRequest}. */
  public RequestReader() {
    this(KnownSchemas.released());
  }

  /** A reader of every version of {@link PredictionRequest} in {@code writers}. */
  public RequestReader(KnownSchemas writers) {
    super(PredictionRequest.getClassSchema(), writers);
  }

  @Override
  protected DenseRequest readCurrent(int bodyLength) throws IOException {
    // Field order of the schema: modelId, requestId, features, eventTime, indices, values, tokens.
    DenseRequest r = new DenseRequest();
    r.modelId = readModelId();
    r.requestId = decoder.readString();
    r.features = readFloats("features", bodyLength);
    r.eventTime = readOptionalLong("eventTime");
    int[] indices = readInts("indices", bodyLength);
    float[] values = readFloats("values", bodyLength);
    String[] tokens = readStrings("tokens", bodyLength);
    if (indices.length + values.length + tokens.length > 0) {
      r.withSparse(indices, values, tokens);
    }
    return r;
  }

  @Override
  protected DenseRequest convert(PredictionRequest resolved) {
    return DenseRequest.of(resolved);
  }
}
