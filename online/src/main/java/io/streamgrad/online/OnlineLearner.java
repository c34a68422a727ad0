package io.streamgrad.online;

import io.streamgrad.nn.Predictor;
import io.streamgrad.online.snapshot.SnapshotModels;
import io.streamgrad.online.snapshot.Snapshots;
import io.streamgrad.online.train.FlushTrigger;
import io.streamgrad.online.train.ModelTrainer;
import io.streamgrad.online.train.TrainerConfig;
import io.streamgrad.schemas.WeightSnapshot;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Online training in a plain Java program: one model per id, trained on the samples it is given,
 * publishing {@link WeightSnapshot}s, with the same trainer, step, divergence guard, quality
 * tracking and snapshot contract as the Flink operator, and none of Flink:
 *
 * <pre>{@code
 * OnlineLearner learner = OnlineLearner.builder(TrainerConfig.builder().features(2).build())
 *     .publishTo(snapshots::add)
 *     .build();
 * learner.learn("m", new float[] {1f, 2f}, 3f);
 * learner.flush(); // the partial batches, and the last snapshot of every model
 * }</pre>
 *
 * <p>Batches are formed by the configuration's {@link FlushTrigger} by count; a partial batch waits
 * for {@link #flush()} (a plain program has no timers). Not thread-safe. Models live in memory.
 */
public final class OnlineLearner {

  private final TrainerConfig config;
  private final FlushTrigger trigger;
  private final Consumer<WeightSnapshot> publisher;
  private final Clock clock;
  private final io.streamgrad.schemas.ModelSpec spec;
  private final Map<String, ModelTrainer> models = new LinkedHashMap<>();
  private long rejectedSamples;

  private OnlineLearner(Builder b) {
    this.config = b.config;
    this.trigger = FlushTrigger.countOrDelay(config.batchSize, 0);
    this.publisher = b.publisher;
    this.clock = b.clock;
    this.spec = SnapshotModels.toAvro(config.model.spec(config.features));
  }

  public static Builder builder(TrainerConfig config) {
    return new Builder(config);
  }

  /** Learns from one sample of model {@code modelId}, of weight 1. */
  public void learn(String modelId, float[] features, float label) {
    learn(modelId, features, label, 1f);
  }

  /**
   * Learns from one weighted sample: into its model's batch, and a step when the batch is full.
   *
   * @throws IllegalArgumentException for a wrong feature count or a non-finite value
   */
  public void learn(String modelId, float[] features, float label, float weight) {
    check(features, label, weight);
    ModelTrainer trainer = live(modelId);
    trainer.add(features, label, weight);
    afterSample(modelId, trainer);
  }

  /** Learns from a sample with a sparse part (a model with hashed features). */
  public void learnSparse(
      String modelId, float[] features, int[] indices, float[] values, float label, float weight) {
    check(features, label, weight);
    if (indices.length != values.length) {
      throw new IllegalArgumentException(
          "indices and values of different lengths: " + indices.length + " and " + values.length);
    }
    ModelTrainer trainer = live(modelId);
    trainer.add(features, indices, values, label, weight);
    afterSample(modelId, trainer);
  }

  private void check(float[] features, float label, float weight) {
    if (features.length != config.features) {
      throw new IllegalArgumentException(
          "wrong feature count: expected " + config.features + ", got " + features.length);
    }
    if (!Float.isFinite(label) || !Float.isFinite(weight) || weight < 0) {
      throw new IllegalArgumentException("label and weight must be finite, weight >= 0");
    }
  }

  private void afterSample(String modelId, ModelTrainer trainer) {
    if (trigger.onSample(trainer.pending())) {
      step(modelId, trainer);
    }
  }

  private ModelTrainer live(String modelId) {
    Objects.requireNonNull(modelId, "modelId");
    return models.computeIfAbsent(modelId, id -> new ModelTrainer(config, id));
  }

  private void step(String modelId, ModelTrainer trainer) {
    ModelTrainer.StepResult r = trainer.step();
    if (r == ModelTrainer.StepResult.TRAINED) {
      trainer.markUpdated(clock.millis());
      if (trainer.takeDrift()) {
        trainer.applyDriftAction(modelId);
      }
      if (trainer.version() % config.snapshotEvery == 0) {
        publish(modelId, trainer);
      }
    } else if (r == ModelTrainer.StepResult.REJECTED_NON_FINITE) {
      rejectedSamples += trainer.pending(); // the divergence guard kept the last good state
      trainer.discardPending();
    }
  }

  private void publish(String modelId, ModelTrainer trainer) {
    if (!trainer.heldBackByGate()) {
      for (WeightSnapshot s :
          Snapshots.publish(
              modelId, trainer, config.snapshotOptimizerState, clock.millis(), spec)) {
        publisher.accept(s);
      }
    }
    trainer.markEmitted();
  }

  /**
   * Trains every partial batch and publishes the newest version of every model not yet published:
   * after it, the published snapshots hold everything learned.
   */
  public void flush() {
    for (Map.Entry<String, ModelTrainer> e : models.entrySet()) {
      ModelTrainer trainer = e.getValue();
      if (trainer.pending() > 0) {
        step(e.getKey(), trainer);
      }
      if (trainer.version() > trainer.lastEmittedVersion()) {
        publish(e.getKey(), trainer);
      }
    }
  }

  /** The ids of the models seen so far, in the order they were first seen. */
  public Set<String> modelIds() {
    return Collections.unmodifiableSet(models.keySet());
  }

  /** Model {@code modelId}'s live trainer (its version, counts, metrics), or null. */
  public ModelTrainer trainer(String modelId) {
    return models.get(modelId);
  }

  /** Predictions of model {@code modelId} as it is now, or null for a model never seen. */
  public Predictor predictor(String modelId) {
    ModelTrainer t = models.get(modelId);
    return t == null ? null : t.predictor();
  }

  /** Samples of steps the divergence guard refused (the model kept its last good state). */
  public long rejectedSamples() {
    return rejectedSamples;
  }

  /** Fluent configuration of a learner. */
  public static final class Builder {
    private final TrainerConfig config;
    private Consumer<WeightSnapshot> publisher = s -> {};
    private Clock clock = Clock.systemUTC();

    private Builder(TrainerConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Where snapshots go (a list, a Kafka producer, a file); nowhere by default. */
    public Builder publishTo(Consumer<WeightSnapshot> publisher) {
      this.publisher = Objects.requireNonNull(publisher, "publisher");
      return this;
    }

    /** The clock that stamps updates and snapshots (the system's by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public OnlineLearner build() {
      return new OnlineLearner(this);
    }
  }
}
