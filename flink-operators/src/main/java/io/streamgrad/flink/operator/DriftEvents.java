package io.streamgrad.flink.operator;

import io.streamgrad.nn.quality.PageHinkley;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.QualitySpec;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.DriftEvent;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Instant;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/**
 * The trainer's quality side outputs: detected drifts (and how an event is made) and snapshots the
 * quality gate held back.
 */
public final class DriftEvents {
  private DriftEvents() {}

  /** Drifts detected by the trainer, one event each. */
  public static final OutputTag<DriftEvent> TAG =
      new OutputTag<>("streamgrad-drifts", new AvroTypeInfo<>(DriftEvent.class));

  /**
   * Snapshots the quality gate held back (not the serving topic's), for a look at why a model is
   * not published.
   */
  public static final OutputTag<WeightSnapshot> HELD_BACK =
      new OutputTag<>("streamgrad-held-back", new AvroTypeInfo<>(WeightSnapshot.class));

  /** The event of the drift {@code trainer} just detected, before {@code action} is applied. */
  static DriftEvent of(
      String modelId,
      ModelTrainer trainer,
      TrainerConfig config,
      QualitySpec.DriftAction action,
      long now) {
    PageHinkley test = trainer.driftTest();
    return DriftEvent.newBuilder()
        .setModelId(modelId)
        .setVersion(trainer.version())
        .setSamplesSeen(trainer.driftSample())
        .setError(config.classification() ? "log loss" : "absolute error")
        .setErrorBefore(test.errorBefore())
        .setErrorAfter(test.errorAfter())
        .setAction(action.label())
        .setTimestamp(Instant.ofEpochMilli(now))
        .build();
  }
}
