package io.streamgrad.schemas;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A {@link Sample} with its features in a {@code float[]}: what the training pipeline carries
 * between operators (a Flink POJO, so Flink serializes it field by field with its primitive-array
 * serializer: no boxing, no Kryo). {@link SampleReader} decodes Kafka bytes straight into it.
 */
public class DenseSample {
  /** Longest model id a sample may carry, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = 256;

  public String modelId;
  public float[] features;
  public float label;
  public float weight = 1f;

  /** Event time in epoch millis, or null. */
  public Long eventTime;

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

  /** Copies an Avro {@link Sample}. */
  public static DenseSample of(Sample s) {
    DenseSample d =
        new DenseSample(
            s.getModelId(), FloatLists.unboxed(s.getFeatures()), s.getLabel(), s.getWeight());
    d.eventTime = s.getEventTime() == null ? null : s.getEventTime().toEpochMilli();
    return d;
  }

  /** Back to the Avro record (for dead letters, which carry the sample's encoding). */
  public Sample toSample() {
    return Sample.newBuilder()
        .setModelId(modelId)
        .setFeatures(FloatLists.boxed(features))
        .setLabel(label)
        .setWeight(weight)
        .setEventTime(eventTime == null ? null : Instant.ofEpochMilli(eventTime))
        .build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseSample d
        && Objects.equals(modelId, d.modelId)
        && Arrays.equals(features, d.features)
        && Float.compare(label, d.label) == 0
        && Float.compare(weight, d.weight) == 0
        && Objects.equals(eventTime, d.eventTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelId, Arrays.hashCode(features), label, weight, eventTime);
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
        + "}";
  }
}
