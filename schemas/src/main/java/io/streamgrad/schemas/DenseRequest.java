package io.streamgrad.schemas;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link PredictionRequest} with its features in a {@code float[]}: what the serving pipeline
 * carries between operators (a Flink POJO: field-wise serialization, no boxing, no Kryo). {@link
 * RequestReader} decodes Kafka bytes straight into it.
 */
public class DenseRequest {
  /** Longest request id a request may carry, in characters. */
  public static final int MAX_REQUEST_ID_LENGTH = 256;

  public String modelId;
  public String requestId;
  public float[] features;

  /** Event time in epoch millis, or null. */
  public Long eventTime;

  /** Sparse part: explicit coordinates, each with its value in {@link #values}. */
  public int[] indices = NO_INDICES;

  public float[] values = NO_VALUES;

  /**
   * Sparse part: categorical features, hashed into the space of the model that answers (whose
   * {@code hashBits} the request does not know).
   */
  public String[] tokens = NO_TOKENS;

  private static final int[] NO_INDICES = new int[0];
  private static final float[] NO_VALUES = new float[0];
  private static final String[] NO_TOKENS = new String[0];

  public DenseRequest() {}

  public DenseRequest(String modelId, String requestId, float[] features, Long eventTime) {
    this.modelId = modelId;
    this.requestId = requestId;
    this.features = features;
    this.eventTime = eventTime;
  }

  public String getModelId() {
    return modelId;
  }

  /** This request with a sparse part (explicit coordinates and tokens); returns {@code this}. */
  public DenseRequest withSparse(int[] indices, float[] values, String... tokens) {
    this.indices = indices;
    this.values = values;
    this.tokens = tokens;
    return this;
  }

  /** Whether the request has a sparse part. */
  public boolean isSparse() {
    return indices.length > 0 || values.length > 0 || tokens.length > 0;
  }

  /** Copies an Avro {@link PredictionRequest}. */
  public static DenseRequest of(PredictionRequest r) {
    return new DenseRequest(
            r.getModelId(),
            r.getRequestId(),
            FloatLists.unboxed(r.getFeatures()),
            r.getEventTime() == null ? null : r.getEventTime().toEpochMilli())
        .withSparse(
            r.getIndices().stream().mapToInt(Integer::intValue).toArray(),
            FloatLists.unboxed(r.getValues()),
            r.getTokens().stream().map(CharSequence::toString).toArray(String[]::new));
  }

  /** Back to the Avro record (for dead letters, which carry the request's encoding). */
  public PredictionRequest toRequest() {
    return PredictionRequest.newBuilder()
        .setModelId(modelId)
        .setRequestId(requestId)
        .setFeatures(FloatLists.boxed(features))
        .setEventTime(eventTime == null ? null : Instant.ofEpochMilli(eventTime))
        .setIndices(Arrays.stream(indices).boxed().toList())
        .setValues(FloatLists.boxed(values))
        .setTokens(Arrays.asList(tokens))
        .build();
  }

  /**
   * The reason this request cannot be answered by a model of {@code expectedFeatures} inputs, or
   * null when it can: the checks every reader of requests applies (decoder, predictor, trainer).
   * Its sparse part is checked against its model's space when it is answered.
   */
  public String invalidReason(int expectedFeatures) {
    if (modelId == null || modelId.isEmpty()) {
      return "empty model id";
    }
    if (modelId.length() > DenseSample.MAX_MODEL_ID_LENGTH) {
      return "model id longer than " + DenseSample.MAX_MODEL_ID_LENGTH + " characters";
    }
    if (requestId == null || requestId.isEmpty()) {
      return "empty request id";
    }
    if (requestId.length() > MAX_REQUEST_ID_LENGTH) {
      return "request id longer than " + MAX_REQUEST_ID_LENGTH + " characters";
    }
    if (features.length == 0 && !isSparse()) {
      return "empty features";
    }
    if (expectedFeatures > 0 && features.length != expectedFeatures) {
      return wrongFeatureCount(expectedFeatures);
    }
    for (float v : features) {
      if (!Float.isFinite(v)) {
        return "non-finite feature";
      }
    }
    for (String t : tokens) {
      if (t.isEmpty()) {
        return SparseFeatures.EMPTY_TOKEN;
      }
    }
    return null;
  }

  /**
   * Why this request (valid by {@link #invalidReason}) does not fit the model that answers it, of
   * {@code modelFeatures} dense features and a sparse part of {@code 2^hashBits} coordinates (0:
   * none); null when it does. Checked where the model is known: the predictor, the trainer.
   */
  public String mismatch(int modelFeatures, int hashBits) {
    if (features.length != modelFeatures) {
      return wrongFeatureCount(modelFeatures);
    }
    if (!isSparse()) {
      return null;
    }
    if (hashBits == 0) {
      return SparseFeatures.WITHOUT_SPARSE_PART;
    }
    return SparseFeatures.invalidReason(indices, values, hashBits);
  }

  private String wrongFeatureCount(int expected) {
    return "wrong feature count: expected " + expected + ", got " + features.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseRequest d
        && Objects.equals(modelId, d.modelId)
        && Objects.equals(requestId, d.requestId)
        && Arrays.equals(features, d.features)
        && Objects.equals(eventTime, d.eventTime)
        && Arrays.equals(indices, d.indices)
        && Arrays.equals(values, d.values)
        && Arrays.equals(tokens, d.tokens);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        modelId,
        requestId,
        Arrays.hashCode(features),
        eventTime,
        Arrays.hashCode(indices),
        Arrays.hashCode(values),
        Arrays.hashCode(tokens));
  }

  @Override
  public String toString() {
    return "DenseRequest{modelId="
        + modelId
        + ", requestId="
        + requestId
        + ", features="
        + Arrays.toString(features)
        + ", eventTime="
        + eventTime
        + (isSparse()
            ? ", indices="
                + Arrays.toString(indices)
                + ", values="
                + Arrays.toString(values)
                + ", tokens="
                + Arrays.toString(tokens)
            : "")
        + "}";
  }
}
