package io.streamgrad.jobs.graph;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.format.RequestDecoder;
import io.streamgrad.jobs.format.SnapshotDecoder;
import io.streamgrad.jobs.kafka.KafkaSettings;
import io.streamgrad.jobs.kafka.KafkaSinks;
import io.streamgrad.jobs.kafka.KafkaSources;
import io.streamgrad.jobs.kafka.StartingOffsets;
import io.streamgrad.schemas.DeadLetter;
import io.streamgrad.schemas.DenseRequest;
import io.streamgrad.schemas.Prediction;
import io.streamgrad.schemas.WeightSnapshot;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * The serving job graph: Kafka requests (single-object Avro) and the snapshot topic → {@link
 * OnlinePredictor} → Kafka predictions; every request that cannot be answered, and every record
 * that cannot be read, goes to the dead-letter topic with its reason.
 *
 * <p>The snapshot topic is read from its start (so every model's newest version is known), only
 * what the training job committed; after a restore both sources resume from the checkpoint, where
 * the predictor's state already holds what came before.
 */
public final class PredictJob {

  private PredictJob() {}

  /**
   * Adds the job to {@code env} with {@code kafka}'s topics (requests, snapshots, predictions, dead
   * letters); returns the predictions (already written to Kafka).
   */
  public static DataStream<Prediction> build(
      StreamExecutionEnvironment env, KafkaSettings kafka, OnlinePredictor predictor) {
    return build(env, kafka, predictor::predict, InputTap.NONE);
  }

  /** The same, with {@code tap} between the decoded requests and the predictor. */
  public static DataStream<Prediction> build(
      StreamExecutionEnvironment env,
      KafkaSettings kafka,
      OnlinePredictor predictor,
      InputTap tap) {
    return build(env, kafka, predictor::predict, tap);
  }

  /**
   * What answers requests with snapshots: the predictor, or (for the {@code bench} command's
   * reference job) anything else with the same inputs and output; dead letters it emits go to
   * {@link OnlinePredictor#REJECTED}.
   */
  @FunctionalInterface
  public interface Stage {
    SingleOutputStreamOperator<Prediction> apply(
        DataStream<DenseRequest> requests, DataStream<WeightSnapshot> snapshots);
  }

  /** The job around any {@link Stage}: same sources, decoding, validation and sinks. */
  public static DataStream<Prediction> build(
      StreamExecutionEnvironment env, KafkaSettings kafka, Stage stage, InputTap tap) {
    SingleOutputStreamOperator<DenseRequest> requests =
        KafkaSources.decoded(
            env,
            kafka,
            kafka.requestsTopic(),
            new RequestDecoder(0, kafka.maxRecordBytes()),
            OnlinePredictor.denseRequestType(),
            "requests");
    SingleOutputStreamOperator<WeightSnapshot> snapshots =
        KafkaSources.decoded(
            env,
            snapshotReading(kafka),
            kafka.snapshotsTopic(),
            new SnapshotDecoder(),
            OnlineTrainer.snapshotType(),
            "snapshots");
    SingleOutputStreamOperator<Prediction> predictions =
        stage.apply(tap.apply(requests, OnlinePredictor.denseRequestType()), snapshots);
    KafkaSinks.predictions(answering(kafka), predictions);
    DataStream<DeadLetter> deadLetters =
        requests
            .getSideOutput(KafkaSources.UNDECODABLE)
            .union(
                snapshots.getSideOutput(KafkaSources.UNDECODABLE),
                predictions.getSideOutput(OnlinePredictor.REJECTED));
    KafkaSinks.deadLetters(kafka, deadLetters);
    return predictions;
  }

  /**
   * How predictions are written: at once ({@code linger.ms=0}) unless the user set a linger, since
   * a caller waits for each one; Kafka 4's default of 5 ms would add to every answer's latency.
   */
  private static KafkaSettings answering(KafkaSettings kafka) {
    return kafka.hasClientProperty("linger.ms")
        ? kafka
        : kafka.withClientProperty("linger.ms", "0");
  }

  /** How the snapshot topic is read: from its start, committed records only. */
  private static KafkaSettings snapshotReading(KafkaSettings kafka) {
    return kafka.toBuilder()
        .startingOffsets(StartingOffsets.EARLIEST)
        .clientProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .build();
  }
}
