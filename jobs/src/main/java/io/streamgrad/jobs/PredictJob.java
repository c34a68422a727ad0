package io.streamgrad.jobs;

import io.streamgrad.flink.OnlinePredictor;
import io.streamgrad.flink.OnlineTrainer;
import io.streamgrad.jobs.demo.FailureInjection;
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
      StreamExecutionEnvironment env, TrainJob.Settings kafka, OnlinePredictor predictor) {
    return build(env, kafka, predictor::predict);
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
      StreamExecutionEnvironment env, TrainJob.Settings kafka, Stage stage) {
    SingleOutputStreamOperator<DenseRequest> requests =
        TrainJob.decoded(
            env,
            kafka,
            kafka.requestsTopic,
            new RequestDecoder(0, kafka.maxRecordBytes),
            OnlinePredictor.denseRequestType(),
            "requests");
    DataStream<DenseRequest> toAnswer = requests;
    if (kafka.failAfter.length > 0) {
      toAnswer =
          requests
              .map(new FailureInjection<DenseRequest>(kafka.runId, kafka.failAfter))
              .returns(OnlinePredictor.denseRequestType())
              .name("Failure injection")
              .uid("streamgrad-failure-injection");
    }
    TrainJob.Settings fromStart = snapshotReading(kafka);
    SingleOutputStreamOperator<WeightSnapshot> snapshots =
        TrainJob.decoded(
            env,
            fromStart,
            kafka.snapshotsTopic,
            new SnapshotDecoder(),
            OnlineTrainer.snapshotType(),
            "snapshots");
    SingleOutputStreamOperator<Prediction> predictions = stage.apply(toAnswer, snapshots);
    TrainJob.predictionsSink(answering(kafka), predictions);
    DataStream<DeadLetter> deadLetters =
        requests
            .getSideOutput(TrainJob.UNDECODABLE)
            .union(
                snapshots.getSideOutput(TrainJob.UNDECODABLE),
                predictions.getSideOutput(OnlinePredictor.REJECTED));
    TrainJob.deadLettersSink(kafka, deadLetters);
    return predictions;
  }

  /**
   * How predictions are written: at once ({@code linger.ms=0}) unless the user set a linger, since
   * a caller waits for each one; Kafka 4's default of 5 ms would add to every answer's latency.
   */
  private static TrainJob.Settings answering(TrainJob.Settings kafka) {
    if (kafka.clientProperties.containsKey("linger.ms")) {
      return kafka;
    }
    TrainJob.Settings s = kafka.copy();
    s.clientProperties.put("linger.ms", "0");
    return s;
  }

  /** How the snapshot topic is read: from its start, committed records only. */
  private static TrainJob.Settings snapshotReading(TrainJob.Settings kafka) {
    TrainJob.Settings s = kafka.copy();
    s.startingOffsets = "earliest";
    s.clientProperties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return s;
  }
}
