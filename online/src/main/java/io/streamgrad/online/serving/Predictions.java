package io.streamgrad.online.serving;

import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DeadLetters;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.time.Instant;

/** The records serving emits: a prediction, or a refused request's dead letter. */
public final class Predictions {

  /** Dead-letter reason of a request whose model has no snapshot (after the wait). */
  public static final String NO_MODEL = "no model";

  /** Dead-letter reason (its stable part) of a request whose model is older than allowed. */
  public static final String MODEL_TOO_OLD = "model too old";

  private Predictions() {}

  /** The answer to {@code request} by version {@code version} of its model. */
  public static Prediction of(
      DenseRequest request, float output, long version, long modelMillis, boolean stale) {
    // The all-fields constructor: one per request, and Avro's builder resolves field defaults.
    return new Prediction(
        request.modelId,
        request.requestId,
        output,
        version,
        Instant.ofEpochMilli(modelMillis),
        request.eventTime == null ? null : Instant.ofEpochMilli(request.eventTime),
        null,
        stale);
  }

  /**
   * A test-then-train prediction: what version {@code version} of the model predicted for its
   * {@code ordinal}-th sample (counted from 1) before training on it, with the sample's label.
   */
  public static Prediction prequential(
      String modelId, long ordinal, float output, float label, long version, long modelMillis) {
    return new Prediction(
        modelId,
        Long.toString(ordinal),
        output,
        version,
        Instant.ofEpochMilli(modelMillis),
        null,
        label,
        false);
  }

  /** The dead letter of a request that cannot be answered, carrying its encoding. */
  public static DeadLetter refused(DenseRequest request, String reason, long nowMillis) {
    return DeadLetters.of(
            reason,
            request.modelId,
            ByteBuffer.wrap(WireFormat.encode(request.toRequest())),
            nowMillis)
        .build();
  }

  /** The reason for {@code model too old}, with the figures. */
  public static String tooOld(long version, long ageMillis, long maxAgeMillis) {
    return MODEL_TOO_OLD
        + ": version "
        + version
        + " is "
        + ageMillis
        + " ms old, at most "
        + maxAgeMillis
        + " ms allowed";
  }
}
