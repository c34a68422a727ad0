package io.streamgrad.schemas;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Sample} with its features in a {@code float[]}: what the training pipeline carries
 * between operators (the Flink operators carry it with a serializer of its own, which knows every
 * field below: no boxing, no reflection, no Kryo). {@link SampleReader} decodes Kafka bytes
 * straight into it.
 */
public class DenseSample {
  /** Longest model id a sample may carry, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = 256;

  private static final int[] NO_INDICES = new int[0];
  private static final float[] NO_VALUES = new float[0];

  public String modelId;
  public float[] features;
  public float label;
  public float weight = 1f;

  /** Event time in epoch millis, or null. */
  public Long eventTime;

  /**
   * The sparse part: coordinates with their values (same length), tokens already hashed into them
   * (value 1 each, after the explicit ones). Empty arrays when the sample has none.
   */
  public int[] indices = NO_INDICES;

  public float[] values = NO_VALUES;

  /**
   * Why the sparse part cannot be used although it decoded (an empty token), or null: a Flink POJO
   * field, null once validated.
   */
  public String sparseProblem;

  /**
   * The Kafka partition it was read from, or -1: where it came from, not what it is (not part of
   * {@link #equals}).
   */
  public int partition = -1;

  public DenseSample() {}

  public DenseSample(String modelId, float[] features, float label, float weight) {
    this.modelId = modelId;
    this.features = features;
    this.label = label;
    this.weight = weight;
  }

  public String getModelId() {
    return modelId;
  }

  /** Whether the sample has a sparse part. */
  public boolean isSparse() {
    return indices.length > 0;
  }

  /** Copies an Avro {@link Sample}, tokens hashed into the default space of 2^20. */
  public static DenseSample of(Sample s) {
    return of(s, FeatureHashing.DEFAULT_BITS);
  }

  /** Copies an Avro {@link Sample}; its tokens are hashed into {@code 2^hashBits} coordinates. */
  public static DenseSample of(Sample s, int hashBits) {
    DenseSample d =
        new DenseSample(
            s.getModelId(), FloatLists.unboxed(s.getFeatures()), s.getLabel(), s.getWeight());
    d.eventTime = s.getEventTime() == null ? null : s.getEventTime().toEpochMilli();
    List<Integer> idx = s.getIndices();
    List<Float> val = s.getValues();
    List<String> tokens = s.getTokens();
    int explicit = idx.size();
    if (explicit + tokens.size() > 0) {
      d.indices = new int[explicit + tokens.size()];
      d.values = new float[Math.max(val.size(), explicit) + tokens.size()];
      for (int k = 0; k < explicit; k++) {
        d.indices[k] = idx.get(k);
      }
      for (int k = 0; k < val.size(); k++) {
        d.values[k] = val.get(k);
      }
      if (val.size() != explicit) {
        d.sparseProblem = indicesAndValues(explicit, val.size());
      }
      int at = explicit;
      int valueAt = Math.max(val.size(), explicit);
      for (String token : tokens) {
        if (token.isEmpty()) {
          d.sparseProblem = SparseFeatures.EMPTY_TOKEN;
        }
        d.indices[at++] = FeatureHashing.index(token, hashBits);
        d.values[valueAt++] = 1f;
      }
    } else if (!val.isEmpty()) {
      d.sparseProblem = indicesAndValues(0, val.size());
    }
    return d;
  }

  /** The dead-letter reason of a sparse part with more values than indices or fewer. */
  public static String indicesAndValues(int indices, int values) {
    return "indices and values of different lengths: " + indices + " and " + values;
  }

  /** Back to the Avro record (tokens as their hashed indices). */
  public Sample toSample() {
    List<Integer> idx = new java.util.ArrayList<>(indices.length);
    for (int i : indices) {
      idx.add(i);
    }
    return Sample.newBuilder()
        .setModelId(modelId)
        .setFeatures(FloatLists.boxed(features))
        .setLabel(label)
        .setWeight(weight)
        .setEventTime(eventTime == null ? null : Instant.ofEpochMilli(eventTime))
        .setIndices(idx)
        .setValues(FloatLists.boxed(values))
        .setTokens(List.of())
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseSample d
        && Objects.equals(modelId, d.modelId)
        && Arrays.equals(features, d.features)
        && Float.compare(label, d.label) == 0
        && Float.compare(weight, d.weight) == 0
        && Objects.equals(eventTime, d.eventTime)
        && Arrays.equals(indices, d.indices)
        && Arrays.equals(values, d.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        modelId,
        Arrays.hashCode(features),
        label,
        weight,
        eventTime,
        Arrays.hashCode(indices),
        Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "DenseSample{modelId="
        + modelId
        + ", features="
        + Arrays.toString(features)
        + ", label="
        + label
        + ", weight="
        + weight
        + ", eventTime="
        + eventTime
        + (indices.length > 0
            ? ", indices=" + Arrays.toString(indices) + ", values=" + Arrays.toString(values)
            : "")
        + "}";
  }
}
