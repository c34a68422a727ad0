package io.streamgrad.jobs.graph;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.format.JsonSampleDecoder;
import io.streamgrad.jobs.format.RequestDecoder;
import io.streamgrad.jobs.format.SampleDecoder;
import io.streamgrad.jobs.format.SampleFormatDecoder;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSinks;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.DenseSample;
import io.streamgrad.schemas.WeightSnapshot;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The training job graph: Kafka samples (single-object Avro, or JSON) → decode and validate →
 * {@link OnlineTrainer} → Kafka snapshots; every record that cannot be trained on goes to the
 * dead-letter topic with its reason. With a requests topic, the live models answer requests too.
 */
public final class TrainJob {

  private TrainJob() {}

  /**
   * Adds the job to {@code env}; returns the snapshot stream (already written to Kafka). With a
   * requests topic, requests are answered by the live models; with it or with prequential
   * predictions, predictions go to the predictions topic.
   */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env, KafkaSettings kafka, OnlineTrainer trainer) {
    return build(env, kafka, trainer, InputTap.NONE);
  }

  /** The same, with {@code tap} between the decoded samples and the trainer. */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env, KafkaSettings kafka, OnlineTrainer trainer, InputTap tap) {
    int features = trainer.config().features;
    boolean predicts = kafka.requestsTopic() != null || trainer.prequentialPredictions();
    int hashBits =
        trainer.config().sparseModel() ? trainer.config().model.spec(features).hashBits() : 0;
    SingleOutputStreamOperator<WeightSnapshot> snapshots;
    if (kafka.requestsTopic() == null) {
      snapshots =
          build(env, kafka, features, hashBits, trainer::trainDense, tap, predicts, List.of());
    } else {
      if (hashBits > 0) {
        throw new IllegalArgumentException(
            "answering requests (--requests-topic) is for dense models: a request carries dense"
                + " features only");
      }
      SingleOutputStreamOperator<DenseRequest> requests =
          KafkaSources.decoded(
              env,
              kafka,
              kafka.requestsTopic(),
              new RequestDecoder(features, kafka.maxRecordBytes()),
              OnlinePredictor.denseRequestType(),
              "requests");
      snapshots =
          build(
              env,
              kafka,
              features,
              0,
              samples -> trainer.trainAndServe(samples, requests),
              tap,
              predicts,
              List.of(requests.getSideOutput(KafkaSources.UNDECODABLE)));
    }
    qualitySinks(kafka, trainer, hashBits, snapshots);
    return snapshots;
  }

  /**
   * Chained operators hand records on without copying them. Safe for the training jobs: their
   * decoders make a new record per Kafka record, nothing changes a record it was given, and what a
   * chained operator keeps past its call (a sample copied into a batch buffer, a request answered
   * at once; what the feedback join remembers arrives over its keyBy, which always deserializes a
   * new object) is never a record its upstream reuses. Without it Flink copied every sample and
   * every prediction once per chained operator, with the type's serializer (Avro's deep copy for
   * requests and predictions).
   */
  public static void withoutDefensiveCopies(StreamExecutionEnvironment env) {
    env.getConfig().enableObjectReuse();
  }

  /** Drift events and held-back snapshots to their topics, when the trainer makes them. */
  static void qualitySinks(
      KafkaSettings kafka,
      OnlineTrainer trainer,
      int hashBits,
      SingleOutputStreamOperator<WeightSnapshot> snapshots) {
    if (trainer.config().quality.drift() != null) {
      KafkaSinks.drifts(kafka, snapshots.getSideOutput(OnlineTrainer.DRIFTS));
    }
    if (trainer.config().quality.gate() != null) {
      KafkaSinks.snapshots(
          kafka,
          hashBits,
          snapshots.getSideOutput(OnlineTrainer.HELD_BACK),
          kafka.heldBackTopic(),
          "held-back");
    }
  }

  /**
   * What turns validated samples into snapshots: the trainer, or (for the {@code bench} command's
   * reference job) anything else with the same input and output; dead letters it emits go to {@link
   * OnlineTrainer#REJECTED}.
   */
  @FunctionalInterface
  public interface Stage {
    SingleOutputStreamOperator<WeightSnapshot> apply(DataStream<DenseSample> samples);
  }

  /**
   * The job around any {@link Stage} for samples with a sparse part of {@code 2^hashBits}
   * coordinates (0: dense): same source, decoding, validation and sinks.
   */
  public static DataStream<WeightSnapshot> build(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      int features,
      int hashBits,
      Stage stage) {
    return build(env, kafka, features, hashBits, stage, InputTap.NONE, false, List.of());
  }

  private static SingleOutputStreamOperator<WeightSnapshot> build(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      int features,
      int hashBits,
      Stage stage,
      InputTap tap,
      boolean predicts,
      List<DataStream<DeadLetter>> moreDeadLetters) {
    withoutDefensiveCopies(env);
    SingleOutputStreamOperator<DenseSample> samples =
        KafkaSources.decoded(
            env,
            kafka,
            kafka.samplesTopic(),
            sampleDecoder(kafka, features, hashBits),
            OnlineTrainer.denseSampleType(),
            "samples",
            "streamgrad-samples-source",
            "streamgrad-decode");
    SingleOutputStreamOperator<WeightSnapshot> snapshots =
        stage.apply(tap.apply(samples, OnlineTrainer.denseSampleType()));
    KafkaSinks.snapshots(kafka, hashBits, snapshots, kafka.snapshotsTopic(), "snapshots");
    if (predicts) {
      KafkaSinks.predictions(kafka, snapshots.getSideOutput(OnlineTrainer.PREDICTIONS));
    }
    DataStream<DeadLetter> deadLetters =
        samples
            .getSideOutput(KafkaSources.UNDECODABLE)
            .union(snapshots.getSideOutput(OnlineTrainer.REJECTED));
    for (DataStream<DeadLetter> more : moreDeadLetters) {
      deadLetters = deadLetters.union(more);
    }
    KafkaSinks.deadLetters(kafka, deadLetters);
    return snapshots;
  }

  /** The decoder of {@code kafka}'s sample format (for a sparse part of 2^hashBits when > 0). */
  public static SampleFormatDecoder sampleDecoder(KafkaSettings kafka, int features, int hashBits) {
    SampleFormatDecoder d =
        switch (kafka.sampleFormat()) {
          case AVRO -> new SampleDecoder(features, kafka.maxRecordBytes(), kafka.writerSchemas());
          case JSON -> new JsonSampleDecoder(features, kafka.maxRecordBytes());
        };
    return hashBits > 0 ? d.withSparse(hashBits) : d;
  }
}
