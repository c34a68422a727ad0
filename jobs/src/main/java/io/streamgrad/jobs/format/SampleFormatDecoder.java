package io.streamgrad.jobs.format;

import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.FeatureHashing;
import io.streamgrad.schemas.SparseFeatures;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What every sample format shares once a record is decoded: the checks of a sample for a model of
 * {@code features} inputs, and the partition it came from.
 */
public abstract class SampleFormatDecoder extends RecordDecoder<DenseSample> {
  private static final long serialVersionUID = 1L;

  /** Longest accepted model id, in characters. */
  public static final int MAX_MODEL_ID_LENGTH = DenseSample.MAX_MODEL_ID_LENGTH;

  protected final int features;

  /** The model's sparse space is {@code 2^hashBits} coordinates; 0 for a model without one. */
  protected int hashBits;

  protected SampleFormatDecoder(int features, int maxRecordBytes) {
    super(maxRecordBytes);
    this.features = features;
  }

  /** For a model with a sparse part of {@code 2^hashBits} coordinates (tokens hashed into it). */
  public SampleFormatDecoder withSparse(int hashBits) {
    this.hashBits = FeatureHashing.checkBits(hashBits);
    return this;
  }

  /** The space tokens are hashed into. */
  protected int tokenBits() {
    return hashBits == 0 ? FeatureHashing.DEFAULT_BITS : hashBits;
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
    if (x.length == 0 && features > 0) {
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
    return validateSparse(s);
  }

  private String validateSparse(DenseSample s) {
    if (s.sparseProblem != null) {
      return s.sparseProblem;
    }
    return SparseFeatures.invalidReason(s.indices, s.values, hashBits);
  }
}
